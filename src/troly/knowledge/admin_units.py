"""Provinces and communes after the 1 July 2025 reorganisation (34 provinces, 3,321 communes).

Data: github.com/dvhcvn/20250701 (MIT licence, © dvhcvn 2025), from Nghị quyết 202/2025/QH15
and the Standing Committee's commune resolutions; bundled as ``data/admin-units-2025.json.gz``.
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from rapidfuzz import fuzz, process

_DATA_FILE = "admin-units-2025.json.gz"
_PROVINCE_PREFIXES = ("thanh pho", "tinh", "tp")
_KIND_PREFIXES = (
    ("dac khu", "special_zone"),
    ("phuong", "ward"),
    ("xa", "commune"),
    ("p", "ward"),
    ("x", "commune"),
)
# Names people use for a province that its official name does not contain.
_PROVINCE_ALIASES = {"hcm": "79", "tphcm": "79", "sai gon": "79", "saigon": "79"}


class CommuneKind(StrEnum):
    """The three kinds of commune-level unit."""

    COMMUNE = "commune"
    WARD = "ward"
    SPECIAL_ZONE = "special_zone"


_KIND_BY_WORDS = {
    "Xã": CommuneKind.COMMUNE,
    "Phường": CommuneKind.WARD,
    "Đặc khu": CommuneKind.SPECIAL_ZONE,
}


@dataclass(frozen=True, slots=True)
class Province:
    """A province or centrally-run city, e.g. code ``38``, name ``Tỉnh Thanh Hóa``."""

    code: str
    name: str
    merged_from: tuple[str, ...]

    @property
    def short_name(self) -> str:
        """The name without ``Tỉnh`` or ``Thành phố``: ``Thanh Hóa``."""
        return _strip_words(self.name, ("Thành phố", "Tỉnh"))


@dataclass(frozen=True, slots=True)
class Commune:
    """A commune, ward or special zone, e.g. code ``00004``, name ``Phường Ba Đình``."""

    code: str
    name: str
    province_code: str
    kind: CommuneKind
    former_names: tuple[str, ...]

    @property
    def short_name(self) -> str:
        """The name without ``Xã``, ``Phường`` or ``Đặc khu``: ``Ba Đình``."""
        return _strip_words(self.name, tuple(_KIND_BY_WORDS))


class AdminUnits:
    """The provinces and their communes, with lookups by name or code."""

    def __init__(self, provinces: Iterable[Province], communes: Iterable[Commune]) -> None:
        self.provinces = tuple(provinces)
        self._by_code = {p.code: p for p in self.provinces}
        self._by_folded = {_fold(p.short_name): p for p in self.provinces}
        grouped: dict[str, list[Commune]] = {p.code: [] for p in self.provinces}
        for commune in communes:
            grouped[commune.province_code].append(commune)
        self._communes = {code: tuple(items) for code, items in grouped.items()}
        self._folded_communes = {
            code: [_fold(c.short_name) for c in items] for code, items in self._communes.items()
        }

    def province(self, name_or_code: str) -> Province | None:
        """Finds a province by code (``38``) or name, with or without accents and ``Tỉnh``."""
        text = _fold(name_or_code)
        if text.isdigit():
            return self._by_code.get(text.zfill(2))
        bare = _strip_prefix(text, _PROVINCE_PREFIXES)[1]
        for key in (text, bare):
            if key in _PROVINCE_ALIASES:
                return self._by_code[_PROVINCE_ALIASES[key]]
        return self._by_folded.get(bare) or self._by_folded.get(text)

    def merged_into(self, name: str) -> Province | None:
        """The province that a former province (abolished on 1 July 2025) became part of.

        None for a name that is a province today, or was never one.
        """
        bare = _strip_prefix(_fold(name), _PROVINCE_PREFIXES)[1]
        if not bare or self.province(name) is not None:
            return None
        for province in self.provinces:
            for former in province.merged_from:
                if _strip_prefix(_fold(former), _PROVINCE_PREFIXES)[1] == bare:
                    return province
        return None

    def communes_of(self, province_code: str) -> tuple[Commune, ...]:
        """Returns the communes of a province, empty for an unknown code."""
        return self._communes.get(province_code, ())

    def find_commune(
        self, province_code: str, text: str, *, limit: int = 5, score_cutoff: float = 85
    ) -> list[Commune]:
        """Finds communes of a province by name, best first, tolerating typos and no accents.

        ``Xã``/``Phường`` is optional; when given, units of that kind rank first, and among
        names that fold alike, the one whose accents match what was typed ranks first.

        Args:
            province_code: the province to search in.
            text: the name as typed.
            limit: at most this many results.
            score_cutoff: the least rapidfuzz ``ratio`` (0–100) a typo may score.
        """
        communes = self._communes.get(province_code, ())
        folded = _fold(text)
        prefix, bare = _strip_prefix(folded, tuple(w for w, _ in _KIND_PREFIXES))
        if not communes or not bare:
            return []
        # "phuong liet" may be Phường Liệt or Phương Liệt: read it both ways.
        readings = (
            [(dict(_KIND_PREFIXES)[prefix], bare), (None, folded)] if prefix else [(None, folded)]
        )
        typed = " ".join(unicodedata.normalize("NFC", text).casefold().split())
        best: dict[int, tuple[bool, bool, bool, float, str]] = {}
        for kind, query in readings:
            hits = process.extract(
                query,
                self._folded_communes[province_code],
                scorer=fuzz.ratio,
                score_cutoff=score_cutoff,
                limit=None,
            )
            for name, score, index in hits:
                commune = communes[index]
                key = (
                    name != query,
                    commune.kind != kind,
                    typed not in (commune.name.casefold(), commune.short_name.casefold()),
                    -score,
                    commune.name,
                )
                best[index] = min(key, best.get(index, key))
        ranked = sorted(best, key=best.__getitem__)
        return [communes[index] for index in ranked[:limit]]


@cache
def bundled_admin_units() -> AdminUnits:
    """The bundled provinces and communes, loaded once per process."""
    return load_admin_units()


def load_admin_units() -> AdminUnits:
    """Loads the bundled provinces and communes."""
    raw = resources.files("troly.knowledge").joinpath("data", _DATA_FILE).read_bytes()
    data = json.loads(gzip.decompress(raw))
    return AdminUnits(
        (_province(p) for p in data["provinces"]), (_commune(c) for c in data["communes"])
    )


def _province(record: Mapping[str, Any]) -> Province:
    return Province(
        code=record["code"], name=record["name"], merged_from=tuple(record["merged_from"])
    )


def _commune(record: Mapping[str, Any]) -> Commune:
    name: str = record["name"]
    kind = next(k for words, k in _KIND_BY_WORDS.items() if name.startswith(words + " "))
    return Commune(
        code=record["code"],
        name=name,
        province_code=record["province_code"],
        kind=kind,
        former_names=tuple(dict.fromkeys(f["old_name"] for f in record["formed_from"])),
    )


def _fold(text: str) -> str:
    """Lower case without accents, đ as d, punctuation as spaces, spaces collapsed."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^\w]+", " ", bare).split())


def _strip_prefix(folded: str, prefixes: tuple[str, ...]) -> tuple[str | None, str]:
    for prefix in prefixes:
        if folded.startswith(prefix + " "):
            return prefix, folded[len(prefix) + 1 :]
    return None, folded


def _strip_words(name: str, words: tuple[str, ...]) -> str:
    for word in words:
        if name.casefold().startswith(word.casefold() + " "):
            return name[len(word) + 1 :]
    return name

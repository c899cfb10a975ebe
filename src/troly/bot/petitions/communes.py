"""The communes of the configured province, for the "which commune" step (loaded once)."""

from __future__ import annotations

import unicodedata

from troly.knowledge.admin_units import AdminUnits, Commune, bundled_admin_units
from troly.knowledge.folding import vietnamese_key


def admin_units() -> AdminUnits:
    """The bundled administrative units, loaded on first use."""
    return bundled_admin_units()


def find_communes(province: str, text: str, *, limit: int = 4) -> list[Commune]:
    """Communes of ``province`` (a name or code) matching what was typed, best first."""
    units = admin_units()
    found = units.province(province)
    if found is None:
        return []
    return units.find_commune(found.code, text, limit=limit)


def commune_by_code(province: str, code: str) -> Commune | None:
    """The commune of ``province`` with this code, if it is one of its communes."""
    units = admin_units()
    found = units.province(province)
    if found is None:
        return None
    return next((c for c in units.communes_of(found.code) if c.code == code), None)


def communes_of(province: str) -> list[Commune]:
    """Every commune of ``province`` (a name or code), by name."""
    units = admin_units()
    found = units.province(province)
    if found is None:
        return []
    return sorted(units.communes_of(found.code), key=lambda c: vietnamese_key(c.name))


_KINDS = ("Phường ", "Xã ", "Thị trấn ", "Đặc khu ")
LETTER_PAGE = 10
"""Communes shown per page when chosen by their first letter (a kiosk screen, a phone)."""


def bare_name(commune: Commune) -> str:
    """The name without its kind ("Phường Hạc Thành" -> "Hạc Thành")."""
    for kind in _KINDS:
        if commune.name.startswith(kind):
            return commune.name[len(kind) :]
    return commune.name


def initial(commune: Commune) -> str:
    """The first letter people look a commune up by ("Đông Sơn" -> "Đ", "Ái Thượng" -> "A")."""
    first = bare_name(commune)[:1].upper()
    return first if first == "Đ" else unicodedata.normalize("NFD", first)[:1]


def initials(province: str) -> list[str]:
    """The first letters of the province's communes, in Vietnamese order (Đ after D)."""
    letters = {initial(c) for c in communes_of(province)}
    return sorted(letters, key=vietnamese_key)


def with_initial(province: str, letter: str) -> list[Commune]:
    """The province's communes whose name starts with ``letter``, by their bare name."""
    found = [c for c in communes_of(province) if initial(c) == letter]
    return sorted(found, key=lambda c: vietnamese_key(bare_name(c)))

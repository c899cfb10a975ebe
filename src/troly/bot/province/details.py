"""What the procedure records cannot know about the configured province.

Where the Public Administration Service Center is, its hours and hotline, the province's
portal, the commune one-stop offices' hours, and staff's local note per procedure.

The settings give each value; an admin's override in the console (bot/province/store.py)
replaces it. Must not import handlers or platform libraries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from troly.bot.settings import Settings
from troly.knowledge.admin_units import Province, bundled_admin_units
from troly.knowledge.folding import basic_fold
from troly.knowledge.records import Procedure
from troly.knowledge.vocabulary import read_pairs

FIELDS: Final = (
    "center_name",
    "center_address",
    "center_hours",
    "center_hotline",
    "center_map_url",
    "portal_url",
    "commune_office_hours",
)
"""The details an admin may override, each also a ``TROLY_<NAME>`` setting."""
URL_FIELDS: Final = frozenset({"center_map_url", "portal_url"})
MAX_DETAIL = 300
MAX_NOTE = 600
_PROVINCE_LEVEL = "Cấp tỉnh"
_COMMUNE_LEVEL = "Cấp xã"


@dataclass(frozen=True, slots=True)
class ProvinceDetails:
    """The configured province and its own details (None: nobody has given it)."""

    province: str
    center_name: str
    center_address: str | None = None
    center_hours: str | None = None
    center_hotline: str | None = None
    center_map_url: str | None = None
    portal_url: str | None = None
    commune_office_hours: str | None = None
    notes: Mapping[str, str] = field(default_factory=dict)
    """Staff's local note per procedure code (the province's fee decision, a local office)."""

    def center_place(self) -> str | None:
        """«Trung tâm …, <address>», or None while the address is unknown."""
        if not self.center_address:
            return None
        return f"{self.center_name}, {self.center_address}"

    def center_serves(self, procedure: Procedure) -> bool:
        """Whether the procedure is the province's (so the center receives it).

        A ministry's procedure is not the province's to place.
        """
        return _PROVINCE_LEVEL in procedure.level_names

    def commune_office_serves(self, procedure: Procedure) -> bool:
        """Whether the procedure is done at the commune one-stop offices only."""
        levels = procedure.level_names
        return _COMMUNE_LEVEL in levels and _PROVINCE_LEVEL not in levels

    def note_of(self, code: str) -> str | None:
        """The local note staff added to a procedure, if any."""
        return self.notes.get(code)


def details_from(
    settings: Settings,
    overrides: Mapping[str, str] | None = None,
    notes: Mapping[str, str] | None = None,
) -> ProvinceDetails:
    """The settings' details with an admin's overrides on top (a blank value is unset)."""
    values: dict[str, str | None] = {name: getattr(settings, name) for name in FIELDS}
    for name, value in (overrides or {}).items():
        if name in values:
            values[name] = value
    cleaned = {name: (value.strip() or None) if value else None for name, value in values.items()}
    center = cleaned.pop("center_name") or default_center_name(settings.province)
    return ProvinceDetails(
        province=settings.province, center_name=center, notes=dict(notes or {}), **cleaned
    )


def province_of(name: str) -> Province | None:
    """The province of the settings (its official name, as the settings keep it)."""
    return bundled_admin_units().province(name)


def _kind_and_name(province: str) -> str:
    """«tỉnh Thanh Hóa» or «thành phố Hà Nội», as it follows a title."""
    found = province_of(province)
    name = found.name if found is not None else province
    return name[:1].lower() + name[1:]


def default_center_name(province: str) -> str:
    """«Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa» for the configured province."""
    return f"Trung tâm Phục vụ hành chính công {_kind_and_name(province)}"


def default_session_departments(province: str) -> list[str]:
    """Who attends the chairman's sessions by default, for the configured province.

    The departments every province has, its tax office, and its economic-zone board
    (``knowledge/data/economic_zones.tsv``).
    """
    found = province_of(province)
    kind = "thành phố" if _kind_and_name(province).startswith("thành phố") else "tỉnh"
    boards = read_pairs("economic_zones.tsv")
    board = boards.get(found.code) if found is not None else None
    return [
        "Sở Tài chính",
        "Sở Nông nghiệp và Môi trường",
        "Sở Xây dựng",
        f"Thuế {kind}",
        board or f"Ban Quản lý các khu công nghiệp {kind}",
    ]


def session_departments(settings: Settings) -> list[str]:
    """The departments a new session lists: the setting, or the province's defaults."""
    if settings.session_departments:
        return list(settings.session_departments)
    return default_session_departments(settings.province)


def commune_examples(province: str) -> tuple[str, str]:
    """Two names to show how a commune may be typed: a ward with marks, a commune without.

    Taken from the configured province's own list («Hàm Rồng», «xa Muong Lat»).
    """
    found = province_of(province)
    communes = bundled_admin_units().communes_of(found.code) if found is not None else ()
    ward = next((c for c in communes if c.kind == "ward"), None)
    rural = next((c for c in communes if c.kind != "ward"), None)
    first = ward.short_name if ward is not None else "Ba Đình"
    second = rural.name if rural is not None else "Xã Sóc Sơn"
    return first, basic_fold(second)

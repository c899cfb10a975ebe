"""The communes of the configured province, for the "which commune" step (loaded once)."""

from __future__ import annotations

from troly.knowledge.admin_units import AdminUnits, Commune, bundled_admin_units


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
    return sorted(units.communes_of(found.code), key=lambda c: c.name)

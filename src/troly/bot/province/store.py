"""The admins' overrides of the province's details and staff's local notes, in the database.

Every worker reads the same rows; ``DetailsCache`` keeps them for a short while so a message
costs no query, and a change made on one worker reaches the others within ``ttl``.
Must not import handlers or platform libraries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from troly.bot.province.details import (
    FIELDS,
    MAX_DETAIL,
    MAX_NOTE,
    URL_FIELDS,
    ProvinceDetails,
    details_from,
)
from troly.bot.settings import Settings
from troly.bot.storage.models import Base
from troly.bot.storage.types import UTCDateTime


class ProvinceDetail(Base):
    """An admin's value for one of the province's details (the settings give the default)."""

    __tablename__ = "province_details"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(MAX_DETAIL))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str | None] = mapped_column(String(120))


class ProcedureNote(Base):
    """Staff's local note on a procedure, shown on its card (the province's fee decision)."""

    __tablename__ = "procedure_notes"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    note: Mapped[str] = mapped_column(String(MAX_NOTE))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str | None] = mapped_column(String(120))


@dataclass(frozen=True, slots=True)
class DetailRow:
    """One detail as admins see it: the value in use, and whether an admin set it."""

    name: str
    value: str
    setting: str
    changed: bool
    updated_by: str | None = None


async def detail_rows(session: AsyncSession, settings: Settings) -> list[DetailRow]:
    """Every detail, in the order of ``FIELDS``."""
    rows = {row.name: row for row in (await session.execute(select(ProvinceDetail))).scalars()}
    defaults = details_from(settings)
    found = []
    for name in FIELDS:
        setting = getattr(defaults, name) or ""
        row = rows.get(name)
        if row is None:
            found.append(DetailRow(name, setting, setting, False))
        else:
            found.append(DetailRow(name, row.value, setting, True, row.updated_by))
    return found


async def overrides(session: AsyncSession) -> dict[str, str]:
    """The details an admin has set, by name."""
    rows = (await session.execute(select(ProvinceDetail))).scalars()
    return {row.name: row.value for row in rows}


async def notes(session: AsyncSession) -> list[ProcedureNote]:
    """Every local note, by procedure code."""
    query = select(ProcedureNote).order_by(ProcedureNote.code)
    return list((await session.execute(query)).scalars())


async def load_details(session: AsyncSession, settings: Settings) -> ProvinceDetails:
    """The province's details as every worker sees them now."""
    found = {row.code: row.note for row in await notes(session)}
    return details_from(settings, await overrides(session), found)


def check_detail(name: str, value: str) -> str | None:
    """The catalogue key of what is wrong with a value for a detail, or None."""
    if name not in FIELDS:
        return "province.unknown_detail"
    if len(value) > MAX_DETAIL:
        return "province.too_long"
    if value and name in URL_FIELDS and not value.startswith(("https://", "http://")):
        return "province.not_a_link"
    return None


async def set_detail(
    session: AsyncSession, name: str, value: str, *, now: datetime, by: str
) -> str | None:
    """Sets one detail (a blank value goes back to the setting); a refusal's key, or None."""
    value = " ".join(value.split())
    problem = check_detail(name, value)
    if problem is not None:
        return problem
    row = await session.get(ProvinceDetail, name)
    if not value:
        if row is not None:
            await session.delete(row)
        return None
    if row is None:
        session.add(ProvinceDetail(name=name, value=value, updated_at=now, updated_by=by))
    else:
        row.value, row.updated_at, row.updated_by = value, now, by
    return None


async def set_note(
    session: AsyncSession, code: str, note: str, *, now: datetime, by: str
) -> str | None:
    """Sets (or, blank, removes) a procedure's local note; a refusal's key, or None.

    The caller checks that the code is a procedure in use.
    """
    note = " ".join(note.split())
    if len(note) > MAX_NOTE:
        return "province.too_long"
    row = await session.get(ProcedureNote, code)
    if not note:
        if row is not None:
            await session.delete(row)
        return None
    if row is None:
        session.add(ProcedureNote(code=code, note=note, updated_at=now, updated_by=by))
    else:
        row.note, row.updated_at, row.updated_by = note, now, by
    return None


class DetailsCache:
    """The province's details, read again from the database once ``ttl`` has passed."""

    def __init__(
        self, settings: Settings, *, clock: Callable[[], datetime], ttl: timedelta
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._ttl = ttl
        self._details = details_from(settings)
        self._read_at: datetime | None = None

    async def current(self, session: AsyncSession) -> ProvinceDetails:
        """The details, fresh within ``ttl`` (read in the caller's transaction when stale)."""
        now = self._clock()
        if self._read_at is None or now - self._read_at >= self._ttl:
            self._details = await load_details(session, self._settings)
            self._read_at = now
        return self._details

    @property
    def latest(self) -> ProvinceDetails:
        """The details as last read (the settings' before any message): no database read."""
        return self._details

    def forget(self) -> None:
        """Reads the database again at the next message (this worker changed a detail)."""
        self._read_at = None

"""What the public pages read of the published petitions: a searchable list and one petition.

Nothing shows until ``min_count`` petitions are published; a commune is named (and offered as
a filter) only when at least ``min_count`` published petitions come from it, so a commune and a
topic together do not point at one business. Must not import handlers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot.petitions.publication import Publication

PER_PAGE = 20
MAX_QUERY = 100


@dataclass(frozen=True, slots=True)
class Search:
    """What a reader searches for (empty: everything)."""

    topic: str = ""
    commune: str = ""
    q: str = ""
    page: int = 1


@dataclass(frozen=True, slots=True)
class Listing:
    """One page of published petitions, and what the search form may offer."""

    total: int
    enough: bool
    matched: int = 0
    rows: tuple[Publication, ...] = ()
    communes: dict[str, str] = field(default_factory=dict)
    """The communes that may be named: code -> name."""
    page: int = 1
    pages: int = 1


def _live() -> list[ColumnElement[bool]]:
    return [Publication.withdrawn_at.is_(None)]


async def live_total(session: AsyncSession) -> int:
    """How many petitions are published now (the public pages show them from ``min_count``)."""
    found = await session.execute(select(func.count()).select_from(Publication).where(*_live()))
    return int(found.scalar_one())


async def namable_communes(session: AsyncSession, *, min_count: int) -> dict[str, str]:
    """The communes with at least ``min_count`` published petitions, by name."""
    query = (
        select(Publication.commune_code, func.max(Publication.commune_name))
        .where(*_live(), Publication.commune_code.is_not(None))
        .group_by(Publication.commune_code)
        .having(func.count() >= min_count)
    )
    found = {str(code): str(name) for code, name in (await session.execute(query)).all()}
    return dict(sorted(found.items(), key=lambda item: item[1]))


async def listing(session: AsyncSession, search: Search, *, min_count: int) -> Listing:
    """A page of the published petitions, newest answer first, as the search narrows it."""
    total = await live_total(session)
    if total < min_count:
        return Listing(total=total, enough=False)
    communes = await namable_communes(session, min_count=min_count)
    where = _live()
    if search.topic:
        where.append(Publication.topic == search.topic)
    if search.commune in communes:
        where.append(Publication.commune_code == search.commune)
    words = search.q.strip()[:MAX_QUERY]
    if words:
        like = f"%{words.lower()}%"
        where.append(
            or_(
                func.lower(Publication.question).like(like),
                func.lower(Publication.answer).like(like),
            )
        )
    matched = (
        await session.execute(select(func.count()).select_from(Publication).where(*where))
    ).scalar_one()
    pages = max(1, -(-matched // PER_PAGE))
    page = min(max(search.page, 1), pages)
    query = (
        select(Publication)
        .where(*where)
        .order_by(Publication.answered_at.desc(), Publication.id.desc())
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
    )
    rows = tuple((await session.execute(query)).scalars())
    return Listing(total, True, matched, rows, communes, page, pages)


async def published(
    session: AsyncSession, public_id: str, *, min_count: int
) -> tuple[Publication, dict[str, str]] | None:
    """One live published petition by its public id, and the communes that may be named.

    None: no such petition, withdrawn, or too few published yet.
    """
    total = await live_total(session)
    if total < min_count:
        return None
    query = select(Publication).where(*_live(), Publication.public_id == public_id)
    row = (await session.execute(query)).scalar_one_or_none()
    if row is None:
        return None
    return row, await namable_communes(session, min_count=min_count)

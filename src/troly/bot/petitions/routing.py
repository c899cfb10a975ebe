"""Which department handles a petition: a topic -> department table admins edit.

The settings give the defaults; a supervisor may re-route one petition, with a reason.

Must not import handlers or platform libraries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from troly.bot.messages import Reply
from troly.bot.petitions.model import Petition
from troly.bot.petitions.render import STAFF_LOCALE
from troly.bot.petitions.service import record, to_staff
from troly.bot.settings import Settings
from troly.bot.storage.models import Base
from troly.bot.storage.types import UTCDateTime
from troly.bot.texts import t
from troly.bot.topics import TOPICS

MAX_DEPARTMENT = 120


class PetitionRoute(Base):
    """An admin's choice of department for one topic (the settings give the default)."""

    __tablename__ = "petition_routes"

    topic: Mapped[str] = mapped_column(String(32), primary_key=True)
    department: Mapped[str] = mapped_column(String(MAX_DEPARTMENT))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str | None] = mapped_column(String(120))


class CommuneRoute(Base):
    """Where a province wants it: one topic's petitions from one commune go elsewhere."""

    __tablename__ = "petition_commune_routes"

    topic: Mapped[str] = mapped_column(String(32), primary_key=True)
    commune_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    department: Mapped[str] = mapped_column(String(MAX_DEPARTMENT))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str | None] = mapped_column(String(120))


@dataclass(frozen=True, slots=True)
class Route:
    """One row of the routing table as admins see it."""

    topic: str
    department: str
    changed: bool
    """Whether an admin set it (else it is the settings' default)."""


def default_department(topic: str, settings: Settings) -> str:
    """The settings' department for a topic (the "other" topic's for one not listed)."""
    departments = settings.petition_departments
    found = departments.get(topic) or departments.get("khac") or ""
    if "petition_departments" in settings.model_fields_set:
        return found  # an operator's own names are used as written
    # The built-in names say "tỉnh"; a centrally-run city's departments say "thành phố".
    city = settings.province.lower().startswith("thành phố")
    return re.sub(r"\btỉnh\b", "thành phố", found) if city else found


async def department_for(
    session: AsyncSession, topic: str, settings: Settings, *, commune: str | None = None
) -> str | None:
    """The department a new petition on ``topic`` (from ``commune``) goes to (None: nobody)."""
    if commune:
        special = await session.get(CommuneRoute, (topic, commune))
        if special is not None:
            return special.department
    route = await session.get(PetitionRoute, topic)
    return (route.department if route is not None else default_department(topic, settings)) or None


async def routes(session: AsyncSession, settings: Settings) -> list[Route]:
    """The whole table, in the topics' order."""
    rows = {r.topic: r for r in (await session.execute(select(PetitionRoute))).scalars()}
    return [
        Route(key, rows[key].department, True)
        if key in rows
        else Route(key, default_department(key, settings), False)
        for key, _vi, _en in TOPICS
    ]


async def set_route(
    session: AsyncSession, topic: str, department: str, *, now: datetime, by: str
) -> bool:
    """Sends a topic's new petitions to ``department``; False for an unknown topic or name."""
    name = " ".join(department.split())
    if topic not in {key for key, _, _ in TOPICS} or not name or len(name) > MAX_DEPARTMENT:
        return False
    route = await session.get(PetitionRoute, topic)
    if route is None:
        session.add(PetitionRoute(topic=topic, department=name, updated_at=now, updated_by=by))
    else:
        route.department, route.updated_at, route.updated_by = name, now, by
    return True


async def reroute(
    session: AsyncSession,
    petition: Petition,
    department: str,
    *,
    reason: str,
    actor_id: str,
    actor_name: str,
    now: datetime,
    settings: Settings,
) -> str | None:
    """Moves a petition to another department's queue, the reason in its timeline and topic.

    Returns the catalogue key of a refusal, or None when done.
    """
    name = " ".join(department.split())
    why = " ".join(reason.split())[:500]
    if not name or len(name) > MAX_DEPARTMENT:
        return "console.reroute_no_department"
    if not why:
        return "console.reroute_no_reason"
    if name == petition.department:
        return "console.reroute_same"
    if not petition.is_open:
        return "console.reroute_not_open"
    petition.department = name
    note = f"{name}: {why}"
    record(session, petition, now=now, actor="staff", actor_id=actor_id, kind="rerouted", note=note)
    text = t(
        "staff.rerouted",
        STAFF_LOCALE,
        code=petition.code,
        name=actor_name,
        department=name,
        reason=why,
    )
    await to_staff(session, petition, Reply(text), now=now, settings=settings)
    return None


async def commune_routes(session: AsyncSession) -> list[CommuneRoute]:
    """The commune exceptions, by topic then commune."""
    query = select(CommuneRoute).order_by(CommuneRoute.topic, CommuneRoute.commune_code)
    return list((await session.execute(query)).scalars())


async def set_commune_route(
    session: AsyncSession,
    topic: str,
    commune_code: str,
    department: str,
    *,
    known_communes: frozenset[str],
    now: datetime,
    by: str,
) -> bool:
    """Sends one topic's petitions from one commune to ``department`` (empty: removes it).

    False for an unknown topic or commune, or a name too long.
    """
    name = " ".join(department.split())
    topics = {key for key, _, _ in TOPICS}
    if topic not in topics or commune_code not in known_communes or len(name) > MAX_DEPARTMENT:
        return False
    route = await session.get(CommuneRoute, (topic, commune_code))
    if not name:
        if route is not None:
            await session.delete(route)
        return True
    if route is None:
        session.add(
            CommuneRoute(
                topic=topic,
                commune_code=commune_code,
                department=name,
                updated_at=now,
                updated_by=by,
            )
        )
    else:
        route.department, route.updated_at, route.updated_by = name, now, by
    return True

"""The staff desk's view of petitions: who sees which, the inbox and its counts, the actions.

Deadlines in working days, and the console's actions through the staff group's rules.
Must not import handlers or platform libraries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot.messages import Document
from troly.bot.petitions import files as staff_files
from troly.bot.petitions.effects import StaffAction
from troly.bot.petitions.model import OPEN_STATUSES, Petition, PetitionEvent, Status
from troly.bot.petitions.service import STAFF_CHANNEL, by_code, lock_many, work_calendar
from troly.bot.petitions.staff_actions import Actor, act_on_petition
from troly.bot.settings import Settings

LISTS = ("open", "mine", "unassigned", "due_soon", "overdue", "awaiting_rating", "closed")
DUE_SOON_DAYS = 2
INBOX_LIMIT = 200


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose desk: an officer sees their department's petitions, their topics' and their own."""

    role: str
    user_id: str
    topics: tuple[str, ...] = ()
    department: str | None = None

    def condition(self) -> ColumnElement[bool] | None:
        """The SQL condition limiting what this desk sees (None: everything)."""
        if self.role != "officer":
            return None
        mine = [Petition.topic.in_(self.topics), Petition.assignee == self.user_id]
        if self.department:
            mine.append(Petition.department == self.department)
        return or_(*mine)

    def sees(self, petition: Petition) -> bool:
        """Whether this desk may see the petition."""
        if self.role != "officer":
            return True
        in_department = bool(self.department) and petition.department == self.department
        return petition.topic in self.topics or petition.assignee == self.user_id or in_department


@dataclass(frozen=True, slots=True)
class Filters:
    """The inbox's list, filters and search, as the officer chose them."""

    list: str = "open"
    topic: str = ""
    commune: str = ""
    channel: str = ""
    status: str = ""
    public: Literal["", "yes", "no"] = ""
    q: str = ""


@dataclass(frozen=True, slots=True)
class Deadline:
    """A deadline as staff read it: the day, its weekday, the working days left."""

    day: date
    weekday: int
    days_left: float
    overdue: bool
    running: bool = True
    """Whether the petition still waits for its answer (the days left mean something)."""


@dataclass(frozen=True, slots=True)
class Inbox:
    """One inbox page: the rows, the count of every list, the communes to filter by."""

    rows: list[Petition]
    counts: dict[str, int]
    communes: list[tuple[str, str]] = field(default_factory=list)


def _scoped(query: Select[Any], scope: Scope) -> Select[Any]:
    condition = scope.condition()
    return query if condition is None else query.where(condition)


def deadline_of(petition: Petition, now: datetime, settings: Settings) -> Deadline:
    """The petition's deadline in the province's days (working days left, negative if late)."""
    cal = work_calendar(settings)
    local = petition.deadline.astimezone(cal.tz)
    left = cal.working_days_between(now, petition.deadline)
    return Deadline(
        local.date(), local.weekday(), left, petition.is_overdue(now), running=petition.is_open
    )


def _list_of(p: Petition, scope: Scope, now: datetime, settings: Settings) -> set[str]:
    found: set[str] = set()
    if p.status == Status.CLOSED:
        return {"closed"}
    if p.status == Status.ANSWERED:
        found.add("awaiting_rating")
    if p.assignee == scope.user_id:
        found.add("mine")
    if not p.is_open:
        return found
    found.add("open")
    if p.assignee is None:
        found.add("unassigned")
    if p.is_overdue(now):
        found.add("overdue")
    elif work_calendar(settings).working_days_between(now, p.deadline) <= DUE_SOON_DAYS:
        found.add("due_soon")
    return found


async def inbox(
    session: AsyncSession, scope: Scope, filters: Filters, *, now: datetime, settings: Settings
) -> Inbox:
    """The petitions of one list, filtered and searched, soonest deadline first, with counts."""
    live = _scoped(select(Petition).where(Petition.status != Status.CLOSED.value), scope)
    live_rows = list((await session.execute(live.order_by(Petition.deadline))).scalars())
    counts = dict.fromkeys(LISTS, 0)
    kept: list[Petition] = []
    for petition in live_rows:
        lists = _list_of(petition, scope, now, settings)
        for name in lists:
            counts[name] += 1
        if filters.list in lists:
            kept.append(petition)
    closed = _scoped(select(func.count(Petition.id)), scope)
    counts["closed"] = int(await session.scalar(closed.where(Petition.status == "closed")) or 0)
    if filters.list == "closed":
        query = _scoped(select(Petition).where(Petition.status == Status.CLOSED.value), scope)
        kept = list((await session.execute(query.order_by(Petition.deadline.desc()))).scalars())
    rows = [p for p in kept if _matches(p, filters)][:INBOX_LIMIT]
    communes = sorted({(p.commune_code, p.commune_name or "") for p in live_rows if p.commune_code})
    return Inbox(rows, counts, [(code, name) for code, name in communes])


def _matches(p: Petition, f: Filters) -> bool:
    if f.topic and p.topic != f.topic:
        return False
    if f.commune and p.commune_code != f.commune:
        return False
    if f.channel and p.channel != f.channel:
        return False
    if f.status and p.status != f.status:
        return False
    if f.public and p.public != (f.public == "yes"):
        return False
    q = " ".join(f.q.split()).casefold()
    return not q or q in p.code.casefold() or q in p.description.casefold()


async def case(session: AsyncSession, scope: Scope, code: str) -> Petition | None:
    """One petition, if this desk may see it (an officer's other topics do not exist here)."""
    petition = await by_code(session, code.strip().upper())
    return petition if petition is not None and scope.sees(petition) else None


async def timeline(session: AsyncSession, petition: Petition) -> list[PetitionEvent]:
    """Every event and message of the petition, oldest first."""
    query = (
        select(PetitionEvent)
        .where(PetitionEvent.petition_id == petition.id)
        .order_by(PetitionEvent.id)
    )
    return list((await session.execute(query)).scalars())


@dataclass(frozen=True, slots=True)
class Done:
    """What a console action came to: whether it changed the petition, and what staff read."""

    changed: bool
    messages: tuple[str, ...] = ()


class NewDateError(ValueError):
    """The new date's fields could not be read (the staff rule then explains)."""


def staff_effect(
    petition: Petition, action: str, *, text: str, arg: str, day: date | None
) -> StaffAction | None:
    """The staff group's action for a console form (None: no such action)."""
    code = petition.code
    simple = {"claim": "claim", "write": "relay", "answer": "answer_text", "ask_info": "ask_info"}
    if action in simple:
        return StaffAction(code, simple[action], text=text)
    if action == "assign":
        return StaffAction(code, "assign", arg=arg)
    if action == "new_date":
        typed = f"{day:%d/%m/%Y} {text}" if day is not None else text
        return StaffAction(code, "new_date", text=typed)
    if action == "close":
        answered = petition.status == Status.ANSWERED
        return StaffAction(code, "close" if answered else "close_text", text=text)
    if action == "reopen":
        return StaffAction(code, "reopen", text=text)
    return None


async def act(
    session: AsyncSession,
    scope: Scope,
    actor: Actor,
    code: str,
    action: str,
    *,
    text: str = "",
    arg: str = "",
    day: date | None = None,
    now: datetime,
    settings: Settings,
    locale: str = "vi",
) -> Done | None:
    """Runs a console action with the staff group's rules, the petition locked.

    Of a web and a Telegram action at once, the second sees the first's result.
    None when this desk cannot see the petition.
    """
    await lock_many(session, [code])
    petition = await by_code(session, code, lock=True)
    if petition is None or not scope.sees(petition):
        return None
    effect = staff_effect(petition, action, text=text, arg=arg, day=day)
    if effect is None:
        return Done(False)
    before = await _event_count(session, petition)
    result = await act_on_petition(
        session, effect, actor, now=now, settings=settings, locale=locale
    )
    await session.flush()
    # Every change the staff rules make writes an event; a refusal writes none.
    changed = await _event_count(session, petition) > before
    messages = tuple(reply.text for reply in result.replies) if result is not None else ()
    return Done(changed, messages)


async def _event_count(session: AsyncSession, petition: Petition) -> int:
    query = select(func.count(PetitionEvent.id)).where(PetitionEvent.petition_id == petition.id)
    return int(await session.scalar(query) or 0)


PREVIEWABLE = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif", "application/pdf"})
"""What the console shows in the page (a picture, the browser's PDF viewer); others download."""


def attachment(petition: Petition, number: int) -> Document | None:
    """The petition's file ``number`` (1 is the first) as a document to fetch by reference.

    The business's files live on the channel it wrote from; staff's on the staff group's.
    """
    files = petition.attachments
    if not 1 <= number <= len(files):
        return None
    item = files[number - 1]
    channel = STAFF_CHANNEL if item.get("by") == "staff" else petition.channel
    return staff_files.documents(petition, [item], channel=channel)[0]


async def waiting_count(session: AsyncSession, scope: Scope) -> int:
    """How many open petitions in this desk's queue nobody has taken yet (the nav's alert)."""
    query = _scoped(
        select(func.count(Petition.id))
        .where(Petition.status.in_([s.value for s in OPEN_STATUSES]))
        .where(Petition.assignee.is_(None)),
        scope,
    )
    return int(await session.scalar(query) or 0)

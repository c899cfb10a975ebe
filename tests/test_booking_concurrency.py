"""Seats under concurrency, through the real dialogue: never more bookings than seats, the
waitlist in order, a double tap books once (PostgreSQL with several engines; SQLite too)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from booking_support import (
    OPENING,
    STAFF_CHAT,
    confirm_draft,
    dialogue_for,
    seed_at_confirm,
    session_settings,
    tax_codes,
)
from support import Clock
from troly.bot.dialogue import Dialogue
from troly.bot.messages import Incoming, Reply
from troly.bot.sessions import service
from troly.bot.sessions.model import Booking, DialogueSession
from troly.bot.staff import add_staff
from troly.bot.storage.database import create_engine, session_factory, upgrade
from troly.bot.storage.models import OutboxMessage
from troly.knowledge.index import ProcedureIndex

_POSITION = re.compile(r"vị trí số (\d+)")


async def december_session(sessions: async_sessionmaker[AsyncSession], seats: int) -> int:
    async with sessions.begin() as session:
        created = await service.plan_sessions(
            session, now=OPENING, settings=session_settings(session_seats=seats)
        )
        return created[0].id


async def confirm_all(dialogues: list[Dialogue], users: list[str]) -> dict[str, Reply]:
    async def confirm(n: int, user: str) -> tuple[str, Reply]:
        incoming = Incoming(channel="web", user_id=user, choice="book:confirm")
        handled = await dialogues[n % len(dialogues)].handle(incoming)
        [reply] = handled.replies
        return user, reply

    return dict(await asyncio.gather(*(confirm(n, u) for n, u in enumerate(users))))


async def run_registrations(
    factories: list[async_sessionmaker[AsyncSession]],
    index: ProcedureIndex,
    *,
    businesses: int,
    seats: int,
    write_lock: asyncio.Lock | None = None,
) -> None:
    settings = session_settings(session_seats=seats)
    clock = Clock(OPENING)
    session_id = await december_session(factories[0], seats)
    codes = tax_codes()
    users = [f"u{n:03d}" for n in range(businesses)]
    drafts = [(u, confirm_draft(session_id, next(codes), n)) for n, u in enumerate(users)]
    await seed_at_confirm(factories[0], users=drafts, now=clock())
    dialogues = [dialogue_for(f, index, settings, clock, write_lock=write_lock) for f in factories]
    replies = await confirm_all(dialogues, users)

    async with factories[0]() as session:
        bookings = list((await session.execute(select(Booking).order_by(Booking.id))).scalars())
        row = await session.get(DialogueSession, session_id)
        cards = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.recipient == str(STAFF_CHAT))
        )
    assert row is not None
    assert len(bookings) == businesses
    seated = [b for b in bookings if b.status == "pending"]
    waiting = [b for b in bookings if b.status == "waitlisted"]
    assert (len(seated), len(waiting)) == (seats, businesses - seats)
    assert row.seats_left == 0
    assert cards == seats
    # The waitlist is in order: numbers 1..n without gaps, in the order the rows were written,
    # and each business was told the position it really holds.
    assert [b.waitlist_seq for b in waiting] == list(range(1, businesses - seats + 1))
    for b in waiting:
        told = _POSITION.search(replies[b.user_id].text)
        assert told is not None
        assert int(told.group(1)) == b.waitlist_seq
    for b in seated:
        assert "Cán bộ sẽ xem xét" in replies[b.user_id].text


async def run_double_taps(
    factories: list[async_sessionmaker[AsyncSession]],
    index: ProcedureIndex,
    *,
    taps: int,
    write_lock: asyncio.Lock | None = None,
) -> None:
    settings = session_settings()
    clock = Clock(OPENING)
    session_id = await december_session(factories[0], 20)
    codes = tax_codes()
    # One chat tapping "confirm" many times, and one business confirming from many chats.
    tapper = ("tapper", confirm_draft(session_id, next(codes)))
    same_business = next(codes)
    chats = [(f"chat{n}", confirm_draft(session_id, same_business, n)) for n in range(taps)]
    await seed_at_confirm(factories[0], users=[tapper, *chats], now=clock())
    dialogues = [
        dialogue_for(f, index, settings, clock, write_lock=write_lock) for f in factories * taps
    ][:taps]

    async def tap(n: int, user: str) -> Reply:
        incoming = Incoming(channel="web", user_id=user, choice="book:confirm")
        [reply] = (await dialogues[n].handle(incoming)).replies
        return reply

    tapped = await asyncio.gather(*(tap(n, "tapper") for n in range(taps)))
    from_chats = await asyncio.gather(*(tap(n, user) for n, (user, _) in enumerate(chats)))

    async with factories[0]() as session:
        bookings = list((await session.execute(select(Booking))).scalars())
        row = await session.get(DialogueSession, session_id)
    assert len(bookings) == 2
    assert row is not None and row.seats_left == 18
    [tapper_booking] = [b for b in bookings if b.user_id == "tapper"]
    made = [r for r in tapped if "mã đăng ký" in r.text]
    assert len(made) == 1
    assert all(tapper_booking.code in r.text for r in tapped)
    made = [r for r in from_chats if "mã đăng ký" in r.text]
    assert len(made) == 1
    # The other chats of that business are told it is registered, not its code or status.
    [made_code] = [b.code for b in bookings if b.user_id != "tapper"]
    taken = [r for r in from_chats if "đã được đăng ký cho buổi tiếp này" in r.text]
    assert len(taken) == taps - 1
    assert not any(made_code in r.text for r in taken)


@pytest.mark.postgres
async def test_on_postgresql_200_businesses_for_30_seats_give_30_seats_and_170_in_line(
    pg_url: str, index: ProcedureIndex
) -> None:
    engines = [create_engine(pg_url) for _ in range(4)]
    try:
        await upgrade(engines[0])
        factories = [session_factory(engine) for engine in engines]
        await run_registrations(factories, index, businesses=200, seats=30)
    finally:
        for engine in engines:
            await engine.dispose()


@pytest.mark.postgres
async def test_on_postgresql_ten_double_taps_book_once(pg_url: str, index: ProcedureIndex) -> None:
    engines = [create_engine(pg_url) for _ in range(4)]
    try:
        await upgrade(engines[0])
        factories = [session_factory(engine) for engine in engines]
        await run_double_taps(factories, index, taps=10)
    finally:
        for engine in engines:
            await engine.dispose()


@pytest.fixture
async def sqlite_file(tmp_path: Path) -> AsyncEngine:
    engine = create_engine(f"sqlite:///{tmp_path / 'seats.db'}")
    await upgrade(engine)
    return engine


async def test_on_sqlite_40_businesses_for_6_seats_give_6_seats_and_34_in_line(
    sqlite_file: AsyncEngine, index: ProcedureIndex
) -> None:
    try:
        lock = asyncio.Lock()
        factories = [session_factory(sqlite_file), session_factory(sqlite_file)]
        await run_registrations(factories, index, businesses=40, seats=6, write_lock=lock)
    finally:
        await sqlite_file.dispose()


async def test_on_sqlite_ten_double_taps_book_once(
    sqlite_file: AsyncEngine, index: ProcedureIndex
) -> None:
    try:
        factories = [session_factory(sqlite_file)]
        await run_double_taps(factories, index, taps=10, write_lock=asyncio.Lock())
    finally:
        await sqlite_file.dispose()


@pytest.mark.postgres
async def test_on_postgresql_a_cancellation_racing_an_approval_leaves_counts_right(
    pg_url: str, index: ProcedureIndex
) -> None:
    engines = [create_engine(pg_url) for _ in range(2)]
    try:
        await upgrade(engines[0])
        factories = [session_factory(engine) for engine in engines]
        settings = session_settings(session_seats=10)
        clock = Clock(OPENING)
        session_id = await december_session(factories[0], 10)
        async with factories[0].begin() as session:
            await add_staff(
                session, channel="telegram", user_id="9", name="Lan", role="agent", now=clock()
            )
        codes = tax_codes()
        users = [f"r{n}" for n in range(10)]
        await seed_at_confirm(
            factories[0],
            users=[(u, confirm_draft(session_id, next(codes), n)) for n, u in enumerate(users)],
            now=clock(),
        )
        business, staff = (dialogue_for(f, index, settings, clock) for f in factories)
        made = await confirm_all([business], users)
        booked = {u: r.text[r.text.index("DT-") :][:9] for u, r in made.items()}

        async def cancel(user: str) -> None:
            choice = f"book:cancel:{booked[user]}:yes"
            await business.handle(Incoming(channel="web", user_id=user, choice=choice))

        async def approve(user: str) -> None:
            incoming = Incoming(
                channel="telegram",
                user_id="9",
                choice=f"scr:ok:{booked[user]}",
                chat_id=str(STAFF_CHAT),
            )
            await staff.handle(incoming)

        await asyncio.gather(*(f(u) for u in users for f in (cancel, approve)))
        async with factories[0]() as session:
            statuses = set((await session.execute(select(Booking.status))).scalars())
            row = await session.get(DialogueSession, session_id)
        assert statuses == {"cancelled"}
        assert row is not None and row.seats_left == 10
    finally:
        for engine in engines:
            await engine.dispose()

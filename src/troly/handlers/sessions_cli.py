"""``troly sessions …``: the staff's commands for the chairman's dialogue sessions.

Plan, add, move or cancel sessions (the businesses are told through the outbox, delivered by
the running service), attendance, conclusions and promises, the report as a table or CSV.
"""

from __future__ import annotations

import argparse
from collections import Counter
from datetime import date, datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot.sessions import notices, promises, report, seats, service
from troly.bot.sessions.model import Booking, DialogueSession
from troly.bot.settings import Settings
from troly.bot.storage.database import create_engine, session_factory, upgrade


def add_parser(sub: Any) -> None:
    """Adds the ``sessions`` command and its subcommands."""
    cmd = sub.add_parser("sessions", help="buổi tiếp doanh nghiệp / dialogue sessions")
    s = cmd.add_subparsers(dest="sessions_command", required=True)
    listing = s.add_parser("list", help="các buổi sắp tới / upcoming sessions")
    listing.add_argument("--all", action="store_true", help="past and cancelled ones too")
    s.add_parser("plan", help="tạo các buổi theo lịch / create sessions by rule")
    create = s.add_parser("create", help="thêm một buổi / add a session")
    create.add_argument("--at", required=True, help='local start, e.g. "2026-12-24 14:00"')
    create.add_argument("--place")
    create.add_argument("--seats", type=int)
    move = s.add_parser("move", help="dời buổi / move a session (businesses are told)")
    move.add_argument("id", type=int)
    move.add_argument("--at", required=True, help='new local start, e.g. "2026-12-18 09:00"')
    move.add_argument("--place")
    cancel = s.add_parser("cancel", help="huỷ buổi / cancel a session (businesses are told)")
    cancel.add_argument("id", type=int)
    attendance = s.add_parser("attendance", help="điểm danh / who came (others: no-show)")
    attendance.add_argument("id", type=int)
    attendance.add_argument("--present", nargs="*", default=[], help="booking codes present")
    conclude = s.add_parser("conclude", help="kết luận / record the chairman's conclusion")
    conclude.add_argument("code", help="the booking code, DT-…")
    conclude.add_argument("--text", required=True)
    conclude.add_argument("--promise", help="what was promised, if anything")
    conclude.add_argument("--department", help="who is responsible for the promise")
    conclude.add_argument("--due", type=date.fromisoformat, help="due date, YYYY-MM-DD")
    done = s.add_parser("promise-done", help="cam kết đã xong / a promise is done")
    done.add_argument("code", help="the promise code, CK-…")
    done.add_argument("--note")
    minutes = s.add_parser("minutes", help="đã có biên bản / the minutes are recorded")
    minutes.add_argument("id", type=int)
    guests = s.add_parser("guests", help="danh sách khách mời / who to let in (names, phones)")
    guests.add_argument("id", type=int)
    rep = s.add_parser("report", help="báo cáo buổi / the session report")
    rep.add_argument("id", type=int)
    rep.add_argument("--csv", action="store_true", help="CSV instead of a table")


async def run(
    args: argparse.Namespace, settings: Settings, out: TextIO, *, now: datetime | None = None
) -> int:
    """Runs one ``troly sessions`` subcommand against the configured database."""
    zone = ZoneInfo(settings.timezone)
    moment = now or datetime.now(zone)
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with session_factory(engine).begin() as session:
            return await _run(session, args, settings, out, moment)
    finally:
        await engine.dispose()


async def _run(
    session: AsyncSession, args: argparse.Namespace, settings: Settings, out: TextIO, now: datetime
) -> int:
    command = args.sessions_command
    zone = ZoneInfo(settings.timezone)
    if command == "list":
        return await _list(session, settings, out, now, everything=args.all)
    starts_at = _local(args.at, zone) if command in ("create", "move") else None
    if starts_at is not None and starts_at <= now:
        out.write(f"{args.at} is in the past: a session starts in the future\n")
        return 2
    if command == "plan":
        created = await service.plan_sessions(session, now=now, settings=settings)
        for row in created:
            out.write(f"created {row.id}\t{notices.session_label(row, settings)}\n")
        out.write(f"{len(created)} created\n")
        return 0
    if command == "create" and starts_at is not None:
        created_row = await service.create_session(
            session,
            starts_at=starts_at,
            now=now,
            settings=settings,
            place=args.place,
            seats=args.seats,
        )
        label = notices.session_label(created_row, settings)
        out.write(f"created {created_row.id}\t{label}\n")
        return 0
    if command == "conclude":
        return await _conclude(session, args, settings, out, now)
    if command == "promise-done":
        promise = await promises.promise_by_code(session, args.code.strip().upper())
        if promise is None:
            out.write(f"no such promise: {args.code}\n")
            return 1
        await promises.complete_promise(session, promise, now=now, note=args.note)
        out.write(f"{promise.code} done\n")
        return 0
    found = await session.get(DialogueSession, args.id)
    if found is None:
        out.write(f"no such session: {args.id}\n")
        return 1
    row = found
    if command == "move" and starts_at is not None:
        told = await service.move_session(
            session,
            row,
            starts_at=starts_at,
            now=now,
            settings=settings,
            place=args.place,
        )
        out.write(f"moved {row.id} to {notices.session_label(row, settings)}; {told} told\n")
    elif command == "cancel":
        told = await service.cancel_session(session, row, now=now, settings=settings)
        out.write(f"cancelled {row.id}; {told} told\n")
    elif command == "attendance":
        present = {code.strip().upper() for code in args.present}
        came, absent = await promises.record_attendance(session, row, present=present, now=now)
        out.write(f"attended {came}, no-show {absent}\n")
    elif command == "minutes":
        await promises.record_minutes(session, row, now=now)
        out.write(f"session {row.id}: minutes recorded\n")
    elif command == "guests":
        query = (
            select(Booking)
            .where(Booking.session_id == row.id)
            .where(Booking.status.in_(["confirmed", "attended"]))
            .order_by(Booking.business_name)
        )
        for b in (await session.execute(query)).scalars():
            out.write(f"{b.code}\t{b.business_name}\t{b.representative}\t{b.phone}\n")
    elif command == "report":
        built = await report.session_report(session, row, now=now, settings=settings)
        out.write(built.csv() if args.csv else built.table())
    return 0


async def _list(
    session: AsyncSession, settings: Settings, out: TextIO, now: datetime, *, everything: bool
) -> int:
    query = select(DialogueSession).order_by(DialogueSession.starts_at)
    if not everything:
        query = query.where(DialogueSession.ends_at > now).where(
            DialogueSession.status != "cancelled"
        )
    rows = list((await session.execute(query)).scalars())
    if not rows:
        out.write("Chưa có buổi nào / no sessions (troly sessions plan)\n")
    for row in rows:
        statuses = Counter(
            (
                await session.execute(select(Booking.status).where(Booking.session_id == row.id))
            ).scalars()
        )
        counts = " ".join(f"{k}={v}" for k, v in sorted(statuses.items())) or "-"
        out.write(
            f"{row.id}\t{notices.session_label(row, settings)}\t"
            f"{row.seats - row.seats_left}/{row.seats}\t{service.status_at(row, now)}\t{counts}\n"
        )
    return 0


async def _conclude(
    session: AsyncSession, args: argparse.Namespace, settings: Settings, out: TextIO, now: datetime
) -> int:
    booking = await seats.booking_by_code(session, args.code.strip().upper())
    if booking is None:
        out.write(f"no such booking: {args.code}\n")
        return 1
    if args.promise and (not args.department or args.due is None):
        out.write("a promise needs --department and --due\n")
        return 2
    promise = await promises.record_conclusion(
        session,
        booking,
        conclusion=args.text,
        now=now,
        settings=settings,
        promise=args.promise,
        department=args.department,
        due=args.due,
    )
    out.write(f"{booking.code} concluded" + (f"; promise {promise.code}" if promise else "") + "\n")
    return 0


def _local(text: str, zone: ZoneInfo) -> datetime:
    moment = datetime.fromisoformat(text.strip())
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment

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

from troly.bot.sessions import notices, planning, promises, report, seats, service
from troly.bot.sessions.model import Booking, BookingStatus, DialogueSession, SessionStatus
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
    create.add_argument("--seats", type=_positive)
    create.add_argument("--force", action="store_true", help="even on a weekend or holiday")
    move = s.add_parser("move", help="dời buổi / move a session (businesses are told)")
    move.add_argument("id", type=_positive)
    move.add_argument("--at", required=True, help='new local start, e.g. "2026-12-18 09:00"')
    move.add_argument("--place")
    move.add_argument("--force", action="store_true", help="even on a weekend or holiday")
    cancel = s.add_parser("cancel", help="hủy buổi / cancel a session (businesses are told)")
    cancel.add_argument("id", type=_positive)
    attendance = s.add_parser("attendance", help="điểm danh / who came (others: no-show)")
    attendance.add_argument("id", type=_positive)
    attendance.add_argument("--present", nargs="*", default=[], help="booking codes present")
    conclude = s.add_parser("conclude", help="kết luận / record the chairman's conclusion")
    conclude.add_argument("code", help="the booking code, DT-…")
    conclude.add_argument("--text", required=True)
    conclude.add_argument("--promise", help="what was promised, if anything")
    conclude.add_argument("--department", help="who is responsible for the promise")
    conclude.add_argument("--due", help="due date, YYYY-MM-DD")
    done = s.add_parser("promise-done", help="cam kết đã xong / a promise is done")
    done.add_argument("code", help="the promise code, CK-…")
    done.add_argument("--note")
    minutes = s.add_parser("minutes", help="đã có biên bản / the minutes are recorded")
    minutes.add_argument("id", type=_positive)
    guests = s.add_parser("guests", help="danh sách khách mời / who to let in (names, phones)")
    guests.add_argument("id", type=_positive)
    rep = s.add_parser("report", help="báo cáo buổi / the session report")
    rep.add_argument("id", type=_positive)
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
    if command == "list":
        return await _list(session, settings, out, now, everything=args.all)
    if command == "plan":
        created = await service.plan_sessions(session, now=now, settings=settings)
        for row in created:
            out.write(f"created {row.id}\t{notices.session_label(row, settings)}\n")
        out.write(f"{len(created)} created\n")
        return 0
    if command == "create":
        return await _create(session, args, settings, out, now)
    if command == "conclude":
        return await _conclude(session, args, settings, out, now)
    if command == "promise-done":
        promise = await promises.promise_by_code(session, args.code.strip().upper())
        if promise is None:
            out.write(f"Không có cam kết {args.code} / no such promise: {args.code}\n")
            return 1
        if promise.status == "done":
            done = promise.code
            out.write(f"Cam kết {done} đã xong từ trước / promise {done} was already done\n")
            return 0
        await promises.complete_promise(session, promise, now=now, note=args.note)
        out.write(f"{promise.code} done\n")
        return 0
    found = await session.get(DialogueSession, args.id)
    if found is None:
        out.write(f"Không có buổi {args.id} / no such session: {args.id}\n")
        return 1
    row = found
    try:
        return await _on_session(session, row, args, settings, out, now)
    except service.NotAllowed as refused:
        out.write(_refusal(refused, row, command, settings) + "\n")
        return 2


async def _on_session(
    session: AsyncSession,
    row: DialogueSession,
    args: argparse.Namespace,
    settings: Settings,
    out: TextIO,
    now: datetime,
) -> int:
    command = args.sessions_command
    if command == "move":
        service.must_be_ahead(row, now)
        starts_at = _start(args, settings, out, now)
        if starts_at is None:
            return 2
        told = await service.move_session(
            session, row, starts_at=starts_at, now=now, settings=settings, place=args.place
        )
        out.write(f"moved {row.id} to {notices.session_label(row, settings)}; {told} told\n")
        _registration_note(row, settings, out, now)
    elif command == "cancel":
        if row.status == SessionStatus.CANCELLED:
            out.write(f"Buổi {row.id} đã hủy từ trước / session {row.id} was already cancelled\n")
            return 0
        told = await service.cancel_session(session, row, now=now, settings=settings)
        out.write(f"cancelled {row.id}; {told} told\n")
    elif command == "attendance":
        present = list(dict.fromkeys(code.strip().upper() for code in args.present))
        came, absent = await promises.record_attendance(session, row, present=present, now=now)
        query = (
            select(Booking)
            .where(Booking.session_id == row.id)
            .where(Booking.status.in_([BookingStatus.ATTENDED, BookingStatus.NO_SHOW]))
            .order_by(Booking.id)
        )
        for b in (await session.execute(query)).scalars():
            mark = "có mặt / present" if b.status == BookingStatus.ATTENDED else "vắng / no-show"
            out.write(f"{b.code}\t{mark}\t{b.business_name}\n")
        out.write(f"attended {came}, no-show {absent}\n")
    elif command == "minutes":
        if await promises.record_minutes(session, row, now=now):
            out.write(f"session {row.id}: minutes recorded\n")
        else:
            out.write(
                f"Buổi {row.id} đã có biên bản "
                f"/ session {row.id}: the minutes were already recorded\n"
            )
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


async def _create(
    session: AsyncSession, args: argparse.Namespace, settings: Settings, out: TextIO, now: datetime
) -> int:
    starts_at = _start(args, settings, out, now)
    if starts_at is None:
        return 2
    row = await service.create_session(
        session, starts_at=starts_at, now=now, settings=settings, place=args.place, seats=args.seats
    )
    out.write(f"created {row.id}\t{notices.session_label(row, settings)}\n")
    _registration_note(row, settings, out, now)
    return 0


def _start(
    args: argparse.Namespace, settings: Settings, out: TextIO, now: datetime
) -> datetime | None:
    """The ``--at`` of create and move, or None once the reason it is refused is written."""
    calendar = service.work_calendar(settings)
    starts_at = _local(args.at, calendar.tz)
    if starts_at is None:
        out.write(
            f'Ngày giờ không hợp lệ: "{args.at}", viết theo dạng "2026-12-24 14:00" '
            f'/ not a date and time: "{args.at}", write it like "2026-12-24 14:00"\n'
        )
        return None
    refused = planning.start_refusal(starts_at, now=now, settings=settings, force=args.force)
    if refused == "past":
        out.write(
            f"{args.at} đã qua: buổi tiếp phải ở tương lai "
            f"/ {args.at} is in the past: a session starts in the future\n"
        )
        return None
    day = starts_at.astimezone(calendar.tz).date()
    if refused == "day_off":
        holiday = calendar.holiday_name(day)
        vi = holiday or (_WEEKDAYS_VI[day.weekday()] if day.weekday() >= 5 else "ngày lễ")
        en = holiday or (day.strftime("%A") if day.weekday() >= 5 else "a public holiday")
        out.write(
            f"{day:%d/%m/%Y} là ngày nghỉ ({vi}): chọn ngày làm việc, hoặc thêm --force "
            f"/ {day:%d/%m/%Y} is a day off ({en}): pick a working day, or add --force\n"
        )
        return None
    return starts_at


def _registration_note(
    row: DialogueSession, settings: Settings, out: TextIO, now: datetime
) -> None:
    """Warns when registration is already closed, tells when it is not yet open."""
    if row.closes_at <= now:
        closed = notices.when(row.closes_at, settings)
        out.write(
            f"Lưu ý: đăng ký đã đóng lúc {closed}, buổi này không có trong /dangky "
            f"/ note: registration already closed at {closed}; "
            "this session is not offered in /dangky\n"
        )
    elif row.opens_at > now:
        opens = notices.when(row.opens_at, settings)
        out.write(f"Đăng ký mở từ {opens} / registration opens at {opens}\n")


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
    text = args.text.strip()
    if not text:
        out.write("Kết luận đang trống / the conclusion is empty\n")
        return 2
    due = None
    if args.due is not None:
        try:
            due = date.fromisoformat(args.due.strip())
        except ValueError:
            out.write(
                f'Hạn không hợp lệ: "{args.due}", viết theo dạng 2027-01-15 '
                f'/ not a date: "{args.due}", write it like 2027-01-15\n'
            )
            return 2
    promise = (args.promise or "").strip() or None
    department = (args.department or "").strip() or None
    if promise is None and (department is not None or due is not None):
        out.write(
            "--department và --due chỉ đi cùng --promise "
            "/ --department and --due go with --promise\n"
        )
        return 2
    if promise is not None and (department is None or due is None):
        out.write("Cam kết cần --department và --due / a promise needs --department and --due\n")
        return 2
    code = args.code.strip().upper()
    booking = await seats.booking_by_code(session, code)
    if booking is None:
        out.write(f"Không có đăng ký {args.code} / no such booking: {args.code}\n")
        return 1
    if booking.status not in promises.TOOK_PART:
        vi, en = _DID_NOT_ATTEND.get(booking.status, (booking.status, booking.status))
        out.write(
            f"{code} {vi}, không dự buổi tiếp: không ghi kết luận "
            f"/ {code} {en} and did not attend: no conclusion recorded\n"
        )
        return 2
    row = await session.get(DialogueSession, booking.session_id)
    if row is None or not service.has_started(row, now):
        starts = notices.when(row.starts_at, settings) if row is not None else "?"
        out.write(
            f"Buổi tiếp của {code} chưa diễn ra ({starts}): ghi kết luận sau buổi tiếp "
            f"/ the session of {code} has not been held yet: conclusions come after it\n"
        )
        return 2
    try:
        made = await promises.record_conclusion(
            session,
            booking,
            conclusion=text,
            now=now,
            settings=settings,
            promise=promise,
            department=department,
            due=due,
        )
    except service.NotAllowed:
        out.write(
            f"Hạn {due} đã qua: chọn một ngày sau hôm nay "
            f"/ the due date {due} is in the past: pick a later day\n"
        )
        return 2
    out.write(f"{booking.code} concluded" + (f"; promise {made.code}" if made else "") + "\n")
    return 0


def _refusal(
    refused: service.NotAllowed, row: DialogueSession, command: str, settings: Settings
) -> str:
    """The one line telling staff why the session's state refuses ``command``."""
    n = row.id
    if isinstance(refused, promises.AttendanceRefused):
        lines = []
        if refused.unknown:
            lines.append(
                f"Không có trong buổi {n}, chưa ghi gì "
                f"/ not bookings of session {n}, nothing recorded: {', '.join(refused.unknown)}"
            )
        if refused.unconfirmed:
            listed = ", ".join(f"{code} ({status})" for code, status in refused.unconfirmed)
            lines.append(
                f"Không được xác nhận tham dự buổi {n}, chưa ghi gì "
                f"/ not confirmed for session {n}, nothing recorded: {listed}"
            )
        return "\n".join(lines)
    vi, en = _REFUSALS.get((refused.reason, command), _REFUSALS[(refused.reason, "")])
    when = notices.when(row.starts_at, settings)
    return f"Buổi {n} {vi.format(when=when)} / session {n} {en}"


_REFUSALS = {
    ("cancelled", "minutes"): ("đã hủy: không có biên bản", "was cancelled: there are no minutes"),
    ("cancelled", "move"): ("đã hủy: không dời được", "was cancelled: it cannot be moved"),
    ("cancelled", ""): ("đã hủy", "was cancelled"),
    ("not_started", "minutes"): (
        "chưa diễn ra ({when}): chỉ ghi biên bản sau buổi tiếp",
        "has not been held yet: minutes come after it",
    ),
    ("not_started", "attendance"): (
        "chưa bắt đầu ({when}): điểm danh khi buổi tiếp đã bắt đầu",
        "has not started yet: take attendance once it has begun",
    ),
    ("not_started", ""): ("chưa diễn ra ({when})", "has not been held yet"),
    ("started", "move"): ("đã bắt đầu: không dời được", "has already begun: it cannot be moved"),
    ("started", "cancel"): (
        "đã bắt đầu: không hủy được",
        "has already begun: it cannot be cancelled",
    ),
    ("started", ""): ("đã bắt đầu", "has already begun"),
    ("minutes", "attendance"): (
        "đã có biên bản: không sửa điểm danh được nữa",
        "already has its minutes: attendance can no longer change",
    ),
    ("minutes", ""): ("đã có biên bản", "already has its minutes"),
}
_DID_NOT_ATTEND: dict[str, tuple[str, str]] = {
    BookingStatus.CANCELLED: ("đã hủy", "was cancelled"),
    BookingStatus.DECLINED: ("bị từ chối", "was declined"),
    BookingStatus.WAITLISTED: ("còn trong danh sách chờ", "is on the waitlist"),
    BookingStatus.NO_SHOW: ("vắng mặt", "was a no-show"),
    BookingStatus.PENDING: ("chưa được duyệt", "was never confirmed"),
}
_WEEKDAYS_VI = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


def _local(text: str, zone: ZoneInfo) -> datetime | None:
    """A start typed by staff, in the province's zone unless it names one; None if malformed."""
    stripped = text.strip()
    if ":" not in stripped:
        return None  # a bare date would silently mean midnight
    try:
        moment = datetime.fromisoformat(stripped)
    except ValueError:
        return None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


def _positive(text: str) -> int:
    """An argparse type: a whole number from 1 up."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(
            f'cần một số nguyên dương, không phải "{text}" '
            f'/ needs a positive whole number, not "{text}"'
        )
    return number

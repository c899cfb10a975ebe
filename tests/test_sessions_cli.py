"""``troly sessions …``: plan, create, move, cancel, attendance, conclusions, promises, report."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from booking_support import OPENING, STAFF_CHAT, Inbox, dialogue_for, session_settings, tax_codes
from staff_support import StaffChat, make_staff
from support import VN, Chat, Clock, choices
from troly.bot.settings import Settings
from troly.bot.storage.database import create_engine, session_factory, upgrade
from troly.handlers import cli, sessions_cli
from troly.knowledge.index import ProcedureIndex


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return session_settings(database_url=f"sqlite:///{tmp_path / 'cli.db'}")


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings.database_url)
    await upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


async def troly(settings: Settings, now: datetime, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    args = cli.parser().parse_args(["sessions", *argv])
    code = await sessions_cli.run(args, settings, out, now=now)
    return code, out.getvalue()


async def book(web: Chat, user: str, session_id: int, tax_code: str) -> str:
    await web.say(user, "/dangky")
    await web.press(user, f"book:s:{session_id}")
    await web.press(user, "book:consent:yes")
    for text in (tax_code, f"Công ty {user}", "Trần Thị Hoa", "0987654321"):
        await web.say(user, text)
    await web.press(user, "book:t:xaydung")
    await web.say(user, "Cấp phép xây dựng nhà xưởng chậm")
    await web.press(user, "book:keep:no")
    [made] = await web.press(user, "book:confirm")
    start = made.text.index("DT-")
    return made.text[start : start + 9]


async def test_staff_run_a_session_from_the_command_line(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    index: ProcedureIndex,
) -> None:
    clock = Clock(OPENING)
    assert await troly(settings, clock(), "plan") == (
        0,
        "created 1\t14:00 17/12/2026 — Hội trường UBND tỉnh\n"
        "created 2\t14:00 21/01/2027 — Hội trường UBND tỉnh\n"
        "created 3\t14:00 18/02/2027 — Hội trường UBND tỉnh\n"
        "3 created\n",
    )
    assert (await troly(settings, clock(), "plan"))[1] == "0 created\n"
    code, out = await troly(
        settings,
        clock(),
        "create",
        "--at",
        "2026-12-24 09:00",
        "--seats",
        "5",
        "--place",
        "Nhà khách",
    )
    assert (code, out) == (0, "created 4\t09:00 24/12/2026 — Nhà khách\n")

    dialogue = dialogue_for(sessions, index, settings, clock)
    web, staff = Chat(dialogue, "web"), StaffChat(dialogue, STAFF_CHAT)
    await make_staff(sessions, "telegram", "staff1", clock())
    codes = tax_codes()
    came = await book(web, "an", 4, next(codes))
    absent = await book(web, "binh", 4, next(codes))
    await staff.press("staff1", f"scr:ok:{came}")
    await staff.press("staff1", f"scr:ok:{absent}")

    code, listing = await troly(settings, clock(), "list")
    assert code == 0
    assert "4\t09:00 24/12/2026 — Nhà khách\t2/5\topen\tconfirmed=2" in listing

    code, guests = await troly(settings, clock(), "guests", "4")
    assert sorted(guests.splitlines()) == sorted(
        f"{c}\tCông ty {u}\tTrần Thị Hoa\t0987654321" for c, u in ((came, "an"), (absent, "binh"))
    )

    an = Inbox(sessions, "an")
    await an.new()
    assert await troly(settings, clock(), "move", "4", "--at", "2026-12-25 09:00") == (
        0,
        "moved 4 to 09:00 25/12/2026 — Nhà khách; 2 told\n",
    )
    [moved] = await an.new()
    assert "09:00 25/12/2026" in moved.text

    clock.now = datetime(2026, 12, 25, 12, 0, tzinfo=VN)
    assert await troly(settings, clock(), "attendance", "4", "--present", came.lower()) == (
        0,
        f"{came}\tcó mặt / present\tCông ty an\n"
        f"{absent}\tvắng / no-show\tCông ty binh\n"
        "attended 1, no-show 1\n",
    )
    assert await troly(
        settings, clock(), "conclude", came, "--text", "Giao Sở Xây dựng", "--promise", "Cấp phép"
    ) == (2, "Cam kết cần --department và --due / a promise needs --department and --due\n")
    code, out = await troly(
        settings,
        clock(),
        "conclude",
        came,
        "--text",
        "Giao Sở Xây dựng cấp phép trong 15 ngày",
        "--promise",
        "Cấp giấy phép xây dựng nhà xưởng",
        "--department",
        "Sở Xây dựng",
        "--due",
        "2027-01-15",
    )
    assert code == 0
    promise = out.strip().rsplit(" ", 1)[1]
    assert promise.startswith("CK-")
    *_, told = await an.new()
    assert promise in told.text

    code, table = await troly(settings, clock(), "report", "4")
    assert code == 0
    assert "Buổi tiếp doanh nghiệp 09:00 25/12/2026 — Nhà khách" in table
    assert "Xây dựng: 1" in table
    assert "Thành phần / attending: Sở Tài chính" in table
    assert "0987654321" not in table  # the representative's phone stays out of reports
    code, exported = await troly(settings, clock(), "report", "4", "--csv")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [(r["code"], r["status"], r["promise_status"]) for r in rows] == [
        (came, "attended", "open"),
        (absent, "no_show", ""),
    ]
    assert rows[0]["promise"] == promise
    assert rows[0]["due"] == "2027-01-15"

    assert await troly(settings, clock(), "promise-done", promise, "--note", "Đã cấp") == (
        0,
        f"{promise} done\n",
    )
    [done] = await an.new()
    assert "Đã cấp" in done.text
    assert await troly(settings, clock(), "promise-done", promise) == (
        0,
        f"Cam kết {promise} đã xong từ trước / promise {promise} was already done\n",
    )
    assert await an.new() == []
    code, exported = await troly(settings, clock(), "report", "4", "--csv")
    assert next(csv.DictReader(io.StringIO(exported)))["promise_status"] == "done"
    assert await troly(settings, clock(), "minutes", "4") == (0, "session 4: minutes recorded\n")
    assert (await troly(settings, clock(), "list", "--all"))[1].count("minutes") == 1

    [mine] = await web.say("an", "/lichcuatoi")
    assert promise in mine.text
    assert choices(mine) == []


async def test_cancelling_from_the_command_line_tells_the_businesses(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    index: ProcedureIndex,
) -> None:
    clock = Clock(OPENING)
    await troly(settings, clock(), "plan")
    web = Chat(dialogue_for(sessions, index, settings, clock), "web")
    await book(web, "an", 1, next(tax_codes()))
    an = Inbox(sessions, "an")
    await an.new()
    assert await troly(settings, clock(), "cancel", "1") == (0, "cancelled 1; 1 told\n")
    [told] = await an.new()
    assert "đã bị hủy" in told.text
    assert await troly(settings, clock(), "cancel", "99") == (
        1,
        "Không có buổi 99 / no such session: 99\n",
    )
    assert await troly(settings, clock(), "create", "--at", "2026-11-30 14:00") == (
        2,
        "2026-11-30 14:00 đã qua: buổi tiếp phải ở tương lai "
        "/ 2026-11-30 14:00 is in the past: a session starts in the future\n",
    )
    assert await troly(settings, clock(), "promise-done", "CK-2345AB") == (
        1,
        "Không có cam kết CK-2345AB / no such promise: CK-2345AB\n",
    )


def test_the_sessions_command_runs_from_main(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TROLY_DATABASE_URL", f"sqlite:///{tmp_path / 'main.db'}")
    assert cli.main(["sessions", "list"]) == 0
    assert "troly sessions plan" in capsys.readouterr().out


# What staff may not do by mistake ------------------------------------------------------------


async def held_session_with_bookings(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> tuple[Clock, Chat, dict[str, str]]:
    """The December session (17/12, 14:00) with an, binh (confirmed) and chi (cancelled)."""
    clock = Clock(OPENING)
    await troly(settings, clock(), "plan")
    web = Chat(dialogue_for(sessions, index, settings, clock), "web")
    staff = StaffChat(dialogue_for(sessions, index, settings, clock), STAFF_CHAT)
    await make_staff(sessions, "telegram", "staff1", clock())
    codes = tax_codes()
    made = {user: await book(web, user, 1, next(codes)) for user in ("an", "binh", "chi")}
    for user in ("an", "binh"):
        await staff.press("staff1", f"scr:ok:{made[user]}")
    await web.press("chi", f"book:cancel:{made['chi']}:yes")
    return clock, web, made


async def test_minutes_wait_until_the_session_was_held(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    clock = Clock(OPENING)
    await troly(settings, clock(), "plan")
    web = Chat(dialogue_for(sessions, index, settings, clock), "web")
    pending = await book(web, "an", 1, next(tax_codes()))
    assert await troly(settings, clock(), "minutes", "1") == (
        2,
        "Buổi 1 chưa diễn ra (14:00 17/12/2026): chỉ ghi biên bản sau buổi tiếp "
        "/ session 1 has not been held yet: minutes come after it\n",
    )
    _, listing = await troly(settings, clock(), "list")
    assert "1\t14:00 17/12/2026 — Hội trường UBND tỉnh\t1/20\topen\tpending=1" in listing
    [offer] = await web.say("binh", "/dangky")
    assert "book:s:1" in choices(offer)
    assert pending

    await troly(settings, clock(), "cancel", "2")
    assert await troly(settings, datetime(2027, 2, 1, 9, 0, tzinfo=VN), "minutes", "2") == (
        2,
        "Buổi 2 đã hủy: không có biên bản / session 2 was cancelled: there are no minutes\n",
    )
    clock.now = datetime(2026, 12, 17, 17, 30, tzinfo=VN)
    assert await troly(settings, clock(), "cancel", "1") == (
        2,
        "Buổi 1 đã bắt đầu: không hủy được / session 1 has already begun: it cannot be cancelled\n",
    )
    assert await troly(settings, clock(), "move", "1", "--at", "2026-12-18 14:00") == (
        2,
        "Buổi 1 đã bắt đầu: không dời được / session 1 has already begun: it cannot be moved\n",
    )
    assert await troly(settings, clock(), "minutes", "1") == (0, "session 1: minutes recorded\n")
    assert await troly(settings, clock(), "attendance", "1") == (
        2,
        "Buổi 1 đã có biên bản: không sửa điểm danh được nữa "
        "/ session 1 already has its minutes: attendance can no longer change\n",
    )
    assert await troly(settings, clock(), "minutes", "1") == (
        0,
        "Buổi 1 đã có biên bản / session 1: the minutes were already recorded\n",
    )


async def test_conclusions_only_for_businesses_that_attended_a_held_session(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    clock, _web, made = await held_session_with_bookings(settings, sessions, index)
    promise = ("--promise", "Cấp phép", "--department", "Sở Xây dựng", "--due", "2027-01-15")
    an = made["an"]
    assert await troly(settings, clock(), "conclude", an, "--text", "Giao Sở", *promise) == (
        2,
        f"Buổi tiếp của {an} chưa diễn ra (14:00 17/12/2026): ghi kết luận sau buổi tiếp "
        f"/ the session of {an} has not been held yet: conclusions come after it\n",
    )
    clock.now = datetime(2026, 12, 17, 17, 30, tzinfo=VN)
    chi = made["chi"]
    late = ("--promise", "Cấp phép", "--department", "Sở Xây dựng", "--due", "2026-11-01")
    chi_inbox = Inbox(sessions, "chi")
    await chi_inbox.new()
    assert await troly(settings, clock(), "conclude", chi, "--text", "Giao Sở", *late) == (
        2,
        f"{chi} đã hủy, không dự buổi tiếp: không ghi kết luận "
        f"/ {chi} was cancelled and did not attend: no conclusion recorded\n",
    )
    assert await chi_inbox.new() == []
    assert await troly(settings, clock(), "conclude", an, "--text", "Giao Sở", *late) == (
        2,
        "Hạn 2026-11-01 đã qua: chọn một ngày sau hôm nay "
        "/ the due date 2026-11-01 is in the past: pick a later day\n",
    )
    assert await troly(settings, clock(), "conclude", an, "--text", "Giao Sở", "--due", "x") == (
        2,
        'Hạn không hợp lệ: "x", viết theo dạng 2027-01-15 '
        '/ not a date: "x", write it like 2027-01-15\n',
    )
    assert await troly(settings, clock(), "conclude", an, "--text", "  ") == (
        2,
        "Kết luận đang trống / the conclusion is empty\n",
    )
    assert await troly(
        settings, clock(), "conclude", an, "--text", "Giao Sở", "--due", "2027-01-15"
    ) == (
        2,
        "--department và --due chỉ đi cùng --promise / --department and --due go with --promise\n",
    )
    assert await troly(settings, clock(), "conclude", "DT-2345AB", "--text", "Giao Sở") == (
        1,
        "Không có đăng ký DT-2345AB / no such booking: DT-2345AB\n",
    )
    code, out = await troly(settings, clock(), "conclude", an, "--text", "Giao Sở", *promise)
    assert (code, out.startswith(f"{an} concluded; promise CK-")) == (0, True)

    await troly(settings, clock(), "attendance", "1", "--present", an)
    binh = made["binh"]
    assert await troly(settings, clock(), "conclude", binh, "--text", "Giao Sở") == (
        2,
        f"{binh} vắng mặt, không dự buổi tiếp: không ghi kết luận "
        f"/ {binh} was a no-show and did not attend: no conclusion recorded\n",
    )


async def test_attendance_refuses_a_future_session_and_codes_it_does_not_know(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    clock, web, made = await held_session_with_bookings(settings, sessions, index)
    an, binh, chi = made["an"], made["binh"], made["chi"]
    assert await troly(settings, clock(), "attendance", "1", "--present", an) == (
        2,
        "Buổi 1 chưa bắt đầu (14:00 17/12/2026): điểm danh khi buổi tiếp đã bắt đầu "
        "/ session 1 has not started yet: take attendance once it has begun\n",
    )
    assert (await troly(settings, clock(), "create", "--at", "2026-12-18 09:00"))[0] == 0
    other = await book(web, "dung", 4, next(tax_codes("29")))
    clock.now = datetime(2026, 12, 17, 15, 0, tzinfo=VN)
    typo = an[:-1] + ("X" if an[-1] != "X" else "Y")
    code, out = await troly(settings, clock(), "attendance", "1", "--present", an, typo, other, chi)
    assert (code, out.splitlines()) == (
        2,
        [
            f"Không có trong buổi 1, chưa ghi gì / not bookings of session 1, nothing recorded: "
            f"{typo}, {other}",
            f"Không được xác nhận tham dự buổi 1, chưa ghi gì "
            f"/ not confirmed for session 1, nothing recorded: {chi} (cancelled)",
        ],
    )
    listing = (await troly(settings, clock(), "list"))[1]
    assert "confirmed=2" in listing
    assert await troly(settings, clock(), "attendance", "1", "--present", an.lower()) == (
        0,
        f"{an}\tcó mặt / present\tCông ty an\n"
        f"{binh}\tvắng / no-show\tCông ty binh\n"
        "attended 1, no-show 1\n",
    )
    # a correction: binh was there after all
    assert await troly(settings, clock(), "attendance", "1", "--present", an, binh) == (
        0,
        f"{an}\tcó mặt / present\tCông ty an\n"
        f"{binh}\tcó mặt / present\tCông ty binh\n"
        "attended 2, no-show 0\n",
    )


async def test_sessions_are_created_and_moved_only_on_working_days(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    now = OPENING
    assert await troly(settings, now, "create", "--at", "2026-12-26 09:00") == (
        2,
        "26/12/2026 là ngày nghỉ (thứ Bảy): chọn ngày làm việc, hoặc thêm --force "
        "/ 26/12/2026 is a day off (Saturday): pick a working day, or add --force\n",
    )
    assert await troly(settings, now, "create", "--at", "2027-01-01 09:00") == (
        2,
        "01/01/2027 là ngày nghỉ (New Year's Day): chọn ngày làm việc, hoặc thêm --force "
        "/ 01/01/2027 is a day off (New Year's Day): pick a working day, or add --force\n",
    )
    assert (await troly(settings, now, "list"))[1].startswith("Chưa có buổi nào")
    assert await troly(settings, now, "create", "--at", "2026-12-26 09:00", "--force") == (
        0,
        "created 1\t09:00 26/12/2026 — Hội trường UBND tỉnh\n",
    )
    assert await troly(settings, now, "create", "--at", "2026-12-02 09:00") == (
        0,
        "created 2\t09:00 02/12/2026 — Hội trường UBND tỉnh\n"
        "Lưu ý: đăng ký đã đóng lúc 09:00 27/11/2026, buổi này không có trong /dangky "
        "/ note: registration already closed at 09:00 27/11/2026; this session is not offered "
        "in /dangky\n",
    )
    assert await troly(settings, now, "create", "--at", "2027-03-18 14:00") == (
        0,
        "created 3\t14:00 18/03/2027 — Hội trường UBND tỉnh\n"
        "Đăng ký mở từ 14:00 16/02/2027 / registration opens at 14:00 16/02/2027\n",
    )
    assert await troly(settings, now, "move", "3", "--at", "2027-03-20 14:00") == (
        2,
        "20/03/2027 là ngày nghỉ (thứ Bảy): chọn ngày làm việc, hoặc thêm --force "
        "/ 20/03/2027 is a day off (Saturday): pick a working day, or add --force\n",
    )
    assert await troly(settings, now, "move", "3", "--at", "2026-12-03 14:00") == (
        0,
        "moved 3 to 14:00 03/12/2026 — Hội trường UBND tỉnh; 0 told\n"
        "Lưu ý: đăng ký đã đóng lúc 14:00 30/11/2026, buổi này không có trong /dangky "
        "/ note: registration already closed at 14:00 30/11/2026; this session is not offered "
        "in /dangky\n",
    )
    assert await troly(settings, now, "move", "3", "--at", "2026-11-30 14:00") == (
        2,
        "2026-11-30 14:00 đã qua: buổi tiếp phải ở tương lai "
        "/ 2026-11-30 14:00 is in the past: a session starts in the future\n",
    )
    await troly(settings, now, "cancel", "3")
    assert await troly(settings, now, "move", "3", "--at", "2026-12-10 14:00") == (
        2,
        "Buổi 3 đã hủy: không dời được / session 3 was cancelled: it cannot be moved\n",
    )


async def test_bad_arguments_get_one_line_and_no_traceback(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    bad = (
        'Ngày giờ không hợp lệ: "{0}", viết theo dạng "2026-12-24 14:00" '
        '/ not a date and time: "{0}", write it like "2026-12-24 14:00"\n'
    )
    for text in ("bad", "2026-12-24", "2026-13-01 14:00"):
        assert await troly(settings, OPENING, "create", "--at", text) == (2, bad.format(text))
    await troly(settings, OPENING, "plan")
    assert await troly(settings, OPENING, "move", "1", "--at", "mai") == (2, bad.format("mai"))
    assert await troly(settings, OPENING, "guests", "99") == (
        1,
        "Không có buổi 99 / no such session: 99\n",
    )


@pytest.mark.parametrize(
    ("argv", "wrong"),
    [
        (["sessions", "create", "--at", "2026-12-24 14:00", "--seats", "0"], "--seats"),
        (["sessions", "create", "--at", "2026-12-24 14:00", "--seats", "nhiều"], "--seats"),
        (["sessions", "cancel", "bốn"], "id"),
        (["sessions", "report", "-4"], "id"),
        (["sessions", "frobnicate"], "frobnicate"),
    ],
)
def test_argument_errors_are_one_line_in_both_languages(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    wrong: str,
) -> None:
    monkeypatch.setenv("TROLY_DATABASE_URL", f"sqlite:///{tmp_path / 'main.db'}")
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    assert exited.value.code == 2
    captured = capsys.readouterr()
    [line] = captured.err.splitlines()
    assert line.startswith("Lệnh chưa đúng / invalid command: troly sessions")
    assert wrong in line
    assert captured.out == ""

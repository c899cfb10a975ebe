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
        "attended 1, no-show 1\n",
    )
    assert await troly(
        settings, clock(), "conclude", came, "--text", "Giao Sở Xây dựng", "--promise", "Cấp phép"
    ) == (2, "a promise needs --department and --due\n")
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
    assert "đã bị huỷ" in told.text
    assert await troly(settings, clock(), "cancel", "99") == (1, "no such session: 99\n")
    assert await troly(settings, clock(), "create", "--at", "2026-11-30 14:00") == (
        2,
        "2026-11-30 14:00 is in the past: a session starts in the future\n",
    )
    assert await troly(settings, clock(), "promise-done", "CK-2345AB") == (
        1,
        "no such promise: CK-2345AB\n",
    )


def test_the_sessions_command_runs_from_main(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TROLY_DATABASE_URL", f"sqlite:///{tmp_path / 'main.db'}")
    assert cli.main(["sessions", "list"]) == 0
    assert "troly sessions plan" in capsys.readouterr().out

"""The chairman's promise tracker on the public pages: each held session's conclusions and
promises with their department, due date and state (overdue in red), scrubbed of the
businesses' details, and hidden while too few businesses were heard."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from httpx import Response
from sqlalchemy import select

from console_support import Console, console_app, make_session
from public_support import visible
from support import VN, Clock
from troly.bot.sessions.model import Promise
from troly.knowledge.index import ProcedureIndex

MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=VN)
SESSION_DAY = datetime(2026, 12, 17, 14, 30, tzinfo=VN)
SEEDED = ("Công ty TNHH Số 1", "Công ty TNHH Số 2", "Người Đại Diện 1", "2800000000", "0912345600")


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


def post(console: Console, who: str, path: str, **form: str | list[str]) -> Response:
    csrf = console.csrf(who)
    with console.as_(who) as client:
        return client.post(path, data={"csrf": csrf, **form}, follow_redirects=False)


def held_session(console: Console, clock: Clock) -> int:
    """The 17/12 session with two businesses heard: one promise kept, one that falls due."""
    number, codes = make_session(console, seats=2, businesses=2)
    console.sign_in("supervisor")
    for code in codes:
        post(console, "supervisor", f"/console/sessions/{number}/screen", code=code, action="ok")
    clock.now = SESSION_DAY
    console.sign_in("supervisor")
    came = post(console, "supervisor", f"/console/sessions/{number}/attendance", present=codes)
    assert came.status_code == 303
    for n, (code, due) in enumerate(zip(codes, ("2026-12-23", "2027-01-29"), strict=True)):
        concluded = post(
            console,
            "supervisor",
            f"/console/sessions/{number}/conclude",
            code=code,
            text=f"Công ty TNHH Số {n + 1} (ĐT 0912345600) được Thuế tỉnh rà soát hồ sơ hoàn thuế",
            promise=f"Trả lời Công ty TNHH Số {n + 1} về hoàn thuế số {n + 1}",
            department="Thuế tỉnh",
            due=due,
        )
        assert concluded.status_code == 303, concluded.text
    return number


def promise_codes(console: Console) -> list[str]:
    async def read() -> list[str]:
        async with console.runtime.sessions() as session:
            rows = await session.execute(select(Promise.code).order_by(Promise.id))
            return list(rows.scalars())

    return console.run(read)


@pytest.fixture
def lenient(tmp_path: Path, index: ProcedureIndex, clock: Clock) -> Iterator[Console]:
    with console_app(tmp_path, index, clock, public_min_count=2) as running:
        yield running


def test_the_tracker_shows_conclusions_and_promises_overdue_in_red(
    lenient: Console, clock: Clock
) -> None:
    number = held_session(lenient, clock)
    first, second = promise_codes(lenient)
    clock.now = datetime(2026, 12, 28, 9, 0, tzinfo=VN)  # the first promise is now late
    lenient.sign_in("supervisor")
    kept = post(lenient, "supervisor", f"/console/sessions/{number}/promise", code=second)
    assert kept.status_code == 303
    lenient.client.cookies.clear()
    page = lenient.client.get("/cong-khai/cam-ket")
    assert page.status_code == 200
    text = visible(page.text)
    assert "1 cam kết quá hạn 0 cam kết đang thực hiện đúng hạn 1 cam kết đã hoàn thành" in text
    assert "Buổi tiếp ngày 17/12/2026 — Hội trường UBND tỉnh" in text
    assert "2 doanh nghiệp được nghe và trả lời." in text
    assert "[…] (ĐT [số]) được Thuế tỉnh rà soát hồ sơ hoàn thuế" in text
    rows = re.findall(r'<tr class="(\w+)" data-testid="promise">(.*?)</tr>', page.text, re.S)
    assert [(state, visible(row)) for state, row in rows] == [
        ("overdue", "Trả lời […] về hoàn thuế số 1 Thuế tỉnh 23/12/2026 Quá hạn"),
        (
            "done",
            "Trả lời […] về hoàn thuế số 2 Thuế tỉnh 29/01/2027 Đã hoàn thành ngày 28/12/2026",
        ),
    ]
    for seeded in SEEDED:
        assert seeded not in page.text
    assert first not in page.text and second not in page.text
    english = visible(lenient.client.get("/cong-khai/cam-ket?lang=en").text)
    assert "1 overdue 0 on track 1 done" in english
    assert "Session of 17/12/2026" in english


def test_a_session_with_too_few_businesses_heard_shows_no_conclusion(
    tmp_path: Path, index: ProcedureIndex, clock: Clock
) -> None:
    with console_app(tmp_path, index, clock) as console:  # TROLY_PUBLIC_MIN_COUNT: 5
        console.client.cookies.clear()
        before = visible(console.client.get("/cong-khai/cam-ket").text)
        assert "Chưa có buổi tiếp doanh nghiệp nào diễn ra." in before
        held_session(console, clock)
        console.client.cookies.clear()
        page = console.client.get("/cong-khai/cam-ket").text
    assert "Buổi tiếp ngày 17/12/2026" in visible(page)
    assert "Chưa đủ dữ liệu để công khai: cần ít nhất 5 hồ sơ" in visible(page)
    assert "hoàn thuế" not in page
    assert 'data-testid="promise"' not in page

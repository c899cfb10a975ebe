"""The dialogue-sessions pages: the list, a session's bookings screened as in the staff
group, the roll call, conclusions, the guest list and the report (personal data audited)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from httpx import Response
from sqlalchemy import select

from console_support import Console, console_app, make_session
from support import VN, Clock
from troly.bot.sessions.model import Booking
from troly.bot.storage.models import OutboxMessage
from troly.knowledge.index import ProcedureIndex

MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=VN)


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


@pytest.fixture
def console(tmp_path: Path, index: ProcedureIndex, clock: Clock) -> Iterator[Console]:
    with console_app(tmp_path, index, clock) as running:
        yield running


def post(console: Console, who: str, path: str, **form: str | list[str]) -> Response:
    csrf = console.csrf(who)
    with console.as_(who) as client:
        return client.post(path, data={"csrf": csrf, **form}, follow_redirects=False)


def statuses(console: Console) -> dict[str, str]:
    async def read() -> dict[str, str]:
        async with console.runtime.sessions() as session:
            rows = (await session.execute(select(Booking))).scalars()
            return {b.code: b.status for b in rows}

    return console.run(read)


def to_business(console: Console, user: str) -> list[str]:
    async def read() -> list[str]:
        async with console.runtime.sessions() as session:
            query = select(OutboxMessage).where(OutboxMessage.recipient == user)
            return [row.payload["text"] for row in (await session.execute(query)).scalars()]

    return console.run(read)


def test_the_list_shows_seats_registered_and_the_waitlist(console: Console) -> None:
    number, _ = make_session(console, seats=1, businesses=2)
    console.sign_in("viewer")
    with console.as_("viewer") as client:
        listing = client.get("/console/sessions").text
        page = client.get(f"/console/sessions/{number}").text
    assert f'data-testid="session-{number}"' in listing
    assert "<td>1</td>" in listing  # registered (one seat taken) and waitlisted, one each
    assert "Vướng mắc hoàn thuế số 1" in page
    assert "Công ty TNHH Số 1" not in page and "approve-" not in page  # a viewer reads only


def test_an_officer_approves_declines_and_cancels_with_the_staff_groups_rules(
    console: Console,
) -> None:
    number, (first, second) = make_session(console, seats=1, businesses=2)
    console.sign_in("officer")
    with console.as_("officer") as client:
        page = client.get(f"/console/sessions/{number}").text
    assert "Công ty TNHH Số 1" in page and f'data-testid="approve-{first}"' in page
    approved = post(
        console, "officer", f"/console/sessions/{number}/screen", code=first, action="ok"
    )
    assert approved.status_code == 303
    assert statuses(console)[first] == "confirmed"
    assert any(first in text for text in to_business(console, "biz0"))
    again = post(console, "officer", f"/console/sessions/{number}/screen", code=first, action="ok")
    assert again.status_code == 409
    empty = post(
        console,
        "officer",
        f"/console/sessions/{number}/screen",
        code=first,
        action="cancel_text",
        arg="  ",
    )
    assert empty.status_code == 409
    cancelled = post(
        console,
        "officer",
        f"/console/sessions/{number}/screen",
        code=first,
        action="cancel_text",
        arg="Trùng lịch công tác",
    )
    assert cancelled.status_code == 303
    assert statuses(console) == {first: "cancelled", second: "pending"}  # the next moved up
    declined = post(
        console,
        "officer",
        f"/console/sessions/{number}/screen",
        code=second,
        action="nr",
        arg="scope",
    )
    assert declined.status_code == 303
    assert statuses(console)[second] == "declined"


def test_roll_call_waits_for_the_session_and_conclusions_need_a_whole_promise(
    console: Console, clock: Clock
) -> None:
    number, (first, _second) = make_session(console, seats=2, businesses=2)
    console.sign_in("supervisor")
    post(console, "supervisor", f"/console/sessions/{number}/screen", code=first, action="ok")
    early = post(console, "supervisor", f"/console/sessions/{number}/attendance", present=first)
    assert early.status_code == 409
    assert "Buổi tiếp chưa diễn ra" in early.text
    clock.now = datetime(2026, 12, 17, 14, 30, tzinfo=VN)
    console.sign_in("supervisor")
    came = post(console, "supervisor", f"/console/sessions/{number}/attendance", present=first)
    assert came.status_code == 303
    assert statuses(console)[first] == "attended"
    half = post(
        console,
        "supervisor",
        f"/console/sessions/{number}/conclude",
        code=first,
        text="Giao Thuế tỉnh rà soát",
        promise="Hoàn thuế trong tháng 1",
    )
    assert half.status_code == 409
    assert "Cam kết cần đơn vị chịu trách nhiệm và hạn hoàn thành." in half.text
    assert "Giao Thuế tỉnh rà soát" in half.text and 'value="Hoàn thuế trong tháng 1"' in half.text
    whole = post(
        console,
        "supervisor",
        f"/console/sessions/{number}/conclude",
        code=first,
        text="Giao Thuế tỉnh rà soát",
        promise="Hoàn thuế trong tháng 1",
        department="Thuế tỉnh",
        due="2027-01-29",
    )
    assert whole.status_code == 303
    assert any("Giao Thuế tỉnh rà soát" in text for text in to_business(console, "biz0"))


def test_the_guest_list_and_the_report_are_for_staff_who_act_and_are_audited(
    console: Console,
) -> None:
    number, (first, _second) = make_session(console, seats=2, businesses=2)
    console.sign_in("officer")
    post(console, "officer", f"/console/sessions/{number}/screen", code=first, action="ok")
    with console.as_("officer") as client:
        guests = client.get(f"/console/sessions/{number}/guests").text
        csv = client.get(f"/console/sessions/{number}/report.csv")
    assert "Người Đại Diện 1" in guests and "0912345600" in guests
    assert "Người Đại Diện 2" not in guests  # not approved: not a guest
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("code,business,tax_code")
    console.sign_in("viewer")
    with console.as_("viewer") as client:
        assert client.get(f"/console/sessions/{number}/guests").status_code == 403
    console.sign_in("admin")
    with console.as_("admin") as client:
        log = client.get("/console/audit").text
    assert "view_guests" in log and "export_report" in log and f"session:{number}" in log


def test_a_supervisor_adds_moves_cancels_and_closes_sessions_with_the_cli_rules(
    console: Console, clock: Clock
) -> None:
    console.sign_in("supervisor")
    past = post(console, "supervisor", "/console/sessions", starts_at="2026-12-01T14:00")
    assert past.status_code == 409 and "Thời gian đó đã qua" in past.text
    sunday = post(console, "supervisor", "/console/sessions", starts_at="2026-12-20T09:00")
    assert sunday.status_code == 409 and "Đó là ngày nghỉ" in sunday.text
    added = post(
        console, "supervisor", "/console/sessions", starts_at="2026-12-22T09:00", seats="10"
    )
    assert added.status_code == 303
    number = added.headers["location"].split("/")[-1].split("?")[0]
    manage = f"/console/sessions/{number}/manage"

    number2, (first, _second) = make_session(console, seats=2, businesses=2)
    moved = post(
        console,
        "supervisor",
        f"/console/sessions/{number2}/manage",
        action="move",
        starts_at="2026-12-18T09:00",
    )
    assert moved.status_code == 303
    assert any("18/12/2026" in text for text in to_business(console, "biz0"))
    unconfirmed = post(console, "supervisor", manage, action="cancel")
    assert unconfirmed.status_code == 409 and "Hãy đánh dấu ô xác nhận" in unconfirmed.text
    assert post(console, "supervisor", manage, action="cancel", confirm="1").status_code == 303
    again = post(console, "supervisor", manage, action="cancel", confirm="1")
    assert again.status_code == 409
    early = post(console, "supervisor", f"/console/sessions/{number2}/manage", action="minutes")
    assert early.status_code == 409
    clock.now = datetime(2026, 12, 18, 12, 0, tzinfo=VN)
    console.sign_in("supervisor")
    done = post(console, "supervisor", f"/console/sessions/{number2}/manage", action="minutes")
    assert done.status_code == 303
    late = post(
        console,
        "supervisor",
        f"/console/sessions/{number2}/manage",
        action="move",
        starts_at="2026-12-24T09:00",
    )
    assert late.status_code == 409
    assert first  # the bookings were there all along


def test_a_kept_promise_is_marked_done_once_and_the_business_is_told(
    console: Console, clock: Clock
) -> None:
    number, (first, _second) = make_session(console, seats=2, businesses=2)
    console.sign_in("supervisor")
    post(console, "supervisor", f"/console/sessions/{number}/screen", code=first, action="ok")
    clock.now = datetime(2026, 12, 17, 14, 30, tzinfo=VN)
    console.sign_in("supervisor")
    post(console, "supervisor", f"/console/sessions/{number}/attendance", present=first)
    post(
        console,
        "supervisor",
        f"/console/sessions/{number}/conclude",
        code=first,
        text="Giao Thuế tỉnh rà soát",
        promise="Hoàn thuế trong tháng 1",
        department="Thuế tỉnh",
        due="2027-01-29",
    )
    with console.as_("supervisor") as client:
        page = client.get(f"/console/sessions/{number}").text
    [promise] = [part.split('"')[0] for part in page.split('data-testid="promise-done-')[1:]]
    assert f'data-testid="promise-{promise}"' in page and "Đang thực hiện" in page
    done = post(
        console,
        "supervisor",
        f"/console/sessions/{number}/promise",
        code=promise,
        note="Đã hoàn thuế ngày 20/1",
    )
    assert done.status_code == 303
    told = [text for text in to_business(console, "biz0") if promise in text]
    assert told and "Đã hoàn thuế ngày 20/1" in told[-1]
    with console.as_("supervisor") as client:
        page = client.get(f"/console/sessions/{number}").text
    assert "Đã xong" in page and f'data-testid="promise-done-{promise}"' not in page
    again = post(console, "supervisor", f"/console/sessions/{number}/promise", code=promise)
    assert again.status_code == 409
    assert "Cam kết này đã được đánh dấu xong từ trước." in again.text
    elsewhere = post(console, "supervisor", "/console/sessions/999/promise", code=promise)
    assert elsewhere.status_code == 404
    unknown = post(console, "supervisor", f"/console/sessions/{number}/promise", code="CK-NONE")
    assert unknown.status_code == 409
    assert "Buổi tiếp này không có cam kết mang mã đó." in unknown.text


def test_a_supervisor_creates_the_sessions_due_by_the_rule_and_twice_changes_nothing(
    console: Console,
) -> None:
    console.sign_in("supervisor")
    first = post(console, "supervisor", "/console/sessions/plan")
    second = post(console, "supervisor", "/console/sessions/plan")
    assert first.status_code == 200 and second.status_code == 200
    assert "Các buổi tiếp theo lịch đã có đủ: không tạo thêm buổi nào." in second.text
    with console.as_("supervisor") as client:
        listing = client.get("/console/sessions").text
    assert listing.count('data-testid="session-') >= 1

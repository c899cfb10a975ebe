"""The petitions pages as staff use them: the inbox, the case page, and the actions, which
reach the business on its own channel and the petition's Telegram topic, as in the group."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from httpx import Response
from sqlalchemy import select

from console_support import Console, console_app
from support import VN, Clock
from troly.bot.messages import Incoming
from troly.bot.staff import add_staff
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


def topic_messages(console: Console) -> list[str]:
    """What was queued for the staff group's topics, oldest first."""

    async def read() -> list[str]:
        async with console.runtime.sessions() as session:
            query = (
                select(OutboxMessage)
                .where(OutboxMessage.channel == "telegram")
                .where(OutboxMessage.thread.is_not(None))
                .order_by(OutboxMessage.id)
            )
            return [row.payload["text"] for row in (await session.execute(query)).scalars()]

    return console.run(read)


def act(console: Console, who: str, code: str, **form: str) -> Response:
    csrf = console.csrf(who)
    with console.as_(who) as client:
        return client.post(
            f"/console/petitions/{code}/act", data={"csrf": csrf, **form}, follow_redirects=False
        )


def test_the_inbox_counts_filters_searches_and_marks_overdue(
    console: Console, clock: Clock
) -> None:
    build = console.file_petition("Cấp phép xây dựng nhà xưởng chậm 20 ngày", topic="xaydung")
    console.chat_session = "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
    tax = console.file_petition("Hoàn thuế giá trị gia tăng chậm", topic="thue")
    console.sign_in("supervisor")
    with console.as_("supervisor") as client:
        page = client.get("/console/petitions").text
        assert build in page and tax in page
        assert 'data-testid="list-unassigned">Chưa có người nhận <span class="count">2<' in page
        assert "Thứ Hai 21/12/2026" in page  # ten working days after Monday 7/12
        found = client.get("/console/petitions", params={"q": "hoàn thuế"}).text
        assert tax in found and build not in found
        found = client.get("/console/petitions", params={"q": build.lower()}).text
        assert build in found and tax not in found
        found = client.get("/console/petitions", params={"topic": "xaydung"}).text
        assert build in found and tax not in found
        assert (
            client.get("/console/petitions", params={"list": "overdue"}).text.count(
                'class="overdue"'
            )
            == 0
        )
    clock.advance(days=15)
    console.sign_in("supervisor")
    with console.as_("supervisor") as client:
        rows = client.get("/console/petitions/rows", params={"list": "overdue"})
    assert rows.status_code == 200 and "<html" not in rows.text
    assert rows.text.count('<tr class="overdue">') == 2
    assert "quá hạn" in rows.text


def test_an_officer_sees_only_the_petitions_of_their_topics(console: Console) -> None:
    code = console.file_petition("Cấp phép xây dựng nhà xưởng chậm", topic="xaydung")
    console.sign_in("officer")
    console.sign_in("other_officer")
    with console.as_("officer") as client:
        assert code in client.get("/console/petitions").text
    with console.as_("other_officer") as client:
        assert code not in client.get("/console/petitions").text
        response = client.get(f"/console/petitions/{code}")
    assert response.status_code == 404
    assert "Cấp phép" not in response.text
    assert "không thuộc lĩnh vực bạn phụ trách" in response.text


def test_claim_and_answer_on_the_web_reach_the_business_and_the_telegram_topic(
    console: Console,
) -> None:
    code = console.file_petition("Cấp phép xây dựng nhà xưởng chậm", topic="xaydung")
    console.chat_pending()
    console.sign_in("officer")
    claimed = act(console, "officer", code, action="claim")
    assert (claimed.status_code, claimed.headers["location"]) == (
        303,
        f"/console/petitions/{code}?done=claim",
    )
    with console.as_("officer") as client:
        page = client.get(f"/console/petitions/{code}?done=claim").text
    assert "Bạn đã nhận xử lý phản ánh." in page
    assert 'data-testid="assignee">Nguyễn Thị Lan<' in page
    assert any("Nguyễn Thị Lan" in text for text in topic_messages(console))
    assert any(code in text for text in console.chat_pending())

    answered = act(console, "officer", code, action="answer", text="Hồ sơ đã được cấp phép.")
    assert answered.status_code == 303
    [answer] = [text for text in console.chat_pending() if "Hồ sơ đã được cấp phép." in text]
    assert code in answer
    assert any("Nguyễn Thị Lan" in text and code in text for text in topic_messages(console)[1:])
    with console.as_("officer") as client:
        page = client.get(f"/console/petitions/{code}").text
    assert 'data-testid="status">Đã trả lời<' in page
    assert "Hồ sơ đã được cấp phép." in page  # in the timeline
    assert "ngày làm việc" not in page.split('data-testid="status"')[0]  # nothing left to count


def test_the_working_days_left_read_as_whole_days(console: Console) -> None:
    # Working days left in Vietnamese figures: a decimal comma, no ".0" on whole days.
    code = console.file_petition("Cấp phép xây dựng nhà xưởng chậm", topic="xaydung")
    console.sign_in("officer")
    with console.as_("officer") as client:
        inbox = client.get("/console/petitions").text
        case = client.get(f"/console/petitions/{code}").text
    for page in (inbox, case):
        assert re.search(r"còn \d+(,\d)? ngày làm việc", page)
        assert not re.search(r"\d\.\d ngày", page)


def test_a_claim_from_telegram_and_one_from_the_web_have_one_winner(console: Console) -> None:
    code = console.file_petition("Cấp phép xây dựng nhà xưởng chậm", topic="xaydung")

    async def telegram_claim() -> list[str]:
        async with console.runtime.sessions.begin() as session:
            await add_staff(
                session,
                channel="telegram",
                user_id="11",
                name="Cán bộ Hải",
                role="agent",
                now=console.clock(),
            )
        incoming = Incoming(
            channel="telegram", user_id="11", choice=f"ps:claim:{code}", chat_id="-1001234"
        )
        handled = await console.runtime.dialogue.handle(incoming)
        return [reply.text for reply in handled.replies]

    console.run(telegram_claim)
    console.sign_in("officer")
    lost = act(console, "officer", code, action="claim")
    assert lost.status_code == 409
    assert "đang do Cán bộ Hải xử lý, nên không nhận được" in lost.text
    with console.as_("officer") as client:
        page = client.get(f"/console/petitions/{code}").text
    assert 'data-testid="assignee">Cán bộ Hải<' in page


def test_a_refused_action_keeps_what_was_typed(console: Console) -> None:
    code = console.file_petition("Cấp phép xây dựng nhà xưởng chậm", topic="xaydung")
    console.sign_in("officer")
    refused = act(
        console, "officer", code, action="new_date", day="2026-12-01", text="Chờ ý kiến Sở"
    )
    assert refused.status_code == 409
    body = refused.text
    assert 'data-testid="refusal">' in body
    assert 'value="Chờ ý kiến Sở"' in body and 'value="2026-12-01"' in body


def test_a_new_date_on_the_web_follows_the_one_new_date_rule(console: Console) -> None:
    code = console.file_petition("Cấp phép xây dựng nhà xưởng chậm", topic="xaydung")
    console.chat_pending()
    console.sign_in("supervisor")
    moved = act(
        console, "supervisor", code, action="new_date", day="2026-12-28", text="Chờ ý kiến Sở"
    )
    assert moved.status_code == 303
    assert any("28/12/2026" in text for text in console.chat_pending())
    again = act(console, "supervisor", code, action="new_date", day="2026-12-30", text="Lần hai")
    assert again.status_code == 409


def test_business_details_are_shown_on_request_only_and_every_view_is_audited(
    console: Console,
) -> None:
    code = console.file_petition("Hoàn thuế chậm", topic="thue", consent=True)
    console.sign_in("viewer")
    with console.as_("viewer") as client:
        page = client.get(f"/console/petitions/{code}").text
        assert "Hoàn thuế chậm" in page
        assert "0300588569" not in page and 'data-testid="show-details"' not in page
        assert 'data-testid="claim"' not in page
        assert client.get(f"/console/petitions/{code}/details").status_code == 403
    console.sign_in("officer")
    with console.as_("officer") as client:
        page = client.get(f"/console/petitions/{code}").text
        assert "0300588569" not in page and 'data-testid="show-details"' in page
        details = client.get(f"/console/petitions/{code}/details", headers={"HX-Request": "true"})
    assert "0300588569" in details.text and "0912345678" in details.text
    assert "<html" not in details.text
    console.sign_in("admin")
    with console.as_("admin") as client:
        log = client.get("/console/audit").text
    assert "view_business" in log and code in log and "Nguyễn Thị Lan" in log


def test_a_supervisor_closes_an_unanswered_petition_with_a_reason_and_reopens_it(
    console: Console,
) -> None:
    code = console.file_petition("Cấp phép xây dựng nhà xưởng chậm", topic="xaydung")
    console.chat_pending()
    console.sign_in("officer")
    refused = act(console, "officer", code, action="close", text="Trùng phản ánh khác")
    assert refused.status_code == 409
    console.sign_in("supervisor")
    closed = act(console, "supervisor", code, action="close", text="Trùng phản ánh khác")
    assert closed.status_code == 303
    assert any("Trùng phản ánh khác" in text for text in console.chat_pending())
    reopened = act(console, "supervisor", code, action="reopen", text="Doanh nghiệp gọi lại")
    assert reopened.status_code == 303
    assert any("mở lại" in text for text in console.chat_pending())
    with console.as_("supervisor") as client:
        page = client.get(f"/console/petitions/{code}").text
    assert 'data-testid="status">Mở lại<' in page


def test_an_officer_who_reads_english_gets_the_pages_and_refusals_in_english(
    console: Console,
) -> None:
    code = console.file_petition("Cấp phép xây dựng nhà xưởng chậm", topic="xaydung")
    console.sign_in("supervisor")
    act(console, "supervisor", code, action="claim")
    console.sign_in("officer")
    csrf = console.csrf("officer")
    with console.as_("officer") as client:
        switched = client.post(
            "/console/locale",
            data={"csrf": csrf, "locale": "en", "next": f"/console/petitions/{code}"},
            follow_redirects=False,
        )
        assert switched.headers["location"] == f"/console/petitions/{code}"
        page = client.get(f"/console/petitions/{code}").text
    assert 'lang="en"' in page and "Timeline" in page
    lost = act(console, "officer", code, action="claim")
    assert lost.status_code == 409
    assert "is being handled by Phạm Lãnh Đạo, so it cannot be claimed" in lost.text


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"the flooded road, photographed" * 20
PDF = b"%PDF-1.7\n" + b"bien nhan ho so " * 30


def test_the_case_page_previews_the_businesss_photos_and_pdfs(console: Console) -> None:
    code = console.file_petition(
        "Đường vào khu công nghiệp ngập",
        topic="xaydung",
        files=(("duong-ngap.png", PNG, "image/png"), ("bien-nhan.pdf", PDF, "application/pdf")),
    )
    console.sign_in("officer")
    with console.as_("officer") as client:
        page = client.get(f"/console/petitions/{code}").text
        photo = client.get(f"/console/petitions/{code}/files/1")
        pdf = client.get(f"/console/petitions/{code}/files/2")
        missing = client.get(f"/console/petitions/{code}/files/3")
    assert f'<img src="/console/petitions/{code}/files/1"' in page
    assert 'data-testid="file-2">bien-nhan.pdf<' in page
    assert (photo.content, photo.headers["content-type"]) == (PNG, "image/png")
    assert photo.headers["content-disposition"].startswith("inline;")
    assert (pdf.content, pdf.headers["content-type"]) == (PDF, "application/pdf")
    assert missing.status_code == 404
    console.sign_in("viewer")
    console.sign_in("other_officer")
    with console.as_("viewer") as client:
        assert client.get(f"/console/petitions/{code}/files/1").status_code == 403
    with console.as_("other_officer") as client:
        assert client.get(f"/console/petitions/{code}/files/1").status_code == 404
    console.sign_in("admin")
    with console.as_("admin") as client:
        log = client.get("/console/audit").text
    assert f"{code}#1" in log and "view_file" in log


def test_the_nav_alerts_an_officer_to_new_petitions_in_their_queue(console: Console) -> None:
    console.sign_in("officer")
    console.sign_in("other_officer")
    with console.as_("officer") as client:
        assert client.get("/console/petitions/alert").text.strip() == ""
    code = console.file_petition("Cấp phép xây dựng nhà xưởng chậm", topic="xaydung")
    with console.as_("officer") as client:
        alert = client.get("/console/petitions/alert", headers={"X-Console-Poll": "1"}).text
    assert ">1<" in alert and "1 phản ánh mới chưa có người nhận" in alert
    with console.as_("other_officer") as client:
        assert client.get("/console/petitions/alert").text.strip() == ""  # not their topic
    act(console, "officer", code, action="claim")
    with console.as_("officer") as client:
        assert client.get("/console/petitions/alert").text.strip() == ""


def test_the_case_timeline_refreshes_with_a_colleagues_action(console: Console) -> None:
    code = console.file_petition("Cấp phép xây dựng nhà xưởng chậm", topic="xaydung")
    console.sign_in("officer")
    console.sign_in("supervisor")
    with console.as_("officer") as client:
        before = client.get(f"/console/petitions/{code}/timeline").text
    assert "Tiếp nhận phản ánh" in before and "Cán bộ nhận xử lý" not in before
    act(console, "supervisor", code, action="claim")
    with console.as_("officer") as client:
        after = client.get(
            f"/console/petitions/{code}/timeline", headers={"X-Console-Poll": "1"}
        ).text
    assert "Cán bộ nhận xử lý" in after and "Phạm Lãnh Đạo" in after and "<html" not in after

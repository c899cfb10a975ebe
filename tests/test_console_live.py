"""The live queue in the console: a web chat business asks for a person, an officer takes it
on the web, they talk, and it ends with a summary — the handoff's own use cases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from httpx import Response

from console_support import Console, console_app
from support import VN, Clock
from test_console_petitions import topic_messages
from troly.knowledge.index import ProcedureIndex

MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=VN)


@pytest.fixture
def console(tmp_path: Path, index: ProcedureIndex) -> Iterator[Console]:
    with console_app(tmp_path, index, Clock(MONDAY)) as running:
        yield running


def post(console: Console, who: str, path: str, **form: str) -> Response:
    csrf = console.csrf(who)
    with console.as_(who) as client:
        return client.post(path, data={"csrf": csrf, **form}, follow_redirects=False)


def test_an_officer_takes_talks_and_ends_a_live_chat_from_the_console(console: Console) -> None:
    console.chat(text="thủ tục thành lập công ty cổ phần")
    [waiting] = console.chat(text="Cho tôi gặp cán bộ")
    assert "Đang mời cán bộ hỗ trợ" in waiting
    console.sign_in("officer")
    with console.as_("officer") as client:
        queue = client.get("/console/live").text
    code = queue.split('data-testid="live-')[2].split('"')[0]
    assert "Đang chờ cán bộ" in queue
    with console.as_("officer") as client:
        page = client.get(f"/console/live/{code}").text
    assert "thủ tục thành lập công ty cổ phần" in page  # the recent questions

    taken = post(console, "officer", f"/console/live/{code}/act", action="take")
    assert taken.status_code == 303
    assert any("Nguyễn Thị Lan" in text for text in console.chat_pending())
    console.sign_in("supervisor")
    late = post(console, "supervisor", f"/console/live/{code}/act", action="take")
    assert late.status_code == 409
    assert "đã có Nguyễn Thị Lan nhận trước" in late.text

    sent = post(
        console,
        "officer",
        f"/console/live/{code}/act",
        action="send",
        text="Chào anh, tôi xem hồ sơ giúp anh.",
    )
    assert sent.status_code == 303
    assert any("Chào anh, tôi xem hồ sơ giúp anh." in text for text in console.chat_pending())
    assert any("(trên web): Chào anh" in text for text in topic_messages(console))
    console.chat(text="Cảm ơn chị, hồ sơ nộp hôm qua")
    with console.as_("officer") as client:
        log = client.get(f"/console/live/{code}/messages", headers={"X-Console-Poll": "1"})
    assert "Cảm ơn chị, hồ sơ nộp hôm qua" in log.text and "<html" not in log.text

    no_summary = post(console, "officer", f"/console/live/{code}/act", action="end", text=" ")
    assert no_summary.status_code == 409
    ended = post(
        console,
        "officer",
        f"/console/live/{code}/act",
        action="end",
        text="Đã hướng dẫn nộp bổ sung giấy phép.",
    )
    assert ended.status_code == 303
    assert any("Đã hướng dẫn nộp bổ sung giấy phép." in text for text in console.chat_pending())
    with console.as_("officer") as client:
        assert code not in client.get("/console/live/rows").text


def test_viewers_do_not_see_live_chats(console: Console) -> None:
    console.sign_in("viewer")
    with console.as_("viewer") as client:
        assert client.get("/console/live").status_code == 403
        assert "/console/live" not in client.get("/console/petitions").text

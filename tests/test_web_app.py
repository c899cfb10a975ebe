"""The web chat over the whole stack: HTTP transcripts against the real assistant."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.exceptions import StarletteDeprecationWarning

from troly.bot.settings import Settings
from troly.handlers.app import build_runtime, create_app
from troly.knowledge.index import ProcedureIndex

with warnings.catch_warnings():
    # Starlette 1.x prefers httpx2 for its TestClient and warns when it falls back to httpx.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

SESSION = "37394665a1b2c3d4e5f60718293a4b5c"


@pytest.fixture
def client(tmp_path: Path, index: ProcedureIndex) -> Iterator[TestClient]:
    settings = Settings(environment="test", database_url=f"sqlite:///{tmp_path / 'web.db'}")
    runtime = build_runtime(settings, index=index)
    app, _ = create_app(settings, runtime=runtime, scheduler=False)
    with TestClient(app) as client:
        yield client


def say(client: TestClient, **message: Any) -> dict[str, Any]:
    response = client.post("/api/chat", json={"session": SESSION, **message})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def texts(body: dict[str, Any]) -> list[str]:
    return [reply["text"] for reply in body["replies"]]


def pending(client: TestClient) -> list[str]:
    response = client.post("/api/chat/pending", json={"session": SESSION})
    assert response.status_code == 200
    return [reply["text"] for reply in response.json()["replies"]]


def test_a_message_sent_again_gets_the_same_replies_once(client: TestClient) -> None:
    first = say(client, text="khôi phục mã số thuế", mid="m1")
    again = say(client, text="khôi phục mã số thuế", mid="m1")
    following = say(client, text="nấu canh chua thế nào", mid="m2")

    assert again == first
    assert texts(first)[0].startswith("📄 Khôi phục mã số thuế")
    assert "chưa tìm thấy thủ tục" in texts(following)[0]
    assert pending(client) == []


def test_a_button_pressed_again_does_not_move_the_flow_twice(client: TestClient) -> None:
    say(client, choice="menu:petition", mid="b1")
    first = say(client, choice="pf:topic:thue", mid="b2")
    again = say(client, choice="pf:topic:thue", mid="b2")

    assert again == first
    assert "tối đa 2000 ký tự" in texts(first)[-1]


def test_a_petition_description_may_be_longer_than_a_question(client: TestClient) -> None:
    say(client, choice="menu:petition")
    say(client, choice="pf:topic:thue")

    too_long = say(client, text="x" * 2500)
    accepted = say(client, text="Hoàn thuế chậm. " * 100)  # 1 600 characters

    assert texts(too_long) == [
        "Nội dung dài quá (2500 ký tự, tối đa 2000). Bạn rút gọn giúp tôi, hoặc gửi phần chi "
        "tiết dưới dạng tệp PDF."
    ]
    assert texts(accepted)[-1].startswith("Bạn có ảnh hoặc tệp PDF kèm theo không")


def test_a_petition_on_the_web_asks_for_files_where_the_page_can_attach_them(
    client: TestClient,
) -> None:
    say(client, choice="menu:petition")
    described = say(client, choice="pf:topic:thue")
    files = say(client, text="Hoàn thuế GTGT chậm 2 tháng")
    commune = say(client, choice="pf:done")
    say(client, choice="pf:commune:none")
    say(client, choice="pf:public:0")
    *_, summary = texts(say(client, choice="pf:consent:0"))
    edit = say(client, choice="pf:edit")["replies"][0]
    say(client, choice="pf:submit")
    add = say(client, choice="pb:add:PA-000000")

    assert texts(described) == [
        "Bạn mô tả vấn đề gặp phải (tối đa 2000 ký tự): việc gì, ở đâu, từ khi nào, bạn đề "
        "nghị gì. Có thể gửi kèm ảnh hoặc tệp PDF."
    ]
    assert described["files"] == {"room": 5, "max_mb": 20}
    assert texts(files)[0].startswith("Bạn có ảnh hoặc tệp PDF kèm theo không (tối đa 5 tệp)?")
    assert files["files"] == {"room": 5, "max_mb": 20}
    assert texts(commune)[0].startswith("Vấn đề xảy ra ở xã, phường nào")
    assert "files" not in commune  # the page hides 📎 again
    assert "Tệp đính kèm: 0" in summary
    assert "pf:edit:files" in [button["choice"] for button in edit["buttons"]]
    assert (
        texts(add)[-1]
        == "Bạn gõ nội dung bổ sung cho phản ánh PA-000000 (có thể gửi kèm ảnh, tệp PDF):"
    )
    assert add["files"] == {"room": 5, "max_mb": 20}


def test_a_question_keeps_the_question_limit_with_the_flows_own_words(client: TestClient) -> None:
    answer = say(client, text="thành lập doanh nghiệp " * 60)

    assert "1000" in texts(answer)[0]


def test_the_reply_carries_the_conversations_language(client: TestClient) -> None:
    assert say(client, choice="start")["locale"] == "vi"
    assert say(client, text="/en")["locale"] == "en"
    assert say(client, choice="lang:vi")["locale"] == "vi"


def test_the_session_is_never_logged(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)

    say(client, text="khôi phục mã số thuế", mid="m1")
    say(client, text="khôi phục mã số thuế", mid="m1")
    pending(client)

    assert caplog.records
    assert all(SESSION not in record.getMessage() for record in caplog.records)


def test_a_procedure_page_lists_every_document_and_promises_no_button(client: TestClient) -> None:
    page = client.get("/p/1.001612")
    assert page.status_code == 200
    assert "Giấy đề nghị đăng ký hộ kinh doanh" in page.text
    assert "Hồ sơ chung" in page.text
    # A page has no chat buttons: it must not tell the reader to press one.
    assert "Xem đủ hồ sơ" not in page.text
    assert "giấy tờ khác" not in page.text

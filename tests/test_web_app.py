"""The web chat over the whole stack: HTTP transcripts against the real assistant."""

from __future__ import annotations

import logging
import sqlite3
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


def say_raw(client: TestClient, body: str) -> Any:
    """Posts a JSON text as it is (it may carry escapes such as "\\ud800")."""
    headers = {"content-type": "application/json"}
    return client.post("/api/chat", content=body.encode("ascii"), headers=headers)


def typed(escaped: str) -> str:
    """A chat body whose text is given as JSON source, escapes and all."""
    return f'{{"session": "{SESSION}", "text": "{escaped}"}}'


def test_a_lone_surrogate_and_nul_in_a_petition_description_never_stop_the_petition(
    client: TestClient, tmp_path: Path
) -> None:
    say(client, choice="menu:petition")
    say(client, choice="pf:topic:thue")
    described = say_raw(
        client, typed(r"Ho\u00e0n thu\u1ebf\ud800 ch\u1eadm\u0000 qu\u00e1 l\u00e2u")
    )
    assert described.status_code == 200
    say(client, choice="pf:done")
    say(client, choice="pf:commune:none")
    say(client, choice="pf:public:0")
    summary = say(client, choice="pf:consent:0")
    filed = say(client, choice="pf:submit")
    following = say(client, text="xin chào")

    assert "Hoàn thuế chậm quá lâu" in texts(summary)[-1]
    assert "Mã theo dõi: PA-" in texts(filed)[0]
    assert texts(following) != []
    with sqlite3.connect(tmp_path / "web.db") as db:
        [(description,)] = db.execute("SELECT description FROM petitions").fetchall()
    assert description == "Hoàn thuế chậm quá lâu"


def test_a_message_of_nothing_but_control_characters_is_refused_as_empty(
    client: TestClient,
) -> None:
    response = say_raw(client, typed(r"\u0000\ud800\u001b"))
    assert response.status_code == 400
    assert response.json()["error"].startswith("Hãy nhập câu hỏi hoặc chọn một nút.")


def test_json_nested_five_thousand_levels_is_a_polite_400(client: TestClient) -> None:
    body = typed("").replace('""}', "[" * 5000 + "]" * 5000 + "}")
    assert len(body) < 64 * 1024

    response = say_raw(client, body)
    pending_response = client.post(
        "/api/chat/pending",
        content=("[" * 5000 + "]" * 5000).encode(),
        headers={"content-type": "application/json"},
    )

    assert response.status_code == 400
    assert "lồng nhau quá sâu" in response.json()["error"]
    assert "nests too deep" in response.json()["error"]
    assert pending_response.status_code == 400
    assert say(client, text="xin chào")["replies"] != []


def _store(tmp_path: Path, **columns: object) -> None:
    """Writes the web conversation's stored state by hand, as a broken release might have."""
    sets = ", ".join(f"{name} = ?" for name in columns)
    with sqlite3.connect(tmp_path / "web.db") as db:
        db.execute(
            f"UPDATE conversations SET {sets} WHERE user_id = ?",
            (*columns.values(), SESSION),
        )


@pytest.mark.parametrize(
    "stored",
    [
        {"draft": '{"topic": "thue", "description": "Ho\\u00e0n\\ud800 thu\\u1ebf"}'},
        {"draft": '{"topic": "thue", "description": "Ho\\u00e0n\\u0000 thu\\u1ebf"}'},
        {"draft": '{"topic": "thue", "descr'},
        {"draft": "[1, 2]"},
        {"flow": "petition", "step": "a_step_no_release_has"},
        {"flow": "a_flow_no_release_has"},
        {"step": "confirm", "draft": '{"topic": 7, "description": ["not", "text"]}'},
    ],
    ids=["surrogate", "nul", "bad-json", "not-an-object", "step", "flow", "bad-values"],
)
def test_a_conversation_whose_state_cannot_be_loaded_starts_again_with_an_apology(
    client: TestClient, tmp_path: Path, stored: dict[str, str]
) -> None:
    say(client, choice="menu:petition")
    say(client, choice="pf:topic:thue")
    _store(tmp_path, **stored)

    restarted = say(client, text="khôi phục mã số thuế")
    following = say(client, text="khôi phục mã số thuế")

    assert texts(restarted)[0].startswith("Xin lỗi bạn, cuộc trò chuyện vừa rồi gặp lỗi")
    assert texts(restarted)[1].startswith("📄 Khôi phục mã số thuế")
    assert texts(following)[0].startswith("📄 Khôi phục mã số thuế")


def test_a_step_that_fails_on_its_stored_draft_starts_the_conversation_again(
    client: TestClient, tmp_path: Path
) -> None:
    say(client, choice="menu:booking")
    _store(tmp_path, flow="booking", step="tax_code", draft='{"session_id": "not a number"}')

    restarted = say(client, text="0100109106")
    following = say(client, text="khôi phục mã số thuế")

    assert texts(restarted)[0].startswith("Xin lỗi bạn, cuộc trò chuyện vừa rồi gặp lỗi")
    assert texts(following)[0].startswith("📄 Khôi phục mã số thuế")


def test_a_restart_is_logged_without_the_message_or_the_session(
    client: TestClient, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    say(client, choice="menu:petition")
    say(client, choice="pf:topic:thue")
    _store(tmp_path, step="confirm", draft='{"topic": 7}')

    with caplog.at_level(logging.INFO):
        say(client, text="Công ty Minh Anh, 0912345678")

    assert "started again" in caplog.text
    assert "Minh Anh" not in caplog.text
    assert "0912345678" not in caplog.text
    assert SESSION not in caplog.text


def test_healthz_asks_the_real_database(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_healthz_is_503_when_the_database_does_not_answer(index: ProcedureIndex) -> None:
    # Nothing listens on port 1: the database is down (the app never started, no lifespan).
    settings = Settings(environment="test", database_url="postgresql://troly@127.0.0.1:1/troly")
    app, _ = create_app(settings, runtime=build_runtime(settings, index=index), scheduler=False)
    response = TestClient(app).get("/healthz")
    assert (response.status_code, response.json()) == (503, {"status": "database unavailable"})


@pytest.mark.postgres
async def test_on_postgresql_a_lone_surrogate_and_nul_never_stop_the_petition(
    pg_url: str, index: ProcedureIndex
) -> None:
    # PostgreSQL refuses NUL in text and JSON: unclean text would fail the transaction there.
    settings = Settings(environment="test", database_url=pg_url)
    app, _ = create_app(settings, runtime=build_runtime(settings, index=index), scheduler=False)
    with TestClient(app) as client:
        say(client, choice="menu:petition")
        say(client, choice="pf:topic:thue")
        described = say_raw(client, typed(r"Ho\u00e0n thu\u1ebf\ud800 ch\u1eadm\u0000 qu\u00e1"))
        assert described.status_code == 200
        for choice in ("pf:done", "pf:commune:none", "pf:public:0", "pf:consent:0"):
            say(client, choice=choice)
        filed = say(client, choice="pf:submit")
    assert "Mã theo dõi: PA-" in texts(filed)[0]

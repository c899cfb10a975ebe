"""The web door: the /api/chat contract, its refusals, pages, QR codes and continue links."""

from __future__ import annotations

import base64
import warnings
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.exceptions import StarletteDeprecationWarning

from troly.bot.messages import Button, Document, Incoming, Reply
from troly.bot.settings import Settings
from troly.handlers.web import (
    ChatAnswer,
    ContinueLinks,
    linkify,
    reply_to_json,
    web_routes,
)

with warnings.catch_warnings():
    # Starlette 1.x prefers httpx2 for its TestClient and warns when it falls back to httpx.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CARD = Reply(
    text="Thành lập doanh nghiệp tư nhân\nHồ sơ: giấy đề nghị\nXem https://dichvucong.gov.vn.",
    buttons=((Button("Nộp trực tuyến", url="https://dichvucong.gov.vn/p/1"),),),
)


class FakeChat:
    """A recording ChatPort that answers with scripted replies."""

    def __init__(self) -> None:
        self.received: list[Incoming] = []
        self.queued: dict[str, list[Reply]] = {}
        self.database_answers = True

    async def answer(self, incoming: Incoming) -> ChatAnswer:
        self.received.append(incoming)
        if incoming.choice == "boom":
            raise RuntimeError(f"the bot fell over: [parameters: ('web', '{incoming.user_id}')]")
        if incoming.choice == "lang:en":
            return ChatAnswer([Reply(text="Switched to English.")], "en")
        if incoming.choice is not None:
            return ChatAnswer([Reply(text=f"Bạn chọn {incoming.choice}")])
        return ChatAnswer(
            [
                Reply(
                    text=f"Bạn hỏi: {incoming.text}",
                    buttons=(
                        (Button("Thành lập DN", choice="proc:1.001612"),),
                        (
                            Button("Hỏi người", choice="menu:help"),
                            Button("Cổng DVC", url="https://dichvucong.gov.vn"),
                        ),
                    ),
                )
            ]
        )

    async def pending(self, channel: str, user_id: str) -> list[Reply]:
        if user_id == "boom":
            raise RuntimeError(f"lost: [parameters: ('web', '{user_id}')]")
        return self.queued.pop(f"{channel}:{user_id}", [])

    def procedure_card(self, code: str, locale: str) -> Reply | None:
        return CARD if code == "1.001612" else None

    async def healthy(self) -> bool:
        return self.database_answers


@pytest.fixture
def chat() -> FakeChat:
    return FakeChat()


def make_client(chat: FakeChat, **overrides: object) -> TestClient:
    settings = Settings(**overrides)  # type: ignore[arg-type]
    routes = web_routes(chat=chat, settings=settings, links=ContinueLinks(settings))
    return TestClient(Starlette(routes=routes))


@pytest.fixture
def client(chat: FakeChat) -> Iterator[TestClient]:
    with make_client(chat) as client:
        yield client


def test_a_question_gets_the_replies_with_flat_buttons(client: TestClient, chat: FakeChat) -> None:
    response = client.post(
        "/api/chat", json={"session": "abc_123-x", "text": "  thành lập dn  ", "mid": "m1"}
    )

    assert response.status_code == 200
    reply = response.json()["replies"][0]
    assert reply["text"] == "Bạn hỏi: thành lập dn"
    assert reply["buttons"] == [
        {"label": "Thành lập DN", "choice": "proc:1.001612"},
        {"label": "Hỏi người", "choice": "menu:help"},
        {"label": "Cổng DVC", "url": "https://dichvucong.gov.vn"},
    ]
    assert [len(row) for row in reply["rows"]] == [1, 2]
    assert chat.received == [
        Incoming(channel="web", user_id="abc_123-x", text="thành lập dn", event_id="m1")
    ]


def test_a_choice_and_a_locale_reach_the_bot(client: TestClient, chat: FakeChat) -> None:
    response = client.post("/api/chat", json={"session": "s1", "choice": "lang:en", "locale": "en"})

    assert response.status_code == 200
    assert response.json() == {
        "replies": [{"text": "Switched to English.", "kind": "message", "buttons": [], "rows": []}],
        "locale": "en",
    }
    assert chat.received == [Incoming(channel="web", user_id="s1", choice="lang:en", locale="en")]


def test_an_unknown_locale_is_left_to_the_bot(client: TestClient, chat: FakeChat) -> None:
    client.post("/api/chat", json={"session": "s1", "choice": "start", "locale": "fr"})

    assert chat.received[0].locale is None


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ("{not json", 400, "Yêu cầu không hợp lệ"),
        ('["a list"]', 400, "Yêu cầu không hợp lệ"),
        ('{"text": "hello"}', 400, "mã phiên"),
        ('{"session": "", "text": "hello"}', 400, "mã phiên"),
        ('{"session": "bad session!", "text": "hello"}', 400, "mã phiên"),
        ('{"session": "' + "a" * 65 + '", "text": "hello"}', 400, "mã phiên"),
        ('{"session": "s1"}', 400, "Hãy nhập câu hỏi"),
        ('{"session": "s1", "text": "   "}', 400, "Hãy nhập câu hỏi"),
        ('{"session": "s1", "text": 42}', 400, "Yêu cầu không hợp lệ"),
        ('{"session": "s1", "choice": "' + "x" * 65 + '"}', 400, "Lựa chọn không hợp lệ"),
        ('{"session": "s1", "choice": "chọn"}', 400, "Lựa chọn không hợp lệ"),
        ('{"session": "s1", "text": "hi", "mid": "no spaces"}', 400, "Mã tin nhắn"),
        ('{"session": "s1", "text": "' + "a" * 4097 + '"}', 413, "tối đa 4096 ký tự"),
        ('{"session": "s1", "text": "' + "a" * 70_000 + '"}', 413, "Yêu cầu quá lớn"),
    ],
)
def test_a_bad_request_is_refused_with_what_to_do(
    client: TestClient, chat: FakeChat, body: str, status: int, says: str
) -> None:
    response = client.post(
        "/api/chat", content=body.encode(), headers={"Content-Type": "application/json"}
    )

    assert response.status_code == status
    vietnamese, english = response.json()["error"].split(" / ", 1)
    assert says in vietnamese
    assert english.isascii()
    assert chat.received == []


def test_a_text_longer_than_a_question_reaches_the_bot_which_says_its_own_limit(
    client: TestClient, chat: FakeChat
) -> None:
    response = client.post("/api/chat", json={"session": "s1", "text": "a" * 2000})

    assert response.status_code == 200
    assert chat.received[0].text == "a" * 2000


def test_the_web_carries_any_text_a_flow_accepts(chat: FakeChat) -> None:
    with make_client(chat, petition_max_description_chars=6000) as client:
        carried = client.post("/api/chat", json={"session": "s1", "text": "a" * 6000})
        refused = client.post("/api/chat", json={"session": "s1", "text": "a" * 6001})
        page = client.get("/")

    assert carried.status_code == 200
    assert refused.status_code == 413
    assert "6000" in refused.json()["error"]
    assert 'data-max-chars="6000"' in page.text


def test_a_bot_failure_is_a_503_with_a_message(client: TestClient) -> None:
    response = client.post("/api/chat", json={"session": "s1", "choice": "boom"})

    assert response.status_code == 503
    assert "thử lại" in response.json()["error"]


def test_a_bot_failure_is_logged_without_what_its_error_quotes(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    session = "37394665a1b2c3d4e5f6"
    client.post("/api/chat", json={"session": session, "choice": "boom"})

    [logged] = [record for record in caplog.records if record.name == "troly.handlers.web"]
    assert "RuntimeError" in logged.getMessage()
    assert "test_web.py" in logged.getMessage()
    assert session not in logged.getMessage()
    assert logged.exc_info is None


def test_a_failure_to_fetch_pending_replies_is_a_503_logged_without_the_session(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = client.post("/api/chat/pending", json={"session": "boom"})

    assert response.status_code == 503
    [logged] = [record for record in caplog.records if record.name == "troly.handlers.web"]
    assert "'boom'" not in logged.getMessage()


def test_pending_replies_are_delivered_once(client: TestClient, chat: FakeChat) -> None:
    chat.queued["web:s1"] = [Reply(text="Phản ánh PA-7K2 đã có trả lời.")]

    first = client.post("/api/chat/pending", json={"session": "s1"})
    second = client.post("/api/chat/pending", json={"session": "s1"})

    assert first.json()["replies"][0]["text"] == "Phản ánh PA-7K2 đã có trả lời."
    assert second.json() == {"replies": []}


def test_pending_needs_a_valid_session(client: TestClient) -> None:
    response = client.post("/api/chat/pending", json={"session": "../etc"})

    assert response.status_code == 400
    assert "session" in response.json()["error"]


def test_the_session_never_travels_in_a_url(client: TestClient, chat: FakeChat) -> None:
    chat.queued["web:s1"] = [Reply(text="Phản ánh PA-7K2 đã có trả lời.")]

    response = client.get("/api/chat/pending", params={"session": "s1"})

    assert response.status_code == 405
    assert chat.queued["web:s1"] != []
    script = client.get("/static/chat.js").text
    assert "session=" not in script
    assert "?session" not in script


def test_a_document_is_sent_as_base64() -> None:
    reply = Reply(text="Lịch", document=Document("hop.ics", b"BEGIN:VCALENDAR", "text/calendar"))

    assert reply_to_json(reply)["document"] == {
        "filename": "hop.ics",
        "mime_type": "text/calendar",
        "data_base64": base64.b64encode(b"BEGIN:VCALENDAR").decode(),
    }


def test_the_chat_page_is_served_without_cdn(client: TestClient) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert 'data-testid="messages"' in response.text
    assert 'aria-live="polite"' in response.text
    assert 'data-kiosk="0"' in response.text
    assert "https://" not in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_the_kiosk_page_carries_the_idle_seconds_menu_and_qr(chat: FakeChat) -> None:
    with make_client(chat, kiosk_idle_seconds=45) as client:
        response = client.get("/", params={"kiosk": "1"})

    assert 'data-idle="45"' in response.text
    for choice in ("menu:ask", "menu:petition", "menu:booking", "menu:help"):
        assert f'data-choice="{choice}"' in response.text
    assert 'src="/qr/continue.png"' in response.text
    assert 'data-testid="countdown"' in response.text


def test_the_chat_page_opens_on_a_procedure_only_with_a_valid_code(client: TestClient) -> None:
    assert 'data-procedure="1.001612"' in client.get("/", params={"p": "1.001612"}).text
    assert 'data-procedure=""' in client.get("/", params={"p": '"><script>'}).text


def test_static_files_are_served(client: TestClient) -> None:
    for name in ("chat.js", "style.css", "logo.svg"):
        assert client.get(f"/static/{name}").status_code == 200


def test_a_procedure_page_shows_the_card_qr_and_ask_link(client: TestClient) -> None:
    response = client.get("/p/1.001612")

    assert response.status_code == 200
    assert "<h1>Thành lập doanh nghiệp tư nhân</h1>" in response.text
    assert 'src="/p/1.001612/qr.png"' in response.text
    assert 'href="/?p=1.001612"' in response.text
    assert "Hỏi trợ lý" in response.text
    assert (
        '<a href="https://dichvucong.gov.vn" rel="noopener noreferrer">'
        "https://dichvucong.gov.vn</a>." in response.text
    )
    assert 'href="https://dichvucong.gov.vn/p/1"' in response.text


def test_an_unknown_procedure_is_a_bilingual_404(client: TestClient) -> None:
    response = client.get("/p/9.999999")

    assert response.status_code == 404
    assert "Không tìm thấy thủ tục" in response.text
    assert "Procedure not found" in response.text
    assert client.get("/p/9.999999/qr.png").status_code == 404


def test_qr_codes_are_png(client: TestClient) -> None:
    for url in ("/p/1.001612/qr.png", "/qr/continue.png?p=1.001612", "/qr/continue.png"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/png"
        assert response.content.startswith(PNG_SIGNATURE)


def test_healthz_answers_200_while_the_database_answers_and_503_when_it_does_not(
    client: TestClient, chat: FakeChat
) -> None:
    up = client.get("/healthz")
    chat.database_answers = False
    down = client.get("/healthz")

    assert (up.status_code, up.json()) == (200, {"status": "ok"})
    assert (down.status_code, down.json()) == (503, {"status": "database unavailable"})
    assert down.headers["cache-control"] == "no-store"


def test_continue_links_use_a_telegram_deep_link_when_the_bot_has_a_username() -> None:
    links = ContinueLinks(Settings(telegram_bot_username="@TroLyDN_bot"))

    assert links.continue_url("1.001612") == "https://t.me/TroLyDN_bot?start=p_1_001612"
    assert links.continue_url() == "https://t.me/TroLyDN_bot"


def test_a_deep_link_payload_keeps_to_telegrams_charset_and_64_characters() -> None:
    links = ContinueLinks(Settings(telegram_bot_username="TroLyDN_bot"))

    assert ContinueLinks.payload("1.001612") == "p_1_001612"
    assert ContinueLinks.payload("1" * 62) == "p_" + "1" * 62
    assert ContinueLinks.payload("1" * 63) is None
    assert ContinueLinks.payload("1.00 16") is None
    assert links.continue_url("1" * 63) == "https://t.me/TroLyDN_bot"


def test_continue_links_fall_back_to_the_web_chat() -> None:
    assert ContinueLinks(Settings(host="0.0.0.0", port=9000)).continue_url("1.001612") == (
        "http://0.0.0.0:9000/?p=1.001612"
    )
    public = ContinueLinks(Settings(public_url="https://troly.thanhhoa.gov.vn/"))
    assert public.continue_url("1.001612") == "https://troly.thanhhoa.gov.vn/?p=1.001612"
    assert public.continue_url() == "https://troly.thanhhoa.gov.vn/"


def test_linkify_escapes_text_and_links_only_http_urls() -> None:
    html = linkify('<b>x</b> xem http://a.vn/x?a=1&b="2" và javascript:alert(1)')

    assert html == (
        "&lt;b&gt;x&lt;/b&gt; xem "
        '<a href="http://a.vn/x?a=1&amp;b=" rel="noopener noreferrer">http://a.vn/x?a=1&amp;b=</a>'
        "&#34;2&#34; và javascript:alert(1)"
    )

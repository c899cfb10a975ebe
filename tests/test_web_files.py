"""Files on the web chat: a business attaches a photo or a PDF to its petition through
``POST /api/chat/file``; the file reaches the petition's staff topic on (fake) Telegram with its
caption, and what the door refuses (wrong type, too big, not now, no session) keeps nothing."""

from __future__ import annotations

import sqlite3
import warnings
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from starlette.exceptions import StarletteDeprecationWarning

from fakes.telegram_server import TelegramFake
from petition_world import GROUP
from troly.bot.petitions.retention import forget_closed_petitions
from troly.bot.petitions.service import by_code
from troly.bot.settings import Settings
from troly.handlers.app import build_runtime, create_app
from troly.handlers.web_upload import JPEG, PDF, PNG, WEBP, safe_name, sniff
from troly.knowledge.index import ProcedureIndex
from zalo_support import serve_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

SESSION = "5e55104a0b1c2d3e4f5a6b7c8d9e0f11"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"the flooded road, photographed" * 20
PDF_BYTES = b"%PDF-1.7\n" + b"bien nhan ho so " * 30
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00" + b"not a photo at all" * 20


def _files_step(say: Any) -> dict[str, Any]:
    say(choice="menu:petition")
    say(choice="pf:topic:datdai")
    return dict(say(text="Đường vào khu công nghiệp ngập sâu sau mưa, xe không qua được"))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "web.db"


def _client(db: Path, index: ProcedureIndex, **extra: Any) -> TestClient:
    settings = Settings(environment="test", database_url=f"sqlite:///{db}", **extra)
    app, _ = create_app(settings, runtime=build_runtime(settings, index=index), scheduler=False)
    return TestClient(app)


@pytest.fixture
def client(db: Path, index: ProcedureIndex) -> Iterator[TestClient]:
    with _client(db, index) as client:
        yield client


def say(client: TestClient, **message: Any) -> dict[str, Any]:
    response = client.post("/api/chat", json={"session": SESSION, **message})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def upload(
    client: TestClient,
    content: bytes,
    name: str = "duong-ngap.png",
    *,
    session: str | None = SESSION,
    text: str = "",
    declared: str = "image/png",
) -> httpx.Response:
    fields = {"locale": "vi", **({"session": session} if session else {})}
    if text:
        fields["text"] = text
    return client.post("/api/chat/file", data=fields, files={"file": (name, content, declared)})


def stored(db: Path) -> list[tuple[str, str | None]]:
    with sqlite3.connect(db) as connection:
        return list(connection.execute("SELECT filename, owner FROM shared_files"))


def test_the_files_step_tells_the_page_it_takes_files(client: TestClient) -> None:
    welcome = say(client, choice="start")
    topic = say(client, choice="menu:petition")
    files = _files_step(lambda **m: say(client, **m))

    assert "files" not in welcome
    assert "files" not in topic
    assert files["files"] == {"room": 5, "max_mb": 20}
    assert files["replies"][-1]["text"].startswith("Bạn có ảnh hoặc tệp PDF kèm theo không")


def test_a_photo_uploaded_at_the_files_step_joins_the_petition_with_its_caption(
    client: TestClient, db: Path
) -> None:
    _files_step(lambda **m: say(client, **m))

    response = upload(client, PNG_BYTES, "../../etc/Ảnh đường ngập.png", text="Ngày 20/11")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["replies"][0]["text"] == "📎 Đã nhận 1/5 tệp. Gửi thêm, hoặc bấm «Xong»."
    assert body["files"] == {"room": 4, "max_mb": 20}
    # The user's name for the file is shown, never used as a path; no record owns it yet.
    assert stored(db) == [("Ảnh đường ngập.png", "upload")]
    say(client, choice="pf:done")
    say(client, choice="pf:commune:none")
    say(client, choice="pf:public:0")
    *_, summary = say(client, choice="pf:consent:0")["replies"]
    assert "Tệp đính kèm: 1" in summary["text"]


def test_a_renamed_program_is_not_a_photo_and_the_petition_keeps_its_step(
    client: TestClient, db: Path
) -> None:
    _files_step(lambda **m: say(client, **m))

    refused = upload(client, EXE_BYTES, "anh-hien-truong.png")
    accepted = upload(client, PDF_BYTES, "bien-nhan.pdf", declared="application/pdf")

    assert refused.status_code == 415
    assert refused.json()["error"].startswith(
        "Tệp này không phải ảnh (JPG, PNG, WebP) hay tệp PDF nên chưa được nhận."
    )
    assert "/ This file is not a photo (JPG, PNG, WebP) or a PDF" in refused.json()["error"]
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["replies"][0]["text"].startswith("📎 Đã nhận 1/5 tệp.")
    assert stored(db) == [("bien-nhan.pdf", "upload")]


def test_a_file_over_the_limit_is_refused_and_nothing_is_kept(
    db: Path, index: ProcedureIndex
) -> None:
    with _client(db, index, petition_relay_max_file_mb=1) as client:
        _files_step(lambda **m: say(client, **m))
        big = PNG_BYTES + b"\x00" * (1024 * 1024)
        huge = PNG_BYTES + b"\x00" * (3 * 1024 * 1024)

        refused = upload(client, big)
        refused_early = upload(client, huge)
        after = upload(client, PNG_BYTES)

    assert refused.status_code == 413
    assert refused.json()["error"] == (
        "Tệp lớn quá (1,0 MB, tối đa 1 MB) nên chưa được nhận. Bạn chọn ảnh nhỏ hơn hoặc tệp PDF "
        "khác nhé; phản ánh đang soạn vẫn giữ nguyên. / This file is too large (1.0 MB, at most "
        "1 MB), so it was not accepted. Please choose a smaller photo or another PDF; the "
        "petition you are writing is kept as it was."
    )
    assert refused_early.status_code == 413
    assert refused_early.json()["error"].startswith("Tệp lớn quá (3,0 MB, tối đa 1 MB)")
    assert after.json()["replies"][0]["text"].startswith("📎 Đã nhận 1/5 tệp.")
    assert [name for name, _ in stored(db)] == ["duong-ngap.png"]


def test_a_file_sent_when_no_step_takes_one_is_refused_politely(
    client: TestClient, db: Path
) -> None:
    say(client, choice="start")

    refused = upload(client, PNG_BYTES)
    unknown = upload(client, PNG_BYTES, session="nobody-knows-this-session")

    assert refused.status_code == 409
    assert refused.json()["error"].startswith("Lúc này trợ lý chưa nhận tệp đính kèm.")
    assert unknown.status_code == 409
    assert stored(db) == []


def test_a_file_without_a_session_is_refused(client: TestClient, db: Path) -> None:
    _files_step(lambda **m: say(client, **m))

    missing = upload(client, PNG_BYTES, session=None)
    bad = upload(client, PNG_BYTES, session="../not a session")
    not_a_form = client.post("/api/chat/file", json={"session": SESSION})

    assert missing.status_code == 400
    assert missing.json()["error"].startswith("Thiếu mã phiên hoặc mã phiên không hợp lệ")
    assert bad.status_code == 400
    assert not_a_form.status_code == 400
    assert stored(db) == []


def test_a_petition_with_all_its_files_takes_no_more(db: Path, index: ProcedureIndex) -> None:
    with _client(db, index, petition_max_attachments=1) as client:
        files = _files_step(lambda **m: say(client, **m))
        first = upload(client, PNG_BYTES)
        second = upload(client, PDF_BYTES, "them.pdf", declared="application/pdf")

    assert files["files"]["room"] == 1
    assert "files" not in first.json()
    assert second.status_code == 409
    assert second.json()["error"].startswith("Phản ánh đã đủ tệp đính kèm (tối đa 1 tệp)")
    assert [name for name, _ in stored(db)] == ["duong-ngap.png"]


def test_an_upload_no_petition_took_goes_at_the_petition_retention(
    db: Path, index: ProcedureIndex
) -> None:
    settings = Settings(environment="test", database_url=f"sqlite:///{db}")
    runtime = build_runtime(settings, index=index)
    app, _ = create_app(settings, runtime=runtime, scheduler=False)

    async def retention_after(days: int) -> None:
        async with runtime.sessions.begin() as session:
            later = runtime.clock() + timedelta(days=days)
            await forget_closed_petitions(session, now=later, settings=settings)

    with TestClient(app) as client:
        _files_step(lambda **m: say(client, **m))
        upload(client, PNG_BYTES)
        say(client, text="/huy")  # the draft is dropped: no petition takes the photo
        client.portal.call(retention_after, 364)
        kept = stored(db)
        client.portal.call(retention_after, 366)

    assert kept == [("duong-ngap.png", "upload")]
    assert stored(db) == []


def test_the_type_is_read_from_the_first_bytes_and_the_name_never_makes_a_path() -> None:
    assert sniff(b"\xff\xd8\xff\xe0\x00\x10JFIF") == JPEG
    assert sniff(PNG_BYTES[:16]) == PNG
    assert sniff(b"RIFF\x10\x00\x00\x00WEBPVP8 ") == WEBP
    assert sniff(PDF_BYTES[:16]) == PDF
    assert sniff(EXE_BYTES[:16]) is None
    assert safe_name("..\\..\\windows\\evil.exe", PNG) == "evil.png"
    assert safe_name("/etc/passwd", PDF) == "passwd.pdf"
    assert safe_name("ảnh\x00<script>.jpg", JPEG) == "ảnh_script.jpg"
    assert safe_name(None, JPEG) == "anh.jpg"
    assert safe_name("....", PDF) == "tep.pdf"


async def test_a_photo_from_the_web_reaches_the_staff_topic_with_its_caption(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    async with TelegramFake(local_mode=True) as telegram:
        telegram.add_group(int(GROUP), "Cán bộ PAKN", forum=True, bot_can_manage_topics=True)

        def settings(_base: str) -> Settings:
            return Settings(
                environment="test",
                database_url=f"sqlite:///{tmp_path / 'web.db'}",
                staff_chat_id=int(GROUP),
                telegram_token=SecretStr(telegram.token),
                telegram_api_url=telegram.base_url.removesuffix("/bot"),
            )

        async with (
            serve_app(settings, index=index) as (rt, base),
            httpx.AsyncClient(base_url=base, trust_env=False) as web,
        ):

            async def say_async(**message: Any) -> dict[str, Any]:
                response = await web.post("/api/chat", json={"session": SESSION, **message})
                assert response.status_code == 200, response.text
                body: dict[str, Any] = response.json()
                return body

            await say_async(choice="menu:petition")
            await say_async(choice="pf:topic:datdai")
            files = await say_async(text="Đường vào khu công nghiệp ngập sâu sau mưa")
            assert files["files"]["room"] == 5
            sent = await web.post(
                "/api/chat/file",
                data={"session": SESSION, "text": "Ảnh chụp sáng 20/11"},
                files={"file": ("duong-ngap.png", PNG_BYTES, "image/png")},
            )
            assert sent.status_code == 200, sent.text
            await say_async(choice="pf:done")
            await say_async(choice="pf:commune:none")
            await say_async(choice="pf:public:0")
            await say_async(choice="pf:consent:0")
            filed = await say_async(choice="pf:submit")
            code = filed["replies"][0]["text"].split("Mã theo dõi: ")[1].split()[0]

            def photos() -> list[dict[str, Any]]:
                return [m for m in telegram.sent_to(int(GROUP)) if m.get("method") == "sendPhoto"]

            await telegram.wait_until(photos, timeout=10)
            async with rt.sessions() as session:
                petition = await by_code(session, code)
            assert petition is not None
            [item] = petition.attachments
            owners = stored(tmp_path / "web.db")

    [photo] = photos()
    card, *rest = telegram.sent_to(int(GROUP))
    assert f"Phản ánh {code}" in card["text"]
    assert photo["message_thread_id"] == card["message_thread_id"]
    assert photo["photo"]["content"] == PNG_BYTES  # the bytes the business uploaded
    captions = [m.get("text") or m.get("caption") or "" for m in rest]
    assert any("Ảnh chụp sáng 20/11" in text for text in captions)
    assert item["kind"] == "photo"
    assert item["name"] == "duong-ngap.png"
    assert item["caption"] == "Ảnh chụp sáng 20/11"
    # Once in the topic the file belongs to the petition: retention erases it with it.
    assert owners == [("duong-ngap.png", f"petition:{code}")]
    assert telegram.errors == []

"""Photos and files staff post in a petition's topic: relayed to the business like text, by
reference, recorded in the history; the web chat gets them fetched, as a download link."""

from __future__ import annotations

import base64
from datetime import datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from petition_world import AGENT, BUSINESS, GROUP, World
from support import VN, Clock
from troly.bot.files import FileSources, FileUnavailable
from troly.bot.messages import Attachment, Document, Incoming, Reply
from troly.bot.outbox import Outbox
from troly.handlers.app import WebChat
from troly.handlers.web import reply_to_json
from troly.knowledge.index import ProcedureIndex

WEB_USER = "web-session-7"
PDF = b"%PDF-1.7\nthe minutes"


@pytest.fixture
def world(sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex) -> World:
    return World(sessions, index, Clock(datetime(2026, 11, 23, 9, 0, tzinfo=VN)))


async def test_a_staff_photo_goes_to_the_business_by_reference_and_into_the_history(
    world: World,
) -> None:
    await world.roster()
    code = await world.file()
    thread = await world.topic_thread(code)
    await world.sent()
    # 30 MB: Telegram sends it again by file_id, so no download limit applies.
    photo = Attachment("photo", "AgAC-42", size=30 * 1024 * 1024)
    [ok] = await world.staff_say(AGENT, None, thread=thread, attachments=(photo,))
    assert ok.text == "✓ Đã chuyển đến doanh nghiệp."
    [relayed] = await world.sent()
    assert (relayed.recipient, relayed.text) == (
        BUSINESS,
        f"📎 Cán bộ xử lý phản ánh {code} gửi bạn tệp: ảnh",
    )
    assert relayed.choices() == [f"pb:add:{code}"]
    assert relayed.reply.document == Document(
        "anh.jpg",
        b"",
        "image/jpeg",
        ref="telegram:AgAC-42",
        size=30 * 1024 * 1024,
        photo=True,
        owner=f"petition:{code}",
    )
    [status] = await world.say(f"/tracuu {code}")
    assert status.text.endswith("Cán bộ trao đổi")
    petition = await world.petition(code)
    assert petition.status == "in_progress"
    assert petition.attachments[-1]["by"] == "staff"


async def test_chatter_and_files_from_outside_the_roster_are_not_relayed(world: World) -> None:
    await world.roster()
    code = await world.file()
    thread = await world.topic_thread(code)
    await world.sent()
    outsider = await world.staff_say(
        "99", None, thread=thread, attachments=(Attachment("photo", "AgAC-1"),)
    )
    assert outsider == []
    assert await world.sent() == []


class _Fetcher:
    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files

    async def fetch(self, ref: str) -> bytes:
        if ref not in self.files:
            raise FileUnavailable("gone")
        return self.files[ref]


async def _file_on_the_web(chat: WebChat) -> str:
    async def say(text: str | None = None, choice: str | None = None) -> list[Reply]:
        return await chat.handle(Incoming("web", WEB_USER, text=text, choice=choice))

    await say("/phananh")
    await say(choice="pf:topic:thue")
    await say("Hoàn thuế GTGT chậm 2 tháng")
    for step in ("pf:done", "pf:commune:none", "pf:public:0", "pf:consent:0"):
        await say(choice=step)
    [filed] = await say(choice="pf:submit")
    return filed.text.split("Mã theo dõi: ")[1].split()[0]


async def test_on_the_web_chat_a_staff_file_comes_as_a_download_and_a_lost_one_as_a_note(
    world: World,
) -> None:
    await world.roster()
    sources = FileSources()
    sources.register("telegram", _Fetcher({"BQAC-7": PDF}))
    outbox = Outbox(sessions=world.sessions, senders={}, clock=world.clock)
    chat = WebChat(dialogue=world.dialogue, outbox=outbox, index=world.index, files=sources)
    code = await _file_on_the_web(chat)
    thread = await world.topic_thread(code)
    for ref in ("BQAC-7", "BQAC-gone"):
        await world.dialogue.handle(
            Incoming(
                channel="telegram",
                user_id=AGENT,
                text="Biên bản kiểm tra",
                attachments=(
                    Attachment("document", ref, name="bien-ban.pdf", mime_type="application/pdf"),
                ),
                chat_id=GROUP,
                thread=thread,
                display_name="Lan",
            )
        )
    fetched, lost = await chat.pending("web", WEB_USER)
    shown = reply_to_json(fetched)
    assert shown["text"] == f"💬 Cán bộ xử lý phản ánh {code}:\nBiên bản kiểm tra"
    assert shown["document"]["filename"] == "bien-ban.pdf"
    assert base64.b64decode(shown["document"]["data_base64"]) == PDF
    assert lost.document is None
    assert lost.text.endswith(
        "(Không tải được tệp «bien-ban.pdf»; bạn vui lòng liên hệ cán bộ xử lý để nhận tệp.)"
    )
    assert await chat.pending("web", WEB_USER) == []


async def test_the_answer_may_come_as_an_official_letter_in_a_pdf(world: World) -> None:
    await world.roster()
    code = await world.file()
    thread = await world.topic_thread(code)
    await world.staff_press(AGENT, f"ps:answer:{code}", thread=thread)
    await world.sent()
    letter = Attachment(
        "document", "BQAC-9", name="cong-van-tra-loi.pdf", mime_type="application/pdf", size=900
    )
    assert await world.staff_say(AGENT, None, thread=thread, attachments=(letter,)) == []
    to_business = [s for s in await world.sent() if s.recipient == BUSINESS]
    [answer] = to_business
    assert answer.text.startswith(f"📬 Trả lời phản ánh {code}:\n[cong-van-tra-loi.pdf]\n\n")
    assert f"pb:rate:{code}:5" in answer.choices()
    assert answer.reply.document is not None
    assert (answer.reply.document.filename, answer.reply.document.ref) == (
        "cong-van-tra-loi.pdf",
        "telegram:BQAC-9",
    )
    petition = await world.petition(code)
    assert (petition.status, petition.answer) == ("answered", "[cong-van-tra-loi.pdf]")

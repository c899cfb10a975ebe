"""Dossier status by code on the web chat: /hoso, the words, the menu button, errors of the
one-stop system, and following a dossier as the clock moves."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import pytest_asyncio
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from fakes.one_stop_server import FIELDS, KEY, OneStopFake, one_stop_fake
from support import Chat, Clock, choices
from troly.bot.dialogue import Dialogue
from troly.bot.dossiers.follows import DossierFollow, forget_ended_before
from troly.bot.dossiers.model import Lookup
from troly.bot.followups import Followups
from troly.bot.messages import Reply
from troly.bot.outbox import Outbox
from troly.bot.settings import Settings
from troly.bot.settings_problems import SettingsProblem, load_settings
from troly.bot.storage.models import Followup
from troly.bot.wiring import (
    dialogue_prefetch,
    effect_appliers,
    followup_handlers,
    followup_prefetchers,
)
from troly.handlers.one_stop import JsonDossierSource
from troly.knowledge.index import ProcedureIndex

CODE = "000.00.25.H56-241105-0001"
POLL_MINUTES = 120


@dataclass
class Watched:
    """The source as the polls see it, noting whether the writer's lock was held meanwhile."""

    source: JsonDossierSource
    lock: asyncio.Lock
    under_lock: list[bool] = field(default_factory=list)

    async def lookup(self, code: str) -> Lookup:
        self.under_lock.append(self.lock.locked())
        return await self.source.lookup(code)


@dataclass
class World:
    fake: OneStopFake
    chat: Chat
    clock: Clock
    followups: Followups
    outbox: Outbox
    sessions: async_sessionmaker[AsyncSession]
    source: JsonDossierSource
    watched: Watched

    async def poll(self) -> list[Reply]:
        """Moves the clock past the next poll, runs it, and reads what the page would get."""
        await self.outbox.take_pending("web", "an")  # the page got the chat's answers already
        self.clock.advance(minutes=POLL_MINUTES, seconds=1)
        await self.followups.run_due()
        return await self.outbox.take_pending("web", "an")


def _settings(fake: OneStopFake, **extra: object) -> Settings:
    return Settings(
        environment="test",
        dossier_url=fake.url,
        dossier_key=SecretStr(KEY),
        dossier_fields=FIELDS,
        dossier_poll_minutes=POLL_MINUTES,
        dossier_timeout_seconds=0.5,
        **extra,  # type: ignore[arg-type]
    )


@pytest_asyncio.fixture
async def world(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> AsyncIterator[World]:
    async with one_stop_fake() as fake:
        settings = _settings(fake)
        clock = Clock()
        source = JsonDossierSource(settings=settings, monotonic=lambda: clock().timestamp())
        # SQLite's one writer: no lookup, a chat's or a poll's, is made while it is held.
        lock = asyncio.Lock()
        watched = Watched(source, lock)
        dialogue = Dialogue(sessions=sessions, index=index, settings=settings, clock=clock,
                            write_lock=lock, appliers=effect_appliers(settings, dossiers=watched),
                            prefetch=dialogue_prefetch(dossiers=watched))  # fmt: skip
        followups = Followups(sessions=sessions, clock=clock, settings=settings, write_lock=lock,
                              handlers=followup_handlers(settings, dossiers=watched),
                              prefetchers=followup_prefetchers(dossiers=watched))  # fmt: skip
        outbox = Outbox(sessions=sessions, senders={}, clock=clock)
        try:
            yield World(fake, Chat(dialogue), clock, followups, outbox, sessions, source, watched)
        finally:
            await source.close()


async def test_hoso_with_a_code_shows_status_dates_agency_and_what_to_do(world: World) -> None:
    world.fake.put(CODE, "Đang xử lý")
    [card] = await world.chat.say("an", f"/hoso {CODE}")
    assert card.text.splitlines()[:7] == [
        "📂 Tình trạng hồ sơ",
        "",
        f"Mã hồ sơ: {CODE}",
        "Thủ tục: Đăng ký thành lập doanh nghiệp",
        "Trạng thái: Đang xử lý (đang giải quyết)",
        "Ngày tiếp nhận: 05/11/2026",
        "Hẹn trả kết quả: 04/12/2026",
    ]
    assert "Cơ quan giải quyết: Sở Tài chính tỉnh Thanh Hóa" in card.text
    assert "👉 Hồ sơ đang được giải quyết" in card.text
    assert choices(card) == [f"dos:follow:{CODE}"]
    assert world.fake.requests == [CODE]
    assert world.fake.headers_seen[0]["x-api-key"] == KEY


async def test_tracuu_with_a_dossier_code_looks_the_dossier_up(world: World) -> None:
    world.fake.put(CODE, "Đã tiếp nhận")
    [card] = await world.chat.say("an", f"/tracuu {CODE}")
    assert f"Mã hồ sơ: {CODE}" in card.text
    [booking] = await world.chat.say("an", "/tracuu DT-4KQ8ZP")
    assert "Tình trạng hồ sơ" not in booking.text
    assert world.fake.requests == [CODE]


async def test_the_english_alias_answers_in_english(world: World) -> None:
    world.fake.put(CODE, "Yêu cầu bổ sung hồ sơ")
    await world.chat.say("an", "/en")
    [card] = await world.chat.say("an", f"/dossier {CODE}")
    assert "Status: Yêu cầu bổ sung hồ sơ (more documents needed)" in card.text
    assert "👉 The agency asks for more documents" in card.text


async def test_the_words_ask_for_the_code_or_look_it_up_and_questions_stay_questions(
    world: World,
) -> None:
    world.fake.put(CODE, "Đã tiếp nhận")
    [ask] = await world.chat.say("an", "hồ sơ của tôi đến đâu rồi")
    assert ask.text.startswith("Bạn gửi mã hồ sơ nhé")
    [card] = await world.chat.say("an", CODE)
    assert "Trạng thái: Đã tiếp nhận" in card.text
    [card] = await world.chat.say("an", f"tra cứu hồ sơ {CODE}")
    assert f"Mã hồ sơ: {CODE}" in card.text
    [answer] = await world.chat.say("an", "hồ sơ đăng ký thành lập hộ kinh doanh gồm những gì")
    assert "Tình trạng hồ sơ" not in answer.text
    assert world.fake.requests == [CODE, CODE]
    assert world.watched.under_lock == [False, False]


async def test_the_menu_button_asks_for_the_code_and_a_bad_code_is_refused_politely(
    world: World,
) -> None:
    [menu] = await world.chat.say("an", "/menu")
    assert "menu:dossier" in choices(menu)
    [ask] = await world.chat.press("an", "menu:dossier")
    assert ask.text.startswith("Bạn gửi mã hồ sơ nhé")
    [bad] = await world.chat.say("an", "abc/12")
    assert bad.text.startswith("Mã này có vẻ chưa đúng")
    [bad] = await world.chat.say("an", "x" * 41 + "1")
    assert bad.text.startswith("Mã này có vẻ chưa đúng")
    [cancelled] = await world.chat.say("an", "/huy")
    assert cancelled.text.startswith("Đã hủy")
    assert world.fake.requests == []


async def test_an_unknown_code_says_not_found_with_the_portal(world: World) -> None:
    [reply] = await world.chat.say("an", "/hoso 000.00.25.H56-999999-0009")
    assert reply.text.startswith("Không tìm thấy hồ sơ có mã 000.00.25.H56-999999-0009")
    urls = [b.url for b in reply.all_buttons() if b.url]
    assert urls == ["https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html"]


@pytest.mark.parametrize("trouble", ["500", "malformed", "slow", "key"])
async def test_a_failing_system_is_unavailable_and_then_left_alone_for_a_while(
    world: World, trouble: str, caplog: pytest.LogCaptureFixture
) -> None:
    world.fake.put(CODE)
    if trouble == "500":
        world.fake.fail_with = 500
    elif trouble == "malformed":
        world.fake.malformed = True
    elif trouble == "slow":
        world.fake.delay = 1.0  # the test settings wait 0.5 s
    else:
        world.fake.key = "another-key"
    [reply] = await world.chat.say("an", f"/hoso {CODE}")
    assert reply.text.startswith("Hệ thống một cửa điện tử đang không trả lời")
    await world.chat.say("an", f"/hoso {CODE}")
    assert world.fake.requests == [CODE]  # the second question did not wait on it again
    assert "one-stop system unavailable" in caplog.text
    assert KEY not in caplog.text and CODE not in caplog.text


async def test_without_the_setting_hoso_says_where_to_look_it_up(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    settings = Settings(environment="test")
    dialogue = Dialogue(sessions=sessions, index=index, settings=settings, clock=Clock(),
                        appliers=effect_appliers(settings))  # fmt: skip
    [reply] = await Chat(dialogue).say("an", f"/hoso {CODE}")
    assert "Cổng Dịch vụ công quốc gia: https://dichvucong.gov.vn/" in reply.text
    assert reply.all_buttons()[0].url == settings.dossier_lookup_page
    # A «Theo dõi» button left from when the system was connected says the same.
    [again] = await Chat(dialogue).press("an", f"dos:follow:{CODE}")
    assert again.text == reply.text


async def _follows(world: World) -> list[tuple[str, bool]]:
    async with world.sessions() as session:
        rows = await session.execute(select(DossierFollow.code, DossierFollow.active))
        return [(r[0], r[1]) for r in rows]


async def _pending_polls(world: World) -> int:
    async with world.sessions() as session:
        rows = await session.execute(
            select(Followup.id).where(Followup.status == "pending")
            .where(Followup.kind == "dossier.poll")
        )  # fmt: skip
        return len(rows.all())


async def test_a_followed_dossier_tells_each_change_apologises_when_late_and_stops_when_done(
    world: World,
) -> None:
    world.fake.put(CODE, "Đã tiếp nhận")
    [card] = await world.chat.say("an", f"/hoso {CODE}")
    [followed] = await world.chat.press("an", choices(card)[0])
    assert followed.text.startswith(f"🔔 Đã theo dõi hồ sơ {CODE}")
    assert choices(followed) == [f"dos:unfollow:{CODE}"]
    assert await world.poll() == []  # nothing changed

    world.fake.put(CODE, "Đang thẩm định")
    [moved] = await world.poll()
    assert moved.text.startswith(f"🔔 Hồ sơ {CODE} có cập nhật: đang giải quyết.")
    assert moved.notice is not None and moved.notice.kind == "dossier_status"

    world.fake.put(CODE, "Yêu cầu bổ sung hồ sơ")
    [more] = await world.poll()
    assert "cần bổ sung hồ sơ" in more.text
    assert "👉 Cơ quan yêu cầu bổ sung" in more.text

    world.fake.put(CODE, "Đang xử lý", overdue="Quá hạn 1 ngày")
    [late] = await world.poll()
    assert late.text.startswith(f"🔔 Hồ sơ {CODE} đã quá hạn")
    assert "Thành thật xin lỗi Quý doanh nghiệp" in late.text
    assert "Phiếu xin lỗi và hẹn lại ngày trả kết quả" in late.text

    world.fake.put(CODE, "Đang xử lý", overdue="Quá hạn 1 ngày", due="11/12/2026 17:00:00")
    [new_date] = await world.poll()
    assert "Ngày hẹn trả kết quả mới: 11/12/2026" in new_date.text

    world.fake.put(CODE, "Đã trả kết quả", due="11/12/2026 17:00:00")
    [done] = await world.poll()
    assert "đã có kết quả" in done.text
    assert "tôi dừng theo dõi" in done.text
    assert await _follows(world) == [(CODE, False)]
    assert await _pending_polls(world) == 0
    requests = len(world.fake.requests)
    assert await world.poll() == []
    assert len(world.fake.requests) == requests
    # Every lookup (the card, the follow, six polls) was made before a transaction took the
    # writer's lock.
    assert world.watched.under_lock == [False] * 8


async def test_a_late_dossier_is_late_by_its_due_date_too(world: World) -> None:
    world.fake.put(CODE, "Đang xử lý", due="24/11/2026 17:00:00")
    await world.chat.say("an", f"/hoso {CODE}")
    await world.chat.press("an", f"dos:follow:{CODE}")
    assert await world.poll() == []
    world.clock.advance(days=1)
    assert await world.poll() == []  # the due day itself is on time
    world.clock.advance(days=1)
    [late] = await world.poll()
    assert "Thành thật xin lỗi Quý doanh nghiệp" in late.text


async def test_unfollowing_stops_the_polls_and_the_list_offers_it(world: World) -> None:
    world.fake.put(CODE)
    await world.chat.press("an", f"dos:follow:{CODE}")
    [listing, ask] = await world.chat.say("an", "/hoso")
    assert listing.text.splitlines() == ["Các hồ sơ bạn đang theo dõi:", f"• {CODE}"]
    assert choices(listing) == [f"dos:look:{CODE}", f"dos:unfollow:{CODE}"]
    assert ask.text.startswith("Bạn gửi mã hồ sơ nhé")
    [done] = await world.chat.press("an", f"dos:unfollow:{CODE}")
    assert done.text == f"🔕 Đã bỏ theo dõi hồ sơ {CODE}."
    assert await _pending_polls(world) == 0
    world.fake.put(CODE, "Đã trả kết quả")
    assert await world.poll() == []
    # The ended follow (a chat and a code) is deleted by the retention run after 30 days.
    async with world.sessions.begin() as session:
        assert await forget_ended_before(session, before=world.clock.now - timedelta(days=30)) == 0
        assert await forget_ended_before(session, before=world.clock.now) == 1
    assert await _follows(world) == []


async def test_a_system_down_at_poll_time_is_asked_again_at_the_next_poll(world: World) -> None:
    world.fake.put(CODE)
    await world.chat.press("an", f"dos:follow:{CODE}")
    world.fake.put(CODE, "Có kết quả")
    world.fake.fail_with = 503
    assert await world.poll() == []
    assert await _pending_polls(world) == 1
    world.fake.fail_with = None
    [done] = await world.poll()
    assert "đã có kết quả" in done.text


def test_a_field_mapping_without_the_code_or_an_unknown_state_is_refused_with_the_fix() -> None:
    with pytest.raises(SettingsProblem) as refused:
        load_settings(dossier_fields={"status": "x"}, dossier_statuses={"xong": "done"})
    fields, statuses = refused.value.lines
    assert fields.startswith("Cấu hình chưa đúng / bad setting: TROLY_DOSSIER_FIELDS cần đường")
    assert "needs the code's path" in fields
    assert "TROLY_DOSSIER_STATUSES trạng thái phải là" in statuses
    assert "(không biết / unknown: done)" in statuses

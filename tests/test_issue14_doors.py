"""Issue 14 on the web and Telegram doors, in Vietnamese and English: each point of the issue
as a transcript, run once per door and language (the rendering of each door has its own
end-to-end tests: test_telegram_e2e, test_web_app, test_browser_app, test_english_mode)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from petition_world import World
from support import Clock, choices
from troly.bot.messages import Channel, Reply
from troly.bot.texts import t
from troly.knowledge.index import ProcedureIndex

DOORS: list[Channel] = ["web", "telegram"]
SAY = {
    "vi": {
        "question": "đăng ký hộ kinh doanh",
        "fee": "lệ phí bao nhiêu",
        "where": "nộp ở đâu?",
        "online": "có làm online được không",
        "unclear": "gia han giay phep xay dung",
        "second": "cái thứ hai",
        "petition": "phản ánh",
        "book": "đăng ký gặp chủ tịch",
        "look_up": "cho tôi tra cứu pa-7k3m9q với",
        "complaint": "làm ăn kiểu gì mà chậm thế",
        "slow": "hồ sơ của tôi 3 tháng chưa xong",
        "cancel": "thôi",
        "person": "cho tôi gặp cán bộ",
        "dissolve": "giai the cong ty tnhh",
        "more": "cho tôi hỏi thêm về hồ sơ đã gửi",
    },
    "en": {
        "question": "register a household business",
        "fee": "how much is the fee",
        "where": "where do I submit?",
        "online": "can I do it online",
        "unclear": "extend a building permit",
        "second": "number 2",
        "petition": "feedback",
        "book": "book a seat",
        "look_up": "status PA-7K3M9Q",
        "complaint": "this is unacceptable, still waiting",
        "slow": "my application has been stuck for 3 months",
        "cancel": "cancel",
        "person": "talk to a person",
        "dissolve": "dissolve a limited company",
        "more": "I have a question about what I sent",
    },
}
HOUSEHOLD = "1.001612"


def _world(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex, door: Channel
) -> World:
    return World(sessions, index, Clock(), channel=door)


async def _in(world: World, locale: str) -> None:
    if locale == "en":
        await world.say("/en")


def _lead(reply: Reply) -> str:
    """The line after the procedure's name: what the reply leads with."""
    return reply.text.splitlines()[1]


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("locale", ["vi", "en"])
async def test_the_card_fits_a_phone_and_one_question_gets_one_answer_about_it(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex, door: Channel, locale: str
) -> None:
    world = _world(sessions, index, door)
    await _in(world, locale)
    said = SAY[locale]

    [card] = await world.say(said["question"])
    [fee] = await world.say(said["fee"])
    [where] = await world.say(said["where"])
    [online] = await world.say(said["online"])

    # The first card: one phone screen, the buttons for the rest.
    assert card.kind == f"procedure:{HOUSEHOLD}" and len(card.text) <= 700
    assert [c for c in choices(card) if c.startswith("sec:")] == [
        f"sec:{HOUSEHOLD}:docs:0",
        f"sec:{HOUSEHOLD}:steps:0",
        f"sec:{HOUSEHOLD}:legal:0",
    ]
    assert "menu:ask" in choices(card) and any(b.url for b in card.all_buttons())
    # Follow-ups in context, each leading with what was asked, in a few lines.
    assert {fee.kind, where.kind, online.kind} == {f"procedure:{HOUSEHOLD}"}
    assert _lead(fee) == t("card.fee", locale)
    assert t("card.short_agency", locale).split("{")[0] in where.text
    assert _lead(online) == t("card.answer_online_yes", locale)
    assert max(len(where.text), len(online.text)) <= 300
    # The fee keeps the record's notes beside the amounts (HĐND's rule): still one screen.
    assert len(fee.text) <= 700


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("locale", ["vi", "en"])
async def test_a_number_in_words_picks_from_the_choices(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex, door: Channel, locale: str
) -> None:
    world = _world(sessions, index, door)
    await _in(world, locale)

    [offer] = await world.say(SAY[locale]["unclear"])
    second = [c for c in choices(offer) if c.startswith("proc:")][1].split(":")[1]
    [card] = await world.say(SAY[locale]["second"])

    assert (offer.kind, card.kind) == ("choose", f"procedure:{second}")


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("locale", ["vi", "en"])
async def test_words_work_as_well_as_commands(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex, door: Channel, locale: str
) -> None:
    world = _world(sessions, index, door)
    await _in(world, locale)
    said = SAY[locale]

    [menu] = await world.say("menu")
    [petition] = await world.say(said["petition"])
    [cancelled] = await world.say(said["cancel"])
    [looked_up] = await world.say(said["look_up"])
    [sessions_list] = await world.say(said["book"])
    if locale == "en":
        await world.say("/en", user="502")
    [person] = await world.say(said["person"], user="502")

    assert menu.text == t("menu.title", locale) and "menu:petition" in choices(menu)
    assert "pf:topic:thue" in choices(petition)
    # Nothing typed yet: the word cancels at once, saying so.
    assert cancelled.text == t("menu.cancelled_petition", locale)
    assert sessions_list.kind == "booking:sessions"
    assert looked_up.text == t("petition.lookup_none", locale)
    # In office hours, with a staff group: an officer is asked to join the chat.
    assert person.kind == "handoff:waiting"
    assert person.text.startswith(t("handoff.waiting", locale, minutes=5, phone="")[:30])


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("locale", ["vi", "en"])
async def test_a_complaint_is_offered_a_petition_and_an_action_word_keeps_its_meaning(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex, door: Channel, locale: str
) -> None:
    world = _world(sessions, index, door)
    await _in(world, locale)

    [complaint] = await world.say(SAY[locale]["complaint"])
    [slow] = await world.say(SAY[locale]["slow"])
    replies = await world.say(SAY[locale]["dissolve"])
    names = [
        index.kb.get(c.split(":")[1]).name  # type: ignore[union-attr]
        for reply in replies
        for c in [*choices(reply), reply.kind.replace("procedure", "proc")]
        if c.startswith("proc:")
    ]

    assert (complaint.kind, slow.kind) == ("complaint", "complaint")
    assert choices(complaint)[:2] == ["menu:petition", "human"]
    assert any("giải thể" in name.lower() for name in names)
    assert not any("thành lập" in name.lower() for name in names)


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("locale", ["vi", "en"])
async def test_cancelling_a_written_petition_asks_first_and_an_open_one_is_asked_about(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex, door: Channel, locale: str
) -> None:
    world = _world(sessions, index, door)
    await _in(world, locale)
    code = await world.file()

    await world.say(SAY[locale]["petition"])
    await world.press("pf:topic:thue")
    await world.say("Hoàn thuế chậm hai tháng")
    [asked] = await world.say(SAY[locale]["cancel"])
    [done] = await world.press("cancel:yes")
    [open_one] = await world.say(SAY[locale]["more"])

    assert asked.text == t("menu.cancel_confirm_petition", locale)
    assert choices(asked) == ["cancel:yes", "cancel:no"]
    assert done.text == t("menu.cancelled_petition", locale)
    assert open_one.text == t("petition.open_ask", locale, code=code)


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("locale", ["vi", "en"])
async def test_the_session_list_names_the_weekday_and_the_deadline_in_its_language(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex, door: Channel, locale: str
) -> None:
    world = _world(sessions, index, door)
    await _in(world, locale)

    [listed] = await world.say(SAY[locale]["book"])

    expected = {
        "vi": ("14:00 Thứ Năm, 17/12/2026", "Hạn đăng ký: trước 14:00 Thứ Hai, 14/12/2026"),
        "en": ("14:00, Thu 17 Dec 2026", "Register before 14:00, Mon 14 Dec 2026"),
    }[locale]
    assert all(part in listed.text for part in expected)

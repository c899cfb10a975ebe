"""A personal or family matter (divorce, a passport or a criminal record for oneself) is told
politely where to go, never answered with a card; a business's own question on the same words
still goes to the matcher. Transcripts on the web and Telegram doors, in both languages."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from petition_world import World
from support import Clock, choices
from troly.bot.messages import Channel
from troly.bot.texts import t
from troly.knowledge.folding import basic_fold
from troly.knowledge.index import ProcedureIndex
from troly.knowledge.private_matters import PRIVATE_MATTERS, parse_private_matters
from troly.knowledge.vocabulary import VocabularyError

ASKED = {
    "vi": {
        "divorce": "thủ tục ly hôn làm ở đâu",
        "passport": "lam ho chieu o dau",
        "criminal_record": "xin phiếu lý lịch tư pháp của tôi để xin việc",
        "business": "công ty làm hộ chiếu cho nhân viên đi công tác",
    },
    "en": {
        "divorce": "how do I file for divorce",
        "passport": "where do I get a passport",
        "criminal_record": "criminal record certificate for me",
        "business": "passport for our company's employees",
    },
}
SHOWN = {"divorce": None, "passport": "1.001456", "criminal_record": "3.000333"}


@pytest.mark.parametrize("door", ["web", "telegram"])
@pytest.mark.parametrize("locale", ["vi", "en"])
async def test_a_personal_matter_is_told_where_to_go_not_answered_with_a_card(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex, door: Channel, locale: str
) -> None:
    world = World(sessions, index, Clock(), channel=door)
    if locale == "en":
        await world.say("/en")

    for key, shown in SHOWN.items():
        [reply] = await world.say(ASKED[locale][key])

        assert reply.kind == "private"
        assert reply.text == t("remit.private", locale, where=t(f"remit.{key}", locale))
        offered = [c for c in choices(reply) if c.startswith("proc:")]
        assert offered == ([f"proc:{shown}:general"] if shown else [])
        assert "menu:ask" in choices(reply)
        if shown is not None:
            # The record is still there for whoever wants to read it: one tap.
            [card] = await world.press(offered[0])
            assert card.kind == f"procedure:{shown}"

    # A business's own question on the same words is the matcher's.
    [business] = await world.say(ASKED[locale]["business"])
    assert business.kind != "private"


def test_the_words_that_make_a_question_personal() -> None:
    def named(question: str) -> str | None:
        found = PRIVATE_MATTERS.read(basic_fold(question))
        return found.key if found is not None else None

    assert named("Thủ tục ly hôn đơn phương") == "divorce"
    assert named("lam ho chieu cho con") == "passport"
    # A criminal record is personal only when the question says it is the person's own.
    assert named("phiếu lý lịch tư pháp") is None
    assert named("xin ly lich tu phap cho minh") == "criminal_record"
    # A business named anywhere makes it a business's question.
    assert named("Cơ quan nhà nước cần phiếu lý lịch tư pháp của một ứng viên") is None
    assert named("cty can ho chieu cho chuyen gia") is None
    # Neighbouring words of covered records are not caught.
    assert named("đăng ký kết hôn") is None
    assert named("đăng ký thành lập hộ kinh doanh") is None


def test_a_bad_line_is_refused_with_its_file_and_line() -> None:
    with pytest.raises(VocabularyError, match=r"x\.tsv:2: .*not folded"):
        parse_private_matters("matter\tdivorce\nterm\tLy Hôn\n", source="x.tsv")
    with pytest.raises(VocabularyError, match=r"x\.tsv:1: matter 'divorce' has no term"):
        parse_private_matters("matter\tdivorce\nbusiness\tcong ty\n", source="x.tsv")
    with pytest.raises(VocabularyError, match=r"x\.tsv:1: a term line before any matter"):
        parse_private_matters("term\tly hon\n", source="x.tsv")


def test_every_record_a_matter_offers_exists(index: ProcedureIndex) -> None:
    for matter in PRIVATE_MATTERS.matters:
        assert matter.show is None or index.kb.get(matter.show) is not None, matter.key

"""An index built a step at a time (as a worker rebuilds it between questions) is the same
index: it answers every golden and development question exactly as one built at once."""

from __future__ import annotations

import asyncio
from pathlib import Path

from troly.bot.knowledge.slices import in_slices
from troly.knowledge.index import ProcedureIndex
from troly.knowledge.questions import golden_questions, read_questions
from troly.knowledge.records import KnowledgeBase
from troly.knowledge.taught import Taught, TaughtPhrase

DEV_QUESTIONS = Path(__file__).resolve().parents[2] / "shared" / "data" / "dev_questions.jsonl"
TAUGHT = Taught(
    (
        TaughtPhrase("giấy phép bán rượu", code="1.013479", reply_kind=None),
        TaughtPhrase("thời tiết hôm nay thế nào", code=None, reply_kind="small_talk"),
    )
)


def _questions() -> list[str]:
    found = [q.question for q in golden_questions()]
    if DEV_QUESTIONS.is_file():
        found += [q.question for q in read_questions(DEV_QUESTIONS)]
    return found


def _answers(index: ProcedureIndex, questions: list[str]) -> list[tuple[object, ...]]:
    out = []
    for question in questions:
        result = index.search(question)
        out.append(
            (
                question,
                result.decision,
                result.folded,
                tuple((m.code, m.score) for m in result.matches),
                tuple((m.code, m.score) for m in result.choices),
                result.taught,
                result.reply_kind,
                round(index.in_scope(index.scope_evidence(question)), 9),
            )
        )
    return out


async def test_an_index_built_in_slices_answers_exactly_like_one_built_at_once(
    index: ProcedureIndex,
) -> None:
    kb: KnowledgeBase = index.kb
    at_once = ProcedureIndex(kb, taught=TAUGHT)
    turns = 0

    async def other_work() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    beside = asyncio.create_task(other_work())
    try:
        sliced = await in_slices(ProcedureIndex.in_steps(kb, taught=TAUGHT))
    finally:
        beside.cancel()
    questions = _questions()

    assert turns > 100  # the event loop ran other work while the index was built
    assert len(questions) > 100
    assert _answers(sliced, questions) == _answers(at_once, questions)


def test_a_dismantled_index_holds_nothing(index: ProcedureIndex) -> None:
    built = ProcedureIndex(index.kb, everyday={})
    steps = sum(1 for _ in built.dismantled())

    assert steps > 10
    assert (len(built._docs), len(built._contributions), len(built._idf)) == (0, 0, 0)

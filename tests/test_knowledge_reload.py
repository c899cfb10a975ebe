"""Teaching reaches every worker: two runtimes on one database, a teach made through one is
answered by the other after its next knowledge check, an undo takes it back."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from support import Chat, Clock
from troly.bot.knowledge.live import LET_GO_POLL_SECONDS, KnowledgeReloader
from troly.bot.knowledge.taught import TeachProblem, taught_questions, teach, untaught
from troly.bot.settings import Settings
from troly.bot.storage.database import upgrade
from troly.handlers.app import Runtime, build_runtime
from troly.knowledge.index import ProcedureIndex

QUESTION = "giấy phép bán rượu"
MEANT = "1.013479"


async def _workers(url: str, index: ProcedureIndex) -> list[Runtime]:
    settings = Settings(environment="test", database_url=url)
    workers = [build_runtime(settings, index=index, clock=Clock()) for _ in range(2)]
    await upgrade(workers[0].engine)
    return workers


@pytest_asyncio.fixture
async def workers(tmp_path: Path, index: ProcedureIndex) -> AsyncIterator[list[Runtime]]:
    """Two workers of the assistant sharing one SQLite file."""
    found = await _workers(f"sqlite:///{tmp_path / 'troly.db'}", index)
    try:
        yield found
    finally:
        for worker in found:
            await worker.engine.dispose()


async def _teach_on(worker: Runtime, question: str, **answer: str) -> int:
    async with worker.sessions.begin() as session:
        row = await teach(
            session, worker.index, question, by="test@so.gov.vn", now=worker.clock(), **answer
        )
        return row.id


async def _a_teach_on_one_is_answered_by_the_other(workers: list[Runtime]) -> None:
    one, other = workers
    chat = Chat(other.dialogue)
    before = await chat.say("an", QUESTION)
    # Before the teach the question is not answered with the record (declined or offered).
    assert before[0].kind in ("choose", "unknown")

    taught = await _teach_on(one, QUESTION, code=MEANT)
    assert await other.reloader.check() is True
    assert await other.reloader.check() is False  # nothing moved since

    for said in (QUESTION, "giay phep ban ruou", "Giấy phép bán rượu?"):
        replies = await chat.say("an", said)
        assert replies[0].kind == f"procedure:{MEANT}"

    async with one.sessions.begin() as session:
        assert await untaught(session, taught, by="lead@so.gov.vn", now=one.clock()) is True
    assert await other.reloader.check() is True
    again = await chat.say("an", QUESTION)
    assert again[0].kind == before[0].kind


async def test_a_teach_made_on_one_worker_is_answered_by_the_other_and_undone(
    workers: list[Runtime],
) -> None:
    await _a_teach_on_one_is_answered_by_the_other(workers)


@pytest.mark.postgres
async def test_on_postgresql_a_teach_made_on_one_worker_is_answered_by_the_other(
    pg_url: str, index: ProcedureIndex
) -> None:
    found = await _workers(pg_url, index)
    try:
        await _a_teach_on_one_is_answered_by_the_other(found)
    finally:
        for worker in found:
            await worker.engine.dispose()


async def test_a_question_taught_as_small_talk_gets_the_standard_reply(
    workers: list[Runtime],
) -> None:
    one, other = workers
    await _teach_on(one, "bạn tên là gì thế", reply_kind="small_talk")
    await other.reloader.check()

    replies = await Chat(other.dialogue).say("an", "ban ten la gi the")

    assert replies[0].kind == "standard:small_talk"
    assert replies[0].text.startswith("Chào bạn! Tôi là Trợ lý Doanh nghiệp")


async def test_teaching_the_same_words_again_replaces_the_first_teach(
    workers: list[Runtime],
) -> None:
    one, _ = workers
    await _teach_on(one, "bạn tên là gì", reply_kind="small_talk")
    second = await _teach_on(one, "ban ten la gi", reply_kind="out_of_remit")

    async with one.sessions() as session:
        in_force = await taught_questions(session)
        everything = await taught_questions(session, with_undone=True)

    assert [row.id for row in in_force] == [second]
    assert len(everything) == 2
    assert everything[1].undone_by == "test@so.gov.vn"


@pytest.mark.parametrize(
    ("question", "answer", "problem"),
    [
        ("  ", {"code": MEANT}, "teach.empty"),
        (QUESTION, {"code": "9.999999"}, "teach.unknown_code"),
        (QUESTION, {"reply_kind": "weather"}, "teach.unknown_kind"),
        (QUESTION, {}, "teach.code_or_kind"),
        (QUESTION, {"code": MEANT, "reply_kind": "small_talk"}, "teach.code_or_kind"),
    ],
)
async def test_a_teach_that_cannot_be_used_is_refused_with_its_reason(
    workers: list[Runtime], question: str, answer: dict[str, str], problem: str
) -> None:
    with pytest.raises(TeachProblem) as refused:
        await _teach_on(workers[0], question, **answer)
    assert refused.value.key == problem


async def test_a_taught_question_keeps_no_phone_number(workers: list[Runtime]) -> None:
    one, _ = workers
    await _teach_on(one, "gọi 0912 345 678 hỏi bán rượu", code=MEANT)
    async with one.sessions() as session:
        (row,) = await taught_questions(session)
    assert row.question == "gọi [số] hỏi bán rượu"


async def test_an_index_replaced_by_a_reload_is_freed_though_the_worker_froze_it(
    workers: list[Runtime],
) -> None:
    # A worker freezes its index at start so the collector never walks it, and tells its
    # reloader so: each new index is frozen in its turn, and a replaced one must be freed by
    # reference counting alone. A worker given its index (tests, the command line) is not told
    # and never freezes, whatever else in the process froze objects.
    one, other = workers
    frozen = KnowledgeReloader(
        live=other.knowledge, sessions=other.sessions, settings=other.settings, freeze=True
    )
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        await _teach_on(one, QUESTION, code=MEANT)
        assert await other.reloader.check() is True
        assert gc.get_freeze_count() <= before  # frozen objects only leave (freed), none joined
        gc.freeze()  # the index in use, frozen as a worker's is
        replaced = weakref.ref(other.knowledge.current)
        before = gc.get_freeze_count()
        await _teach_on(one, "mở tiệm bán rượu", code=MEANT)
        assert await frozen.check() is True
        await frozen.settled()
        gc.collect()
        assert replaced() is None
        assert gc.get_freeze_count() > before  # the new index is frozen in its turn
        assert other.index.search("mở tiệm bán rượu").taught is True
    finally:
        gc.unfreeze()


async def test_a_replaced_index_still_answers_whoever_holds_it_and_is_freed_after(
    workers: list[Runtime],
) -> None:
    # A question (or a teach's check) that took the index before the swap finishes with it:
    # the replaced index is emptied only once nothing but the reloader holds it.
    one, other = workers
    await _teach_on(one, QUESTION, code=MEANT)
    assert await other.reloader.check() is True
    held = other.knowledge.current  # built by the reloader, held as a question would
    await _teach_on(one, "mở tiệm bán rượu", code=MEANT)
    assert await other.reloader.check() is True
    await other.reloader.settled()

    assert held.search("giay phep xay dungg").folded == "giay phep xay dung"
    assert held.search("mở tiệm bán rượu").taught is False
    assert other.knowledge.current.search("mở tiệm bán rượu").taught is True
    gone = weakref.ref(held)
    del held
    # The reloader looks again every LET_GO_POLL_SECONDS, then empties it in slices.
    for _ in range(200):
        if gone() is None:
            break
        await asyncio.sleep(LET_GO_POLL_SECONDS)
    assert gone() is None


def test_an_index_is_freed_by_reference_counting_alone(index: ProcedureIndex) -> None:
    # No reference cycle (the folder reaches the typo repair through a weak reference): with
    # the collector off, dropping the last reference frees the whole index.
    built = ProcedureIndex(index.kb, everyday={})
    assert built.search("giay phep xay dungg").folded == "giay phep xay dung"  # repair works
    gone = weakref.ref(built)
    was_on = gc.isenabled()
    gc.disable()
    try:
        del built
        assert gone() is None
    finally:
        if was_on:
            gc.enable()

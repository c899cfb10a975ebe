"""How long first answers are, and how often a follow-up is answered about the procedure shown.

1. Over the development questions (the format of ../shared/data/dev_questions.jsonl): the
   length in characters of the reply a question gets when the assistant answers outright, and
   of the first card of each expected procedure (target: p95 ≤ 700); and of the «Ý bạn là…»
   lists (the question and its buttons' labels: what a phone must show at once).
2. Over a small set of two-message conversations (tests/data/follow_up_questions.jsonl: a
   question naming a procedure, then a short follow-up such as "thế còn lệ phí?"): the share
   of follow-ups answered about the first procedure, leading with the asked aspect.

    python3 bench/cards.py [--database-url URL] [DEV.jsonl] [FOLLOW_UPS.jsonl]
    (defaults: ../shared/data/dev_questions.jsonl, tests/data/follow_up_questions.jsonl)

With a database URL (or ``TROLY_DATABASE_URL``) it measures the knowledge the database holds
(the imported records in use and the taught layer), else the bundled one.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from knowledge_index import bench_index, database_url
from troly.bot.answers import card_reply, reply_for
from troly.bot.cards import first_card
from troly.bot.flows.ask import ask
from troly.bot.flows.base import Context, State, Support
from troly.bot.settings import Settings
from troly.bot.texts import t
from troly.knowledge.aspects import Aspect
from troly.knowledge.index import Decision, ProcedureIndex

# What the second line of an answer about one aspect starts with (the first names the procedure).
_LEADS = {
    Aspect.FEE: "card.fee",
    Aspect.TIME: "card.time",
    Aspect.WHERE: "card.where_missing",
    Aspect.AGENCY: "card.short_agency",
    Aspect.ONLINE: "card.answer_online_yes",
    Aspect.DOCUMENTS: "card.documents_title",
    Aspect.STEPS: "card.steps_title",
    Aspect.LEGAL_BASIS: "card.legal",
    Aspect.CONDITIONS: "card.conditions",
}


def percentile(values: list[int], share: float) -> int:
    """The value below which ``share`` of the sorted values fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def lengths(index: ProcedureIndex, path: Path) -> None:
    """Prints the length distribution of the first answers and of the expected first cards."""
    questions = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
    replies: list[int] = []
    cards: list[int] = []
    for q in questions:
        result = index.search(q["question"])
        if result.decision is Decision.ANSWER:
            replies.append(len(reply_for(result, "vi").text))
        for code in q["expected"]:
            procedure = index.kb.get(code)
            if procedure is not None:
                cards.append(len(first_card(procedure, "vi")))
                cards.append(len(card_reply(procedure, Aspect.GENERAL, "en").text))
    for name, values in (("replies answered outright", replies), ("first cards (vi+en)", cards)):
        print(
            f"{name:28s} n={len(values):3d} median {percentile(values, 0.5)} "
            f"p95 {percentile(values, 0.95)} max {max(values)} "
            f"over 700: {sum(v > 700 for v in values)}"
        )
    choice_lists(index, questions)


def choice_lists(index: ProcedureIndex, questions: list[dict[str, object]]) -> None:
    """Prints how much of a phone a «Ý bạn là…» list takes: its text and its buttons' labels."""
    shown: list[int] = []
    labels: list[int] = []
    for q in questions:
        result = index.search(str(q["question"]))
        if result.decision is not Decision.CHOOSE or not result.choices:
            continue
        reply = reply_for(result, "vi")
        own = [len(b.label) for b in reply.all_buttons()]
        shown.append(len(reply.text) + sum(own))
        labels.extend(own)
    if shown:
        print(
            f"{'choice lists (text+labels)':28s} n={len(shown):3d} median "
            f"{percentile(shown, 0.5)} p95 {percentile(shown, 0.95)} max {max(shown)}; "
            f"longest label {max(labels)}"
        )


def _is_about(reply_text: str, kind: str, code: str, aspect: Aspect, locale: str) -> bool:
    if kind != f"procedure:{code}":
        return False
    lead = t(_LEADS[aspect], locale).split("{")[0].strip()
    lines = reply_text.splitlines()
    head = "\n".join(lines[:3])
    return bool(lead) and lead in head


def follow_ups(index: ProcedureIndex, path: Path) -> None:
    """Prints the share of follow-ups answered about the procedure just shown."""
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
    settings = Settings()
    ctx = Context(
        index=index,
        now=datetime.now(UTC),
        max_question_chars=settings.max_question_chars,
        support=Support(phone="", hours="", place=""),
        settings=settings,
    )
    in_context = 0
    for row in rows:
        locale = row.get("locale", "vi")
        first = ask(State(locale=locale), row["first"], ctx)
        code = str(first.state.draft.get("last_code", ""))
        then = ask(first.state, row["then"], ctx)
        reply = then.replies[0]
        ok = bool(code) and _is_about(reply.text, reply.kind, code, Aspect(row["asks"]), locale)
        in_context += ok
        if not ok:
            print(f"  not in context: {row['first']!r} → {row['then']!r} ({reply.kind})")
    share = in_context / max(len(rows), 1)
    print(f"follow-ups answered in context: {in_context}/{len(rows)} ({share:.2f})")


def main(argv: list[str]) -> int:
    url, args = database_url(argv)
    dev = Path(args[0] if args else "../shared/data/dev_questions.jsonl")
    sets = Path(args[1] if len(args) > 1 else "tests/data/follow_up_questions.jsonl")
    index = bench_index(url)
    lengths(index, dev)
    follow_ups(index, sets)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

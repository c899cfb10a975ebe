"""Turns a knowledge-base search into what the user sees, and logs every question asked.

The log keeps the folded question, the best code and score, the decision and the time, and
nothing about who asked; phone numbers, tax codes and e-mail addresses are masked first.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot.cards import render_card
from troly.bot.messages import Button, Reply
from troly.bot.storage.models import QuestionLog
from troly.bot.texts import t
from troly.knowledge.aspects import Aspect
from troly.knowledge.folding import basic_fold
from troly.knowledge.index import Decision, ProcedureIndex, SearchResult
from troly.knowledge.records import Procedure

MAX_CHOICE_LABEL = 60
MASKED_NUMBER = "[số]"
MASKED_EMAIL = "[email]"
# A procedure code (1.001234) is kept; a run of 9 or more digits, with single spaces, dots or
# hyphens between them and perhaps +84 before, is a phone number or a tax code.
_PERSONAL = re.compile(
    r"(?P<procedure>(?<![\d.])\d\.\d{6}(?![\d.]))"
    r"|(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)"
    r"|(?P<number>(?:\+\s?84[\s.\-]?)?(?<!\d)\d(?:[\s.\-]?\d){8,}(?!\d))"
)
_MASKS = {"email": MASKED_EMAIL, "number": MASKED_NUMBER}


def mask_personal(text: str) -> str:
    """The text with phone numbers and tax codes as ``[số]``, e-mail addresses as ``[email]``."""
    return _PERSONAL.sub(lambda m: _MASKS.get(m.lastgroup or "", m.group(0)), text)


def logged_text(result: SearchResult) -> str:
    """What the question log keeps of a question: the folded text, personal numbers masked."""
    masked = mask_personal(result.question)
    if masked == result.question:
        return result.folded[:1000]
    # The folded form loses the "@" and joins nothing: fold the text around the masks instead.
    parts = re.split(f"({re.escape(MASKED_NUMBER)}|{re.escape(MASKED_EMAIL)})", masked)
    kept = (p if p in (MASKED_NUMBER, MASKED_EMAIL) else basic_fold(p) for p in parts)
    return " ".join(p for p in kept if p)[:1000]


def log_question(
    session: AsyncSession, result: SearchResult, *, channel: str, now: datetime
) -> None:
    """Adds the question's log row to the session (the caller's transaction commits it)."""
    best = result.best
    session.add(
        QuestionLog(
            asked_at=now,
            channel=channel,
            folded=logged_text(result),
            aspect=result.aspect.value,
            decision=result.decision.value,
            best_code=best.code if best else None,
            best_score=result.best_score,
        )
    )


async def forget_questions_before(session: AsyncSession, *, before: datetime) -> int:
    """Deletes the questions logged before ``before``; returns how many."""
    result = await session.execute(delete(QuestionLog).where(QuestionLog.asked_at < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def search_and_log(
    session: AsyncSession,
    index: ProcedureIndex,
    question: str,
    *,
    channel: str,
    now: datetime,
    k: int = 3,
) -> SearchResult:
    """Searches the knowledge base and logs the question in the same transaction."""
    result = index.search(question, k=k)
    log_question(session, result, channel=channel, now=now)
    return result


def choice_label(name: str) -> str:
    """A button label for a procedure name, short enough for a phone."""
    name = " ".join(name.split())
    return name if len(name) <= MAX_CHOICE_LABEL else name[: MAX_CHOICE_LABEL - 1] + "…"


def reply_for(result: SearchResult, locale: str) -> Reply:
    """The reply to a question: the card, the choices, or "I don't know" with a person."""
    if result.decision is Decision.ANSWER and result.best is not None:
        return card_reply(result.best.procedure, result.aspect, locale)
    if result.decision is Decision.CHOOSE and result.choices:
        lines = [t("ask.choose", locale)]
        rows = []
        for number, match in enumerate(result.choices, start=1):
            p = match.procedure
            lines.append(t("ask.choice_line", locale, number=number, name=p.name, code=p.code))
            label = f"{number}. {choice_label(p.name)}"
            rows.append((Button(label, choice=f"proc:{p.code}:{result.aspect.value}"),))
        rows.append((Button(t("button.none_of_these", locale), choice="human"),))
        return Reply("\n".join(lines), buttons=tuple(rows), kind="choose")
    return Reply(
        t("ask.unknown", locale),
        buttons=((Button(t("button.talk_to_person", locale), choice="human"),),),
        kind="unknown",
    )


def card_reply(
    procedure: Procedure, aspect: Aspect, locale: str, *, all_documents: bool = False
) -> Reply:
    """A procedure's card with the buttons for its other aspects."""
    return Reply(
        render_card(procedure, aspect=aspect, locale=locale, all_documents=all_documents),
        buttons=aspect_buttons(procedure.code, locale),
        kind=f"procedure:{procedure.code}",
    )


def aspect_buttons(code: str, locale: str) -> tuple[tuple[Button, ...], ...]:
    """Buttons under a card: the other aspects, and "not what I meant"."""
    return (
        (
            Button(t("button.documents", locale), choice=f"docs:{code}"),
            Button(t("button.time", locale), choice=f"asp:{code}:{Aspect.TIME.value}"),
        ),
        (
            Button(t("button.fee", locale), choice=f"asp:{code}:{Aspect.FEE.value}"),
            Button(t("button.where", locale), choice=f"asp:{code}:{Aspect.WHERE.value}"),
        ),
        (Button(t("button.not_this", locale), choice="human"),),
    )

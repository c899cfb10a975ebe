"""Turns a knowledge-base search into what the user sees, and logs every question asked.

The log keeps the folded question, the best code and score, the decision and the time, and
nothing about who asked; phone numbers, tax codes and e-mail addresses are masked first.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot.cards import (
    SECTION_OF_ASPECT,
    Section,
    aspect_text,
    first_card,
    render_card,
    section_page,
)
from troly.bot.choice_labels import ELLIPSIS, short_labels
from troly.bot.messages import Button, Reply
from troly.bot.province.details import ProvinceDetails
from troly.bot.storage.models import QuestionLog
from troly.bot.texts import t
from troly.knowledge.aspects import Aspect
from troly.knowledge.folding import basic_fold
from troly.knowledge.index import Decision, ProcedureIndex, SearchResult
from troly.knowledge.records import Procedure

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
    session.add(QuestionLog(**log_row(result, channel=channel, now=now)))


async def write_log(
    session: AsyncSession, result: SearchResult, *, channel: str, now: datetime
) -> None:
    """Writes the question's log row at once, on the session's connection.

    One statement without the unit of work: the dialogue's way, on every question.
    """
    db = await session.connection()
    await db.execute(_INSERT_LOG, log_row(result, channel=channel, now=now))


_LOG_TABLE: Table = QuestionLog.__table__  # type: ignore[assignment]
_INSERT_LOG = insert(_LOG_TABLE)


def log_row(result: SearchResult, *, channel: str, now: datetime) -> dict[str, Any]:
    """The columns of a question's log row: the folded question, never who asked."""
    best = result.best
    return {
        "asked_at": now,
        "channel": channel,
        "folded": logged_text(result),
        "aspect": result.aspect.value,
        "decision": result.decision.value,
        "best_code": best.code if best else None,
        "best_score": result.best_score,
    }


async def forget_questions_before(session: AsyncSession, *, before: datetime) -> int:
    """Deletes the questions logged before ``before``; returns how many."""
    result = await session.execute(delete(QuestionLog).where(QuestionLog.asked_at < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def record_pick(session: AsyncSession, *, folded: str, code: str, channel: str) -> None:
    """Marks the newest matching question answered with choices as resolved by ``code``."""
    newest = (
        select(func.max(QuestionLog.id))
        .where(QuestionLog.folded == folded)
        .where(QuestionLog.channel == channel)
        .where(QuestionLog.decision == Decision.CHOOSE.value)
        .scalar_subquery()
    )
    await session.execute(
        update(QuestionLog).where(QuestionLog.id == newest).values(picked_code=code)
    )


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


def reply_for(
    result: SearchResult, locale: str, *, details: ProvinceDetails | None = None
) -> Reply:
    """The reply to a question: the card, the choices, or "I don't know" with a person."""
    if result.decision is Decision.ANSWER and result.best is not None:
        return card_reply(result.best.procedure, result.aspect, locale, details=details)
    if result.reply_kind is not None:
        return standard_reply(result.reply_kind, locale)
    if result.decision is Decision.CHOOSE and result.choices:
        # Each name once, on its button, by what tells it apart; the shared words above.
        procedures = [match.procedure for match in result.choices]
        # Two records of one name: told apart by their level, else who decides, else the code.
        apart = [
            (", ".join(p.level_names).lower() or p.code, p.authority or p.code, p.code)
            for p in procedures
        ]
        short = short_labels([p.name for p in procedures], apart=apart)
        if short.lead:
            text = t("ask.choose_lead", locale, lead=short.lead)
        else:
            text = t("ask.choose", locale)
        rows = []
        for number, (match, label) in enumerate(zip(result.choices, short.labels, strict=True), 1):
            shown = f"{number}. {ELLIPSIS} {label}" if short.lead else f"{number}. {label}"
            choice = f"proc:{match.procedure.code}:{result.aspect.value}"
            rows.append((Button(shown, choice=choice),))
        rows.append((Button(t("button.none_of_these", locale), choice="human"),))
        return Reply(text, buttons=tuple(rows), kind="choose")
    return Reply(
        t("ask.unknown", locale),
        buttons=((Button(t("button.talk_to_person", locale), choice="human"),),),
        kind="unknown",
    )


def standard_reply(kind: str, locale: str) -> Reply:
    """The standard reply staff chose for a question that is not about a procedure.

    ``kind``: out of the province's remit, one for the service center, or small talk.
    """
    if kind == "small_talk":
        buttons = ((Button(t("menu.ask", locale), choice="menu:ask"),),)
    else:
        buttons = ((Button(t("button.talk_to_person", locale), choice="human"),),)
    return Reply(t(f"standard.{kind}", locale), buttons=buttons, kind=f"standard:{kind}")


def card_reply(
    procedure: Procedure,
    aspect: Aspect,
    locale: str,
    *,
    all_documents: bool = False,
    details: ProvinceDetails | None = None,
) -> Reply:
    """The answer about a procedure: the first card, one aspect, or a section's first page.

    ``all_documents`` gives the whole procedure at once (its web page, the terminal).
    """
    p = procedure
    if all_documents:
        text = render_card(p, aspect=aspect, locale=locale, all_documents=True, details=details)
        return Reply(text, buttons=card_buttons(p, locale), kind=f"procedure:{p.code}")
    section = SECTION_OF_ASPECT.get(aspect)
    if section is not None:
        return page_reply(p, section, 0, locale)
    if aspect is Aspect.GENERAL:
        text = first_card(p, locale, details=details)
        return Reply(text, buttons=card_buttons(p, locale), kind=f"procedure:{p.code}")
    return Reply(
        aspect_text(p, aspect, locale, details=details),
        buttons=card_buttons(p, locale, shown=aspect.value),
        kind=f"procedure:{p.code}",
    )


def page_reply(procedure: Procedure, section: Section, page: int, locale: str) -> Reply:
    """A page of the documents, the steps or the legal basis, with «Xem tiếp» when more follow."""
    text, pages = section_page(procedure, section, page, locale)
    page = min(max(page, 0), pages - 1)
    more: tuple[tuple[Button, ...], ...] = ()
    if page + 1 < pages:
        more = (
            (
                Button(
                    t("button.more", locale),
                    choice=f"sec:{procedure.code}:{section.value}:{page + 1}",
                ),
            ),
        )
    buttons = more + card_buttons(procedure, locale, shown=section.value)
    return Reply(text, buttons=buttons, kind=f"procedure:{procedure.code}")


_QUICK = (
    (Aspect.TIME, "button.time"),
    (Aspect.FEE, "button.fee"),
    (Aspect.WHERE, "button.where"),
)
_SECTIONS = (
    (Section.DOCUMENTS, "button.documents"),
    (Section.STEPS, "button.steps"),
    (Section.LEGAL, "button.legal"),
)


def card_buttons(
    procedure: Procedure, locale: str, *, shown: str = Aspect.GENERAL.value
) -> tuple[tuple[Button, ...], ...]:
    """Buttons under an answer: the parts not shown yet, the portal, another procedure.

    At most five (six with «Xem tiếp»): as many as a Zalo message shows as buttons.
    """
    code = procedure.code
    online = (
        Button(t("button.online", locale), url=procedure.source_url)
        if procedure.online and procedure.source_url
        else None
    )
    sections = [
        Button(t(key, locale), choice=f"sec:{code}:{section.value}:0")
        for section, key in _SECTIONS
        if section.value != shown
    ]
    summary = Button(t("button.summary", locale), choice=f"asp:{code}:general")
    if shown == Aspect.GENERAL.value:
        first = [*sections, *([online] if online else [])]
    elif shown in {s.value for s in Section}:
        first = [summary, *sections]
    else:
        quick = [
            Button(t(key, locale), choice=f"asp:{code}:{aspect.value}")
            for aspect, key in _QUICK
            if aspect.value != shown
            and not (shown == Aspect.AGENCY.value and aspect is Aspect.WHERE)
        ]
        if shown == Aspect.ONLINE.value and online:
            quick.insert(0, online)
        first = [summary, *quick, sections[0]][:4]
    first.append(Button(t("button.other_procedure", locale), choice="menu:ask"))
    return tuple(tuple(first[i : i + 2]) for i in range(0, len(first), 2))

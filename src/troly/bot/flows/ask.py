"""The ask flow: a question goes to the knowledge base; the card, choices or "I don't know".

Pure: the search is done through the index in the context; logging is returned as an effect.
"""

from __future__ import annotations

from dataclasses import replace

from troly.bot.answers import card_reply, logged_text, page_reply, reply_for
from troly.bot.cards import Section
from troly.bot.flows.base import Context, LogQuestion, Outcome, State, picked_from_choices
from troly.bot.flows.handoff import remember_question
from troly.bot.follow_up import follow_up_aspect, picked_number
from troly.bot.messages import Button, Reply
from troly.bot.province.center import center_reply
from troly.bot.province.details import details_from
from troly.bot.texts import t
from troly.knowledge.aspects import Aspect
from troly.knowledge.center_questions import CenterQuestion, center_question
from troly.knowledge.folding import basic_fold
from troly.knowledge.index import Decision
from troly.knowledge.private_matters import PrivateMatter, private_matter


def ask(state: State, text: str, ctx: Context) -> Outcome:
    """Answers a free-text question, or the asked aspect of the procedure just shown."""
    locale = state.locale
    text = text.strip()
    if not text:
        return Outcome(state, (Reply(t("ask.empty", locale)),))
    if len(text) > ctx.max_question_chars:
        limit = ctx.max_question_chars
        return Outcome(state, (Reply(t("ask.too_long", locale, length=len(text), limit=limit)),))
    last_code = state.draft.get("last_code")
    choices = state.draft.get("choices")
    picked = picked_number(text) if isinstance(choices, list) else None
    if isinstance(choices, list) and picked is not None and picked <= len(choices):
        chosen = _aspect(state.draft.get("choice_aspect"))
        code = str(choices[picked - 1])
        shown = show_procedure(state, code, chosen, ctx)
        return Outcome(shown.state, shown.replies, picked_from_choices(state, code))
    # "giờ làm việc của trung tâm hành chính công" is about the center, not a procedure; a
    # bare "ở đâu?" after a card is about that procedure.
    about_center = center_question(basic_fold(text))
    asked = follow_up_aspect(text)
    if about_center is not None and (about_center.named or not isinstance(last_code, str)):
        return _center(state, about_center, ctx)
    # "thủ tục ly hôn" is a family's matter, not a business's: where to go, not a card.
    matter = private_matter(basic_fold(text))
    if matter is not None:
        return _private(state, matter, ctx)
    # A short follow-up ("thế còn lệ phí?") is about the procedure just shown.
    if isinstance(last_code, str) and asked is not None:
        return show_procedure(state, last_code, asked, ctx)
    if asked is not None:
        # Only a part is named and no procedure is being discussed: which one, not a guess.
        return Outcome(state, (Reply(t("ask.which_procedure", locale)),))
    result = ctx.index.search(text)
    effects = (LogQuestion(result),)
    if result.aspect_only:
        if isinstance(last_code, str):
            follow_up = show_procedure(state, last_code, result.aspect, ctx)
            return Outcome(follow_up.state, follow_up.replies, effects)
        return Outcome(state, (Reply(t("ask.which_procedure", locale)),), effects)
    reply = reply_for(result, locale, details=ctx.details)
    # An unanswered question is carried into a petition if the user asks for a person.
    keep = ctx.settings.handoff_recent_questions if ctx.settings is not None else 3
    recent = remember_question(state.draft, text, keep)
    # A new question ends the talk about the procedure before it, and its choices.
    draft = {k: v for k, v in state.draft.items() if k not in _CONTEXT_KEYS}
    new_state = replace(state, draft={**draft, "last_question": text, "recent_questions": recent})
    if result.decision is Decision.ANSWER and result.best is not None:
        draft.pop("last_question", None)
        new_state = replace(
            state, draft={**draft, "last_code": result.best.code, "recent_questions": recent}
        )
    elif result.decision is Decision.CHOOSE and result.choices:
        new_state = new_state.with_draft(
            choices=[m.code for m in result.choices],
            choice_aspect=result.aspect.value,
            choice_folded=logged_text(result),
        )
    return Outcome(new_state, (reply,), effects)


_CONTEXT_KEYS = ("last_code", "choices", "choice_aspect", "choice_folded")


def _center(state: State, question: CenterQuestion, ctx: Context) -> Outcome:
    """Answers from the province's details; the talk about a procedure ends here."""
    details = ctx.details
    if details is None and ctx.settings is not None:
        details = details_from(ctx.settings)
    if details is None:
        return Outcome(state, (Reply(t("ask.unknown", state.locale)),))
    support = ctx.support.in_locale(state.locale)
    reply = center_reply(question, details, state.locale, phone=support.phone, hours=support.hours)
    draft = {k: v for k, v in state.draft.items() if k not in _CONTEXT_KEYS}
    return Outcome(replace(state, draft=draft), (reply,))


def _private(state: State, matter: PrivateMatter, ctx: Context) -> Outcome:
    """Says politely that a personal matter is not a business's, and where to go.

    The record a person may still want to read is a button. The talk about a procedure ends.
    """
    locale = state.locale
    text = t("remit.private", locale, where=t(f"remit.{matter.key}", locale))
    rows: list[tuple[Button, ...]] = []
    if matter.show is not None and ctx.index.kb.get(matter.show) is not None:
        shown = Button(t("remit.show_record", locale), choice=f"proc:{matter.show}:general")
        rows.append((shown,))
    rows.append((Button(t("menu.ask", locale), choice="menu:ask"),))
    draft = {k: v for k, v in state.draft.items() if k not in _CONTEXT_KEYS}
    reply = Reply(text, buttons=tuple(rows), kind="private")
    return Outcome(replace(state, draft=draft), (reply,))


def _aspect(value: object) -> Aspect:
    try:
        return Aspect(str(value))
    except ValueError:
        return Aspect.GENERAL


def show_procedure(
    state: State, code: str, aspect: Aspect, ctx: Context, *, all_documents: bool = False
) -> Outcome:
    """Shows a procedure's card (from a button, a deep link or a follow-up question)."""
    procedure = ctx.index.kb.get(code)
    if procedure is None:
        return Outcome(state, (Reply(t("ask.expired_choice", state.locale)),))
    reply = card_reply(
        procedure, aspect, state.locale, all_documents=all_documents, details=ctx.details
    )
    return Outcome(state.with_draft(last_code=code), (reply,))


def show_section(state: State, code: str, section: Section, page: int, ctx: Context) -> Outcome:
    """Shows a page of a procedure's documents, steps or legal basis (from a button)."""
    procedure = ctx.index.kb.get(code)
    if procedure is None:
        return Outcome(state, (Reply(t("ask.expired_choice", state.locale)),))
    reply = page_reply(procedure, section, page, state.locale)
    return Outcome(state.with_draft(last_code=code), (reply,))

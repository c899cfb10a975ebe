"""The petition flow: from the topic to the confirmed summary, then the tracking code.

Topic, description, files, commune, public or not, consent, identity, a summary to confirm
or edit; the code is written by the ``SubmitPetition`` applier (it exists only once the row
does).

Pure: ``start`` and the handlers below return an ``Outcome``; no database, no clock.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from troly.bot import localised
from troly.bot.flows import identity, menu, words
from troly.bot.flows.base import Context, Outcome, State, typed_button
from troly.bot.messages import Button, Incoming, Reply
from troly.bot.petitions.communes import (
    LETTER_PAGE,
    commune_by_code,
    find_communes,
    initials,
    with_initial,
)
from troly.bot.petitions.effects import SubmitPetition
from troly.bot.province.details import commune_examples
from troly.bot.settings import Settings
from troly.bot.texts import t
from troly.bot.topics import TOPIC_KEYS, topic_buttons, topic_label
from troly.knowledge.index import Decision

FLOW = "petition"
PREFIX = "pf"
DEFAULT_MAX_CHARS = 2000
DEFAULT_MAX_FILES = 5
MIN_DESCRIPTION = 10
"""Characters a description needs at least: "ab" says nothing an officer could act on."""
FILELESS_CHANNELS = frozenset({"cli"})
"""Doors through which a user cannot send a file: there the flow neither asks nor invites one."""
CARRIED = "carried_files"
"""Draft key: files a business sent for an officer nobody took, kept for its petition."""
FILED = "petition_filed"
"""Left in the idle draft by «Gửi», so a second tap on it is told the petition went."""


class Step(StrEnum):
    """Where the petition flow is waiting."""

    TOPIC = "topic"
    DESCRIPTION = "description"
    FILES = "files"
    COMMUNE = "commune"
    PUBLIC = "public"
    CONSENT = "consent"
    NAME = "name"
    TAX_CODE = "tax_code"
    PHONE = "phone"
    CONFIRM = "confirm"


_EDITABLE = (Step.TOPIC, Step.DESCRIPTION, Step.FILES, Step.COMMUNE, Step.PUBLIC, Step.CONSENT)
_IDENTITY = (Step.NAME, Step.TAX_CODE, Step.PHONE)
"""Given with consent, each is corrected alone: a new phone number does not re-ask the rest."""


def _limits(ctx: Context) -> tuple[int, int]:
    s = ctx.settings
    if s is None:
        return DEFAULT_MAX_CHARS, DEFAULT_MAX_FILES
    return s.petition_max_description_chars, s.petition_max_attachments


def takes_files(ctx: Context) -> bool:
    """Whether the user's door can send files (the terminal cannot)."""
    return ctx.channel not in FILELESS_CHANNELS


def file_room(state: State, ctx: Context) -> int | None:
    """How many more files the step waiting now takes (0: all it takes; None: it takes none)."""
    if state.flow != FLOW or state.step not in (Step.DESCRIPTION, Step.FILES):
        return None
    if not takes_files(ctx):
        return None
    return max(_limits(ctx)[1] - len(state.draft.get("attachments") or []), 0)


def prompt_key(key: str, ctx: Context) -> str:
    """The text ``key``, or its wording without files (``web.<key>``) on a file-less door."""
    return key if takes_files(ctx) else "web." + key.replace(".", "_")


def _province(ctx: Context) -> str:
    if ctx.settings is not None:
        return ctx.settings.province
    return str(Settings.model_fields["province"].default)


def _province_named(ctx: Context, locale: str) -> str:
    """The province as a sentence names it ("tỉnh Thanh Hóa", "Thanh Hoa Province")."""
    if ctx.settings is None:
        return "tỉnh Thanh Hóa" if locale == "vi" else "Thanh Hoa Province"
    return localised.province(ctx.settings, locale, in_sentence=True)


def _go(state: State, step: Step, **draft: Any) -> State:
    return State(FLOW, step.value, {**state.draft, **draft}, state.locale)


def start(
    state: State,
    ctx: Context,
    *,
    question: str | None = None,
    files: list[dict[str, Any]] | None = None,
) -> Outcome:
    """Starts a petition; an unanswered question becomes its first description.

    So does what the business wrote for an officer nobody could take, with its ``files``.
    """
    locale = state.locale
    carried = (question or "").strip()
    draft: dict[str, Any] = {"attachments": list(files or [])[: _limits(ctx)[1]]}
    if carried:
        draft["description"] = carried
    new_state = State(FLOW, Step.TOPIC.value, draft, locale)
    key = "petition.intro_carried" if carried else "petition.intro"
    s = ctx.support.in_locale(locale)
    intro = ctx.say(key, locale, question=carried, phone=s.phone, hours=s.hours)
    return Outcome(new_state, (Reply(intro, topic_buttons(f"{PREFIX}:topic:", locale)),))


def start_from_draft(state: State, ctx: Context) -> Outcome:
    """Starts a petition carrying what the conversation kept (question, files).

    That is the last unanswered question, or what was written for an officer nobody could
    take, and the files sent with it.
    """
    question = state.draft.get("last_question")
    files = state.draft.get(CARRIED)
    return start(
        state,
        ctx,
        question=question if isinstance(question, str) else None,
        files=[dict(f) for f in files] if isinstance(files, list) else None,
    )


def on_choice(state: State, payload: str, ctx: Context) -> Outcome:
    """A button of the flow (``pf:<what>:<value>``)."""
    if state.flow != FLOW:
        if payload == "submit" and state.draft.get(FILED):
            # A second tap on «Gửi»: the petition went with the first, once.
            return Outcome(state, (Reply(t("petition.already_filed", state.locale)),))
        return _expired(state, ctx)
    what, _, value = payload.partition(":")
    step = state.step
    if what == "topic" and value in TOPIC_KEYS and step == Step.TOPIC:
        return _after(state.with_draft(topic=value), Step.TOPIC, ctx)
    if what == "keep" and step == Step.DESCRIPTION and state.draft.get("description"):
        return _after(state, Step.DESCRIPTION, ctx)
    if what == "done" and step == Step.FILES:
        return _after(state, Step.FILES, ctx)
    if what == "commune" and step == Step.COMMUNE:
        if value == "none":
            return _after(state.with_draft(commune_code=None, commune_name=None), Step.COMMUNE, ctx)
        commune = commune_by_code(_province(ctx), value)
        if commune is None:
            return _expired(state, ctx)
        chosen = state.with_draft(commune_code=commune.code, commune_name=commune.name)
        return _after(chosen, Step.COMMUNE, ctx)
    if what == "letters" and step == Step.COMMUNE:
        return Outcome(state, (_letters(state.locale, ctx),))
    if what == "letter" and step == Step.COMMUNE:
        letter, _, page = value.partition(":")
        return Outcome(state, (_by_letter(state.locale, ctx, letter, page),))
    if what == "public" and step == Step.PUBLIC and value in ("0", "1"):
        return _after(state.with_draft(public=value == "1"), Step.PUBLIC, ctx)
    if what == "consent" and step == Step.CONSENT and value in ("0", "1"):
        if value == "0":
            # Silence or "no" is not consent: nothing personal is kept (Luật 91/2025/QH15).
            anonymous = state.with_draft(
                consent=False, business_name=None, tax_code=None, phone=None
            )
            return _confirm(anonymous, ctx, note=t("petition.anonymous", state.locale))
        return _ask(_go(state.with_draft(consent=True), Step.NAME), ctx)
    if what == "skip" and step == Step.TAX_CODE:
        return _identity_given(state.with_draft(tax_code=None), Step.PHONE, ctx)
    if what == "submit" and step == Step.CONFIRM:
        filed = state.idle().with_draft(**{FILED: True})
        return Outcome(filed, (), (SubmitPetition(dict(state.draft)),))
    if what == "edit" and step == Step.CONFIRM:
        if not value:
            return Outcome(state, (_edit_menu(state, ctx),))
        if value in {s.value for s in _editable(state, ctx)}:
            return _ask(_go(state, Step(value), editing=True), ctx)
    return _expired(state, ctx)


MAX_CAPTION = 500


def on_text(state: State, incoming: Incoming, ctx: Context) -> Outcome:
    """Free text (and files) while the flow waits for an answer."""
    locale = state.locale
    text = (incoming.text or "").strip()
    step = state.step
    max_chars, max_files = _limits(ctx)
    if incoming.attachments and step in (Step.DESCRIPTION, Step.FILES):
        files = list(state.draft.get("attachments", []))
        room = max_files - len(files)
        # A caption sent with a file at the files step belongs to that file (at the
        # description step it is the description).
        caption = text[:MAX_CAPTION] if text and step == Step.FILES else None
        added = [
            {"kind": a.kind, "ref": a.ref, "name": a.name, "mime_type": a.mime_type}
            | ({"caption": caption} if caption else {})
            for a in incoming.attachments[: max(room, 0)]
        ]
        files.extend(added)
        with_files = state.with_draft(attachments=files)
        if step == Step.DESCRIPTION and text:
            with_files = with_files.with_draft(description=text)
            return _after(with_files, Step.DESCRIPTION, ctx)
        key = (
            "petition.files_full"
            if len(added) < len(incoming.attachments)
            else "petition.file_added"
        )
        reply = Reply(
            t(key, locale, count=len(files), limit=max_files),
            ((Button(t("petition.files_done", locale), choice=f"{PREFIX}:done"),),),
        )
        if step == Step.DESCRIPTION and not state.draft.get("description"):
            ask = Reply(t("petition.ask_description", locale, limit=max_chars))
            return Outcome(with_files, (reply, ask))
        return Outcome(_go(with_files, Step.FILES), (reply,))
    if step == Step.DESCRIPTION:
        if not text:
            return _ask(state, ctx)
        if len(text) > max_chars:
            key = prompt_key("petition.too_long", ctx)
            message = t(key, locale, length=len(text), limit=max_chars)
            return Outcome(state, (Reply(message),))
        if len(text) < MIN_DESCRIPTION:
            return Outcome(state, (Reply(t("petition.too_short", locale)),))
        return _after(state.with_draft(description=text), Step.DESCRIPTION, ctx)
    if step == Step.COMMUNE:
        return _commune(state, text, ctx)
    if step == Step.NAME:
        name, problem = identity.check_name(text, locale)
        if problem is not None:
            return Outcome(state, (problem,))
        return _identity_given(state.with_draft(business_name=name), Step.TAX_CODE, ctx)
    if step == Step.TAX_CODE:
        code, problem = identity.check_tax_code(text, locale)
        if problem is not None:
            return Outcome(state, (problem,))
        return _identity_given(state.with_draft(tax_code=code), Step.PHONE, ctx)
    if step == Step.PHONE:
        phone, problem = identity.check_phone(text, locale)
        if problem is not None:
            return Outcome(state, (problem,))
        return _confirm(state.with_draft(phone=phone), ctx)
    # A button is expected here: a typed label or number is that button; else say so, and
    # show the question again.
    pressed = typed_button(text, _ask(state, ctx))
    if pressed is not None and pressed.startswith(f"{PREFIX}:"):
        return on_choice(state, pressed.removeprefix(f"{PREFIX}:"), ctx)
    if step == Step.TOPIC and _new_question(text, ctx):
        return _answer_instead(state, text, ctx)
    return _ask(state, ctx, reminder=True)


def _new_question(text: str, ctx: Context) -> bool:
    """Whether text typed where a topic is asked is a procedure question of its own.

    A complaint ("hồ sơ cấp phép xây dựng quá hạn 20 ngày") names procedures too, but it is
    what the petition is for: it stays.
    """
    if len(text) < 4 or words.is_complaint(text):
        return False
    return ctx.index.search(text).decision != Decision.UNKNOWN


def _answer_instead(state: State, text: str, ctx: Context) -> Outcome:
    """Leaves the petition (it had only its topic to ask) and answers the new question.

    "giấy phép" typed after «Không phải các thủ tục trên» is a question, not a topic.
    """
    # Imported here: the ask flow offers a person, whose flow starts a petition (a cycle).
    from troly.bot.flows import ask as ask_flow

    answered = ask_flow.ask(state.idle(), text, ctx)
    return answered.after(Reply(t("petition.left_for_question", state.locale)))


def _identity_given(state: State, following: Step, ctx: Context) -> Outcome:
    """After a name or tax code: the next question, or back to the summary when correcting."""
    if state.draft.get("editing"):
        return _confirm(state, ctx)
    return _ask(_go(state, following), ctx)


def _commune(state: State, text: str, ctx: Context) -> Outcome:
    locale = state.locale
    found = find_communes(_province(ctx), text) if text else []
    if len(found) == 1:
        chosen = state.with_draft(commune_code=found[0].code, commune_name=found[0].name)
        return _after(chosen, Step.COMMUNE, ctx)
    none = (Button(t("petition.commune_none", locale), choice=f"{PREFIX}:commune:none"),)
    if not found:
        ward, commune = commune_examples(_province(ctx))
        text = t(
            "petition.commune_not_found",
            locale,
            province=_province_named(ctx, state.locale),
            ward=ward,
            commune=commune,
        )
        return Outcome(state, (Reply(text, (none,)),))
    rows = tuple((Button(c.name, choice=f"{PREFIX}:commune:{c.code}"),) for c in found)
    return Outcome(state, (Reply(t("petition.commune_choose", locale), (*rows, none)),))


def _letters(locale: str, ctx: Context) -> Reply:
    """The first letters of the province's communes, as buttons (for people who do not type)."""
    letters = initials(_province(ctx))
    rows = tuple(
        tuple(Button(x, choice=f"{PREFIX}:letter:{x}") for x in letters[i : i + 6])
        for i in range(0, len(letters), 6)
    )
    none = Button(t("petition.commune_none", locale), choice=f"{PREFIX}:commune:none")
    return Reply(t("petition.commune_letters", locale), (*rows, (none,)))


def _by_letter(locale: str, ctx: Context, letter: str, page_text: str) -> Reply:
    """A page of the communes starting with ``letter``, with the next page and other letters."""
    found = with_initial(_province(ctx), letter)
    if not found:
        return _letters(locale, ctx)
    pages = -(-len(found) // LETTER_PAGE)
    page = min(max(int(page_text) if page_text.isdigit() else 1, 1), pages)
    shown = found[(page - 1) * LETTER_PAGE : page * LETTER_PAGE]
    rows: list[tuple[Button, ...]] = [
        (Button(c.name, choice=f"{PREFIX}:commune:{c.code}"),) for c in shown
    ]
    if page < pages:
        more = t("petition.commune_more", locale)
        rows.append((Button(more, choice=f"{PREFIX}:letter:{letter}:{page + 1}"),))
    rows.append((Button(t("petition.commune_other_letter", locale), choice=f"{PREFIX}:letters"),))
    text = t("petition.commune_letter_list", locale, letter=letter, page=page, pages=pages)
    return Reply(text, tuple(rows))


_ORDER = (
    Step.TOPIC,
    Step.DESCRIPTION,
    Step.FILES,
    Step.COMMUNE,
    Step.PUBLIC,
    Step.CONSENT,
)


def _after(state: State, done: Step, ctx: Context) -> Outcome:
    """Moves on from a step: to the summary when editing, else to the next question."""
    if state.draft.get("editing"):
        return _confirm(state, ctx)
    following = _ORDER[_ORDER.index(done) + 1] if done != Step.CONSENT else Step.NAME
    if following == Step.FILES and not takes_files(ctx):
        following = Step.COMMUNE
    if following == Step.DESCRIPTION and state.draft.get("description"):
        reply = Reply(
            t("petition.keep_description", state.locale, text=state.draft["description"]),
            ((Button(t("petition.keep", state.locale), choice=f"{PREFIX}:keep"),),),
        )
        return Outcome(_go(state, Step.DESCRIPTION), (reply,))
    return _ask(_go(state, following), ctx)


def _ask(state: State, ctx: Context, *, reminder: bool = False) -> Outcome:
    """Asks the question of the state's step."""
    locale = state.locale
    step = Step(state.step) if state.step else Step.TOPIC
    max_chars, max_files = _limits(ctx)
    replies: list[Reply] = []
    if reminder:
        replies.append(Reply(t("petition.use_buttons", locale)))
    if step == Step.TOPIC:
        replies.append(
            Reply(t("petition.ask_topic", locale), topic_buttons(f"{PREFIX}:topic:", locale))
        )
    elif step == Step.DESCRIPTION:
        key = prompt_key("petition.ask_description", ctx)
        replies.append(Reply(t(key, locale, limit=max_chars)))
    elif step == Step.FILES:
        replies.append(
            Reply(
                t("petition.ask_files", locale, limit=max_files),
                ((Button(t("petition.files_none", locale), choice=f"{PREFIX}:done"),),),
            )
        )
    elif step == Step.COMMUNE:
        none = Button(t("petition.commune_none", locale), choice=f"{PREFIX}:commune:none")
        letters = Button(t("petition.commune_by_letter", locale), choice=f"{PREFIX}:letters")
        replies.append(
            Reply(
                t("petition.ask_commune", locale, province=_province_named(ctx, locale)),
                ((letters,), (none,)),
            )
        )
    elif step == Step.PUBLIC:
        replies.append(
            Reply(
                t("petition.ask_public", locale),
                # Private is the default and comes first: publishing is an opt-in.
                (
                    (Button(t("petition.public_no", locale), choice=f"{PREFIX}:public:0"),),
                    (Button(t("petition.public_yes", locale), choice=f"{PREFIX}:public:1"),),
                ),
            )
        )
    elif step == Step.CONSENT:
        replies.append(
            identity.consent_reply(locale, purpose="petition.purpose", prefix=f"{PREFIX}:")
        )
    elif step == Step.NAME:
        replies.append(Reply(t("identity.ask_name", locale)))
    elif step == Step.TAX_CODE:
        skip = Button(t("identity.no_tax_code", locale), choice=f"{PREFIX}:skip")
        replies.append(Reply(t("identity.ask_tax_code", locale), ((skip,),)))
    elif step == Step.PHONE:
        replies.append(Reply(t("identity.ask_phone", locale)))
    else:
        return _confirm(state, ctx)
    return Outcome(state, tuple(replies))


def summary(draft: dict[str, Any] | Any, locale: str, *, files: bool = True) -> str:
    """The petition as the business will confirm it (without files where none can be sent)."""
    lines = [
        t("petition.summary_topic", locale, topic=topic_label(str(draft.get("topic")), locale)),
        t("petition.summary_description", locale, text=draft.get("description", "")),
    ]
    if files:
        lines.append(t("petition.summary_files", locale, count=len(draft.get("attachments") or [])))
    lines += [
        t(
            "petition.summary_commune",
            locale,
            commune=draft.get("commune_name") or t("petition.commune_unspecified", locale),
        ),
        t(
            "petition.summary_public_yes" if draft.get("public") else "petition.summary_public_no",
            locale,
        ),
    ]
    if draft.get("consent"):
        lines.append(
            t(
                "petition.summary_identity",
                locale,
                name=draft.get("business_name") or "—",
                tax_code=draft.get("tax_code") or "—",
                phone=draft.get("phone") or "—",
            )
        )
    else:
        lines.append(t("petition.summary_anonymous", locale))
    return "\n".join(lines)


def _confirm(state: State, ctx: Context, *, note: str | None = None) -> Outcome:
    locale = state.locale
    confirming = _go(state, Step.CONFIRM, editing=False)
    shown = summary(confirming.draft, locale, files=takes_files(ctx))
    text = t("petition.confirm", locale, summary=shown)
    buttons = (
        (Button(t("petition.submit", locale), choice=f"{PREFIX}:submit"),),
        (Button(t("petition.edit", locale), choice=f"{PREFIX}:edit"),),
        (Button(t("petition.cancel", locale), choice="cancel"),),
    )
    replies = (Reply(note),) if note else ()
    return Outcome(confirming, (*replies, Reply(text, buttons, kind="petition:confirm")))


def _editable(state: State, ctx: Context) -> tuple[Step, ...]:
    steps = _EDITABLE if takes_files(ctx) else tuple(s for s in _EDITABLE if s != Step.FILES)
    return (*steps, *_IDENTITY) if state.draft.get("consent") else steps


def _edit_menu(state: State, ctx: Context) -> Reply:
    locale = state.locale
    rows = tuple(
        (Button(t(f"petition.edit_{step.value}", locale), choice=f"{PREFIX}:edit:{step.value}"),)
        for step in _editable(state, ctx)
    )
    return Reply(t("petition.edit_which", locale), rows)


def resume(state: State, ctx: Context) -> Outcome:
    """Asks the question of the step the petition waits at again (after "keep going")."""
    return _ask(state, ctx)


def _expired(state: State, ctx: Context) -> Outcome:
    """An old button: in the middle of a petition, carry on from its step; else the menu."""
    if state.flow == FLOW:
        return _ask(state, ctx).after(Reply(t("flow.button_expired", state.locale)))
    return menu.expired(state)

"""The live-handoff use cases, channel-blind: every door calls these (Telegram, the console).

Open a chat, relay both ways, take it (one winner), end it with a summary, turn it into a
petition, leave it, time it out. Each runs in the caller's transaction and never commits.

Locking order, the same everywhere so that two transactions never deadlock: the business's
conversation row first, then the chat row. The business's own messages come with
its conversation already locked (the dialogue holds it); an officer's action locks it here.

An officer's action returns a ``StaffOutcome`` (a catalogue key and its values) for the door to
show in the officer's language. Logs carry codes only, never a message.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot.codes import new_code
from troly.bot.flows.handoff import offer_buttons
from troly.bot.flows.petition import CARRIED
from troly.bot.followups import cancel, schedule
from troly.bot.handoff.effects import FLOW
from troly.bot.handoff.model import EndReason, LiveChat, Status
from troly.bot.messages import Button, Document, Reply
from troly.bot.outbox import enqueue
from troly.bot.petitions import render as petition_render
from troly.bot.petitions import schedule as petition_plan
from troly.bot.petitions import service as petitions
from troly.bot.petitions.model import Status as PetitionStatus
from troly.bot.settings import Settings
from troly.bot.staff_topics import open_topic
from troly.bot.storage.models import Conversation
from troly.bot.texts import at_door, t
from troly.bot.topics import TOPIC_KEYS, topic_buttons

logger = logging.getLogger(__name__)

PREFIX = "HT"
TIMEOUT = "handoff.timeout"
IDLE = "handoff.idle"
STAFF_LOCALE = petition_render.STAFF_LOCALE
MAX_TEXT = 2000
MAX_SUMMARY = 1000


@dataclass(frozen=True, slots=True)
class Officer:
    """Who acts on a chat: a roster member (the door has checked), on the door they use."""

    user_id: str
    name: str
    channel: str = "telegram"
    supervisor: bool = False


@dataclass(frozen=True, slots=True)
class StaffOutcome:
    """What an officer's action tells them: a catalogue key and its values; ``ok`` if done."""

    key: str
    values: Mapping[str, Any] = field(default_factory=dict)
    ok: bool = True

    def text(self, locale: str = STAFF_LOCALE) -> str:
        """The notice in ``locale``."""
        return t(self.key, locale, **self.values)


def _refused(key: str, **values: Any) -> StaffOutcome:
    return StaffOutcome(key, values, ok=False)


def topic_key(code: str) -> str:
    """The staff-topic key of a live chat."""
    return f"live:{code}"


async def unused_code(session: AsyncSession) -> str:
    """A fresh random chat code not used yet (the unique key catches any race)."""
    for _ in range(8):
        code = new_code(PREFIX)
        taken = await session.execute(select(LiveChat.id).where(LiveChat.code == code))
        if taken.first() is None:
            return code
    raise RuntimeError("no free live-chat code after 8 tries")


async def by_code(session: AsyncSession, code: str, *, lock: bool = False) -> LiveChat | None:
    """The chat with this code (locked for update when asked)."""
    query = select(LiveChat).where(LiveChat.code == code)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(query)).scalar_one_or_none()


async def queue(session: AsyncSession, *, limit: int = 100) -> list[LiveChat]:
    """The chats waiting for an officer, then the live ones, oldest request first."""
    query = (
        select(LiveChat)
        .where(LiveChat.status.in_([Status.WAITING.value, Status.LIVE.value]))
        .order_by(LiveChat.status.desc(), LiveChat.requested_at, LiveChat.id)
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def open_chat(
    session: AsyncSession,
    *,
    channel: str,
    user_id: str,
    locale: str,
    questions: Sequence[str],
    now: datetime,
    settings: Settings,
) -> LiveChat:
    """Opens a chat: its topic with the recent questions and «Nhận», and its time-out."""
    chat = LiveChat(
        code=await unused_code(session),
        channel=channel,
        user_id=user_id,
        locale=locale,
        status=Status.WAITING.value,
        questions=[q[:500] for q in questions],
        messages=[],
        message_count=0,
        requested_at=now,
        updated_at=now,
    )
    session.add(chat)
    await session.flush()
    await to_topic(session, chat, _card(chat, settings), now=now, settings=settings)
    due = now + timedelta(minutes=settings.handoff_wait_minutes)
    await schedule(
        session, kind=TIMEOUT, ref=chat.code, due_at=due, now=now, key=f"ht:{chat.code}:timeout"
    )
    logger.info("live chat %s opened", chat.code)
    return chat


def _card(chat: LiveChat, settings: Settings) -> Reply:
    lo = STAFF_LOCALE
    lines = [
        t("handoff.staff_card", lo, code=chat.code, channel=_channel(chat.channel)),
    ]
    if chat.questions:
        asked = "\n".join(f"• {q}" for q in chat.questions)
        lines.append(t("handoff.staff_card_questions", lo, questions=asked))
    else:
        lines.append(t("handoff.staff_card_no_questions", lo))
    lines.append(t("handoff.staff_card_how", lo, minutes=settings.handoff_wait_minutes))
    take = Button(t("handoff.staff_take", lo), choice=f"hs:take:{chat.code}")
    return Reply("\n".join(lines), ((take,),), kind="handoff:card")


def _channel(channel: str) -> str:
    return t(f"handoff.channel_{channel}", STAFF_LOCALE)


def live_buttons(code: str) -> tuple[tuple[Button, ...], ...]:
    """The officer's buttons while a chat is live."""
    lo = STAFF_LOCALE
    return (
        (Button(t("handoff.staff_to_petition", lo), choice=f"hs:petition:{code}"),),
        (Button(t("handoff.staff_end", lo), choice=f"hs:end:{code}"),),
    )


async def to_topic(
    session: AsyncSession, chat: LiveChat, reply: Reply, *, now: datetime, settings: Settings
) -> bool:
    """Queues a message in the chat's forum topic; False when no staff group is set."""
    if settings.staff_chat_id is None:
        return False
    group = str(settings.staff_chat_id)
    name = t("handoff.topic_name", STAFF_LOCALE, code=chat.code)
    thread = await open_topic(session, key=topic_key(chat.code), chat_id=group, name=name, now=now)
    enqueue(
        session,
        channel=petitions.STAFF_CHANNEL,
        recipient=group,
        reply=reply,
        now=now,
        thread=thread,
    )
    return True


def to_business(session: AsyncSession, chat: LiveChat, reply: Reply, *, now: datetime) -> None:
    """Queues a message to the business, on its own channel."""
    enqueue(
        session,
        channel=chat.channel,
        recipient=chat.user_id,
        reply=replace(reply, aside=True),
        now=now,
    )


def _note(chat: LiveChat, *, by: str, text: str, now: datetime, **extra: Any) -> None:
    item = {"at": now.isoformat(), "by": by, "text": text[:MAX_TEXT], **extra}
    chat.messages = [*chat.messages, item]
    chat.message_count += 1
    chat.updated_at = now


def _business_files(chat: LiveChat, files: Sequence[Mapping[str, Any]]) -> list[Reply]:
    replies = []
    for number, item in enumerate(files, start=1):
        name, document = petition_render.sent_file(
            item, channel=chat.channel, number=number, owner=f"live:{chat.code}"
        )
        text = t("handoff.staff_business_file", STAFF_LOCALE, code=chat.code, name=name)
        replies.append(Reply(text, document=document, kind="handoff:business_file"))
    return replies


async def from_business(
    session: AsyncSession,
    chat: LiveChat,
    *,
    text: str,
    files: Sequence[Mapping[str, Any]],
    now: datetime,
    settings: Settings,
) -> None:
    """Keeps what the business wrote and relays it to the chat's topic (text, then files)."""
    kept = [dict(item) for item in files]
    _note(chat, by="business", text=text, now=now, files=kept)
    if text:
        relay = t("handoff.staff_from_business", STAFF_LOCALE, code=chat.code, text=text)
        await to_topic(session, chat, Reply(relay), now=now, settings=settings)
    for reply in _business_files(chat, kept):
        await to_topic(session, chat, reply, now=now, settings=settings)


async def _lock(session: AsyncSession, code: str) -> tuple[LiveChat | None, Conversation | None]:
    """Locks the business's conversation, then the chat (the order every writer keeps)."""
    found = await by_code(session, code)
    if found is None:
        return None, None
    query = (
        select(Conversation)
        .where(Conversation.channel == found.channel)
        .where(Conversation.user_id == found.user_id)
        .with_for_update()
    )
    conversation = (await session.execute(query)).scalar_one_or_none()
    return await by_code(session, code, lock=True), conversation


def _in_chat(conversation: Conversation | None, chat: LiveChat) -> bool:
    return (
        conversation is not None
        and conversation.flow == FLOW
        and (conversation.draft or {}).get("chat") == chat.code
    )


def _set_step(conversation: Conversation | None, chat: LiveChat, step: str) -> None:
    if _in_chat(conversation, chat):
        assert conversation is not None
        conversation.step = step
        conversation.version += 1


def _release(conversation: Conversation | None, chat: LiveChat, **draft: Any) -> None:
    """Hands the business back to the bot: no flow, the draft kept, ``draft`` added."""
    if not _in_chat(conversation, chat):
        return
    assert conversation is not None
    kept = {k: v for k, v in (conversation.draft or {}).items() if k not in ("chat", "acked")}
    conversation.flow = None
    conversation.step = None
    conversation.draft = {**kept, **draft}
    conversation.version += 1


def _menu(locale: str) -> tuple[tuple[Button, ...], ...]:
    return ((Button(t("handoff.menu", locale), choice="menu:main"),),)


async def take(
    session: AsyncSession, code: str, officer: Officer, *, now: datetime, settings: Settings
) -> StaffOutcome:
    """The officer takes a waiting chat; of two at once, the second is told who has it."""
    chat, conversation = await _lock(session, code)
    if chat is None:
        return _refused("handoff.staff_unknown")
    if chat.status == Status.LIVE and chat.assignee == officer.user_id:
        return _refused("handoff.staff_already_yours", code=chat.code)
    if chat.status == Status.LIVE:
        return _refused("handoff.staff_taken_by", code=chat.code, name=chat.assignee_name)
    if chat.status != Status.WAITING:
        return _refused("handoff.staff_too_late", code=chat.code)
    chat.status = Status.LIVE.value
    chat.assignee, chat.assignee_name = officer.user_id, officer.name
    chat.assignee_channel = officer.channel
    chat.taken_at = chat.updated_at = now
    await cancel(session, ref=chat.code, kinds=(TIMEOUT,))
    await _watch(session, chat, since=now, now=now, settings=settings)
    _set_step(conversation, chat, "live")
    taken = t("handoff.staff_taken", STAFF_LOCALE, code=chat.code, name=officer.name)
    await to_topic(session, chat, Reply(taken, live_buttons(chat.code)), now=now, settings=settings)
    door = (conversation.draft or {}).get("door") if conversation is not None else None
    told = t(at_door("handoff.taken", door), chat.locale, name=officer.name)
    to_business(session, chat, Reply(told, kind="handoff:taken"), now=now)
    logger.info("live chat %s taken", chat.code)
    return StaffOutcome("handoff.staff_you_took", {"code": chat.code})


def _may_act(chat: LiveChat, officer: Officer) -> StaffOutcome | None:
    if chat.status == Status.WAITING:
        return _refused("handoff.staff_take_first", code=chat.code)
    if chat.status != Status.LIVE:
        return _refused("handoff.staff_ended_already", code=chat.code)
    if chat.assignee != officer.user_id and not officer.supervisor:
        return _refused("handoff.staff_not_yours", code=chat.code, name=chat.assignee_name)
    return None


async def send(
    session: AsyncSession,
    code: str,
    officer: Officer,
    text: str,
    *,
    now: datetime,
    settings: Settings,
    files: Sequence[Mapping[str, Any]] = (),
    echo: bool = False,
) -> StaffOutcome:
    """The officer's message to the business: text, files, or both.

    ``files`` are ``{"kind", "ref", "name", "mime_type", "size"}`` on the officer's own
    platform (``officer.channel``). A file the business's platform must download is refused
    whole, with nothing sent, when it is over ``petition_relay_max_file_mb``. ``echo`` also
    shows the text in the topic: for a door other than the topic, such as the console.
    """
    text = text.strip()[:MAX_TEXT]
    chat = await by_code(session, code, lock=True)
    if chat is None:
        return _refused("handoff.staff_unknown")
    refused = _may_act(chat, officer)
    if refused is not None:
        return refused
    if not text and not files:
        return _refused("handoff.staff_empty")
    big = _too_big(chat, files, source=officer.channel, settings=settings)
    if big is not None:
        return big
    kept = [{**dict(item), "by": "staff"} for item in files]
    _note(chat, by="staff", text=text, now=now, name=officer.name, files=kept)
    documents = _officer_files(chat, kept, source=officer.channel)
    names = [document.filename for document in documents]
    if text:
        message = t("handoff.from_staff", chat.locale, name=officer.name, text=text)
    else:
        message = t("handoff.from_staff_file", chat.locale, name=officer.name, file=names[0])
    first = documents[0] if documents else None
    to_business(session, chat, Reply(message, document=first, kind="handoff:staff"), now=now)
    for name, document in list(zip(names, documents, strict=True))[1:]:
        more = t("handoff.from_staff_file", chat.locale, name=officer.name, file=name)
        to_business(session, chat, Reply(more, document=document, kind="handoff:staff"), now=now)
    if echo and text:
        shown = t("handoff.staff_echo", STAFF_LOCALE, name=officer.name, text=text)
        await to_topic(session, chat, Reply(shown), now=now, settings=settings)
    return StaffOutcome("handoff.staff_sent", {"code": chat.code})


MB = 1024 * 1024


def _too_big(
    chat: LiveChat, files: Sequence[Mapping[str, Any]], *, source: str, settings: Settings
) -> StaffOutcome | None:
    """The refusal of a file the business's platform would have to download, when too big.

    On the officer's own platform a file is sent again by its reference, whatever its size.
    """
    if chat.channel == source:
        return None
    limit = settings.petition_relay_max_file_mb * MB
    for item in files:
        size = item.get("size")
        if isinstance(size, int) and size > limit:
            name = str(item.get("name") or t(f"staff.file_{item.get('kind')}", STAFF_LOCALE))
            return _refused(
                "handoff.staff_file_too_big",
                name=name,
                size=f"{size / MB:.1f}".replace(".", ","),
                limit=settings.petition_relay_max_file_mb,
                channel=_channel(chat.channel),
            )
    return None


def _officer_files(
    chat: LiveChat, files: Sequence[Mapping[str, Any]], *, source: str
) -> list[Document]:
    documents = []
    for item in files:
        photo = item.get("kind") == "photo"
        mime = item.get("mime_type") or ("image/jpeg" if photo else "application/octet-stream")
        documents.append(
            Document(
                filename=str(item.get("name") or ("anh.jpg" if photo else "tep")),
                content=b"",
                mime_type=str(mime),
                ref=f"{source}:{item.get('ref')}",
                size=item.get("size") if isinstance(item.get("size"), int) else None,
                photo=photo,
                owner=f"live:{chat.code}",
            )
        )
    return documents


async def end(
    session: AsyncSession,
    code: str,
    officer: Officer,
    summary: str,
    *,
    now: datetime,
    settings: Settings,
) -> StaffOutcome:
    """The officer ends the chat with a short summary; the business is told and gets the bot."""
    summary = " ".join(summary.split())[:MAX_SUMMARY]
    chat, conversation = await _lock(session, code)
    if chat is None:
        return _refused("handoff.staff_unknown")
    refused = _may_act(chat, officer)
    if refused is not None:
        return refused
    if not summary:
        return _refused("handoff.staff_summary_empty")
    await cancel(session, ref=chat.code, kinds=(IDLE,))
    _close(chat, EndReason.OFFICER, now)
    chat.summary = summary
    _release(conversation, chat)
    told = t("handoff.ended_by_staff", chat.locale, name=officer.name, summary=summary)
    to_business(session, chat, Reply(told, _menu(chat.locale), kind="handoff:ended"), now=now)
    shown = t("handoff.staff_ended", STAFF_LOCALE, code=chat.code, name=officer.name)
    await to_topic(session, chat, Reply(shown), now=now, settings=settings)
    return StaffOutcome("handoff.staff_ended_ok", {"code": chat.code})


async def _watch(
    session: AsyncSession, chat: LiveChat, *, since: datetime, now: datetime, settings: Settings
) -> None:
    """Schedules the check that the officer is still there, ``handoff_idle_minutes`` on."""
    due = since + timedelta(minutes=settings.handoff_idle_minutes)
    key = f"ht:{chat.code}:idle:{int(due.timestamp())}"
    await schedule(session, kind=IDLE, ref=chat.code, due_at=due, now=now, key=key)


def _officer_last(chat: LiveChat) -> datetime:
    """When the officer last showed up: the take, or their latest message."""
    moments = [chat.taken_at or chat.requested_at]
    for item in chat.messages:
        if item.get("by") == "staff":
            try:
                moments.append(datetime.fromisoformat(str(item.get("at"))))
            except ValueError:
                continue
    return max(moments)


def _close(chat: LiveChat, reason: EndReason, now: datetime) -> None:
    """Ends the chat and erases its messages and questions (kept only while it is open)."""
    chat.status = Status.ENDED.value
    chat.end_reason = reason.value
    chat.ended_at = chat.updated_at = now
    chat.messages = []
    chat.questions = []
    logger.info("live chat %s ended (%s)", chat.code, reason.value)


def transcript_text(chat: LiveChat, locale: str) -> str:
    """The recent questions and both sides' messages, as a petition's description reads them."""
    lines = [t("handoff.transcript_title", locale, code=chat.code)]
    for question in chat.questions:
        lines.append(t("handoff.transcript_question", locale, text=question))
    for item in chat.messages:
        text = str(item.get("text") or "")
        names = ", ".join(str(f.get("name") or f.get("kind")) for f in item.get("files") or [])
        if names:
            text = f"{text} [{names}]".strip()
        if not text:
            continue
        if item.get("by") == "staff":
            lines.append(t("handoff.transcript_staff", locale, name=item.get("name"), text=text))
        else:
            lines.append(t("handoff.transcript_business", locale, text=text))
    return "\n".join(lines)


def _said_at(item: Mapping[str, Any], settings: Settings) -> str:
    try:
        return petitions.time_text(datetime.fromisoformat(str(item.get("at"))), settings)
    except ValueError:
        return "?"


def petition_topics(code: str) -> Reply:
    """The question the officer answers before a chat becomes a petition: its topic."""
    buttons = topic_buttons(f"hs:topic:{code}:", STAFF_LOCALE)
    stay = Button(t("handoff.staff_keep_talking", STAFF_LOCALE), choice=f"hs:stay:{code}")
    text = t("handoff.staff_which_topic", STAFF_LOCALE, code=code)
    return Reply(text, (*buttons, (stay,)))


async def to_petition(
    session: AsyncSession,
    code: str,
    officer: Officer,
    *,
    topic: str,
    now: datetime,
    settings: Settings,
) -> StaffOutcome:
    """Turns the chat into a petition the officer handles, carrying the conversation over.

    The description holds the conversation (cut to the petition's limit); every message is
    also an event of the petition's timeline, and the business's files are its files.
    """
    if topic not in TOPIC_KEYS:
        return _refused("handoff.staff_unknown")
    chat, conversation = await _lock(session, code)
    if chat is None:
        return _refused("handoff.staff_unknown")
    refused = _may_act(chat, officer)
    if refused is not None:
        return refused
    limit = settings.petition_max_description_chars
    description = transcript_text(chat, chat.locale)
    if len(description) > limit:
        description = description[: limit - 1] + "…"
    files = [dict(f) for item in chat.messages for f in item.get("files") or []]
    draft = {"topic": topic, "description": description, "attachments": files[:20]}
    petition = await petitions.create(
        session,
        draft,
        channel=chat.channel,
        user_id=chat.user_id,
        locale=chat.locale,
        now=now,
        settings=settings,
    )
    for item in chat.messages:
        by_staff = item.get("by") == "staff"
        note = str(item.get("text") or "")
        names = ", ".join(str(f.get("name") or f.get("kind")) for f in item.get("files") or [])
        note = "\n".join(part for part in (note, f"[{names}]" if names else "") if part)
        petitions.record(
            session,
            petition,
            now=now,
            actor="staff" if by_staff else "business",
            actor_id=officer.user_id if by_staff else chat.user_id,
            kind="staff_message" if by_staff else "business_message",
            note=f"[{_said_at(item, settings)}] {note}",
        )
    petition.assignee, petition.assignee_name = officer.user_id, officer.name
    petitions.record(
        session,
        petition,
        now=now,
        actor="staff",
        actor_id=officer.user_id,
        kind="claimed",
        to_status=PetitionStatus.ASSIGNED,
        note=officer.name,
    )
    card = petition_render.staff_card(petition, settings)
    await petitions.to_staff(session, petition, card, now=now, settings=settings)
    await petition_plan.schedule_open(session, petition, start=now, now=now, settings=settings)
    chat.petition_code = petition.code
    await cancel(session, ref=chat.code, kinds=(IDLE,))
    _close(chat, EndReason.PETITION, now)
    _release(conversation, chat)
    deadline = petitions.day_text(petition.deadline, settings)
    told = t("handoff.converted", chat.locale, code=petition.code, deadline=deadline)
    buttons = petition_render.business_buttons(petition)
    to_business(session, chat, Reply(told, buttons, kind="handoff:ended"), now=now)
    shown = t("handoff.staff_converted", STAFF_LOCALE, code=chat.code, petition=petition.code)
    await to_topic(session, chat, Reply(shown), now=now, settings=settings)
    return StaffOutcome(
        "handoff.staff_converted_ok", {"code": chat.code, "petition": petition.code}
    )


async def leave(
    session: AsyncSession, chat: LiveChat, *, now: datetime, settings: Settings
) -> None:
    """The business leaves (its conversation is locked by the caller); the officers are told."""
    if not chat.is_open:
        return
    await cancel(session, ref=chat.code, kinds=(TIMEOUT, IDLE))
    _close(chat, EndReason.BUSINESS, now)
    shown = t("handoff.staff_business_left", STAFF_LOCALE, code=chat.code)
    await to_topic(session, chat, Reply(shown), now=now, settings=settings)


async def time_out(session: AsyncSession, code: str, *, now: datetime, settings: Settings) -> None:
    """Nobody took the chat: the business is offered a petition with what it wrote carried."""
    chat, conversation = await _lock(session, code)
    if chat is None or chat.status != Status.WAITING:
        return
    carried = _give_up(chat, conversation, EndReason.TIMEOUT, now=now, settings=settings)
    key = "handoff.nobody_free_carried" if carried else "handoff.nobody_free"
    told = t(key, chat.locale, minutes=settings.handoff_wait_minutes)
    shown = t("handoff.staff_timed_out", STAFF_LOCALE, code=chat.code)
    await _offer(session, chat, told, shown, now=now, settings=settings)


async def went_quiet(
    session: AsyncSession, code: str, *, now: datetime, settings: Settings
) -> None:
    """Ends a chat whose officer has written nothing for ``handoff_idle_minutes``.

    The business is offered a petition with what it wrote; while the officer is still
    there, the next check is set from their last message.
    """
    chat, conversation = await _lock(session, code)
    if chat is None or chat.status != Status.LIVE:
        return
    last = _officer_last(chat)
    minutes = settings.handoff_idle_minutes
    if now < last + timedelta(minutes=minutes):
        await _watch(session, chat, since=last, now=now, settings=settings)
        return
    _give_up(chat, conversation, EndReason.IDLE, now=now, settings=settings)
    told = t("handoff.officer_away", chat.locale, minutes=minutes)
    shown = t("handoff.staff_idle_ended", STAFF_LOCALE, code=chat.code, minutes=minutes)
    await _offer(session, chat, told, shown, now=now, settings=settings)


def _give_up(
    chat: LiveChat,
    conversation: Conversation | None,
    reason: EndReason,
    *,
    now: datetime,
    settings: Settings,
) -> bool:
    """Ends the chat and hands the business back, what it wrote kept for a petition.

    Returns whether anything was kept (text or files).
    """
    mine = [item for item in chat.messages if item.get("by") == "business"]
    typed = "\n".join(str(item.get("text") or "") for item in mine).strip()
    files = [dict(f) for item in mine for f in item.get("files") or []]
    carried: dict[str, Any] = {}
    if typed:
        carried["last_question"] = typed[: settings.petition_max_description_chars]
    if files:
        carried[CARRIED] = files[: settings.petition_max_attachments]
    _close(chat, reason, now)
    _release(conversation, chat, **carried)
    return bool(carried)


async def _offer(
    session: AsyncSession,
    chat: LiveChat,
    told: str,
    shown: str,
    *,
    now: datetime,
    settings: Settings,
) -> None:
    """Tells the business (offering a petition) and the topic that the chat is over."""
    offer = Reply(told, offer_buttons(chat.locale), kind="handoff:ended")
    to_business(session, chat, offer, now=now)
    await to_topic(session, chat, Reply(shown), now=now, settings=settings)


async def check(session: AsyncSession, code: str, officer: Officer) -> StaffOutcome | None:
    """Why the officer may not act on this chat now (None when they may)."""
    chat = await by_code(session, code)
    if chat is None:
        return _refused("handoff.staff_unknown")
    return _may_act(chat, officer)


async def open_chat_of(session: AsyncSession, *, channel: str, user_id: str) -> LiveChat | None:
    """The business's chat still waiting or live, if any."""
    query = (
        select(LiveChat)
        .where(LiveChat.channel == channel)
        .where(LiveChat.user_id == user_id)
        .where(LiveChat.status.in_([Status.WAITING.value, Status.LIVE.value]))
        .order_by(LiveChat.id.desc())
    )
    return (await session.execute(query)).scalars().first()

"""The channel-blind message vocabulary: what comes in (``Incoming``) and what goes out (``Reply``).

Flows see only these types, never a platform's. Must not import handlers or platform libraries.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Channel = Literal["telegram", "zalo_bot", "zalo_oa", "web", "cli", "console"]
Door = Literal["kiosk"]
"""A door within a channel that speaks its own way (the kiosk: the web channel's screen)."""


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file the user sent: its kind, a platform reference to fetch it, and its name."""

    kind: Literal["photo", "document", "other"]
    ref: str
    name: str | None = None
    mime_type: str | None = None
    size: int | None = None


@dataclass(frozen=True, slots=True)
class Incoming:
    """One message or button press from a user, whatever the channel.

    ``choice`` holds a button's payload (short, ASCII); ``text`` what the user typed.
    ``event_id`` identifies the platform delivery so a redelivery is handled once.
    ``chat_id`` is set when the message comes from a group (the staff group) rather than a
    private chat, and ``thread`` names the group's topic; replies go back there.
    ``door`` names a door within the channel that speaks its own way: ``"kiosk"``, the
    service center's touch screen on the web channel (no keyboard commands, big buttons).
    """

    channel: Channel
    user_id: str
    text: str | None = None
    choice: str | None = None
    attachments: tuple[Attachment, ...] = ()
    locale: str | None = None
    event_id: str | None = None
    display_name: str | None = None
    chat_id: str | None = None
    thread: str | None = None
    door: Door | None = None

    @property
    def in_group(self) -> bool:
        """Whether the message comes from a group chat (the staff group)."""
        return self.chat_id is not None

    @property
    def conversation_key(self) -> str:
        """Whose conversation this is: the user, or the user within a group's topic.

        In the staff group each forum topic is a conversation of its own, so a prompt (the
        answer to a petition, a new date, a decline reason) waits for its reply only in the
        topic where it was asked: what the officer writes in another petition's topic stays
        that petition's. The General topic (no thread) keeps the group-wide key.
        """
        if self.chat_id is None:
            return self.user_id
        if self.thread is None:
            return f"{self.chat_id}/{self.user_id}"
        return f"{self.chat_id}/{self.thread}/{self.user_id}"

    @property
    def reply_to(self) -> str:
        """Where replies go: the private chat, or the group."""
        return self.user_id if self.chat_id is None else self.chat_id


@dataclass(frozen=True, slots=True)
class Button:
    """A button: either a ``choice`` payload sent back to the bot, or a ``url`` to open."""

    label: str
    choice: str | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        if (self.choice is None) == (self.url is None):
            raise ValueError("a button has exactly one of choice or url")


@dataclass(frozen=True, slots=True)
class Document:
    """A file to send with a reply (an .ics invite, a CSV report, a QR code, a staff photo).

    A file someone sent on a platform travels as a reference, ``<channel>:<platform ref>``
    (``telegram:<file_id>``), with empty ``content``: that platform sends it again by its
    reference, the others fetch it at delivery (``bot.files.FileSources``). ``owner`` names
    the record the file belongs to (``petition:<code>``), so its stored copies can be erased
    with that record's personal data.
    """

    filename: str
    content: bytes
    mime_type: str
    ref: str | None = None
    size: int | None = None
    photo: bool = False
    owner: str | None = None

    def ref_on(self, channel: str) -> str | None:
        """The platform's own reference when the file lives on ``channel``, else None."""
        if self.ref is None:
            return None
        source, _, ref = self.ref.partition(":")
        return ref if source == channel and ref else None


NOTICE_KINDS = ("petition_answer", "petition_apology", "session_reminder", "dossier_status")
"""The time-critical messages that carry a ``Notice`` (each a ZNS template of its own)."""


@dataclass(frozen=True, slots=True)
class Notice:
    """A time-critical message's short form, sent by template when the chat cannot be used.

    ``kind`` names the template (``petition_answer``, ``petition_apology``,
    ``session_reminder``, ``dossier_status``); ``params`` are the template's named values.
    """

    kind: str
    params: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to the user: plain text (channels escape it), button rows, a document."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    document: Document | None = None
    kind: str = field(default="message")
    # Not an answer to what the user just sent (a staff message, a reminder): on channels that
    # number the choices, its numbers follow the menu the user may be answering, which stays.
    aside: bool = False
    # Time-critical (an official answer, an apology, a reminder, a status change): outside
    # the chat's window it is announced by template (Zalo ZNS) while the full text waits.
    notice: Notice | None = None

    def all_buttons(self) -> list[Button]:
        """The buttons in reading order."""
        return [button for row in self.buttons for button in row]


def reply_to_payload(reply: Reply) -> dict[str, Any]:
    """A reply as JSON-ready data, for the outbox."""
    data: dict[str, Any] = {
        "text": reply.text,
        "kind": reply.kind,
        "buttons": [
            [{"label": b.label, "choice": b.choice, "url": b.url} for b in row]
            for row in reply.buttons
        ],
    }
    if reply.aside:
        data["aside"] = True
    if reply.notice is not None:
        data["notice"] = {"kind": reply.notice.kind, "params": dict(reply.notice.params)}
    if reply.document is not None:
        doc = reply.document
        data["document"] = {
            "filename": doc.filename,
            "mime_type": doc.mime_type,
            "content": base64.b64encode(doc.content).decode("ascii"),
        }
        extra = {"ref": doc.ref, "size": doc.size, "photo": doc.photo, "owner": doc.owner}
        data["document"].update({k: v for k, v in extra.items() if v})
    return data


def reply_from_payload(data: dict[str, Any]) -> Reply:
    """The reply stored by ``reply_to_payload``."""
    document = None
    if data.get("document"):
        d = data["document"]
        document = Document(
            d["filename"],
            base64.b64decode(d["content"]),
            d["mime_type"],
            ref=d.get("ref"),
            size=d.get("size"),
            photo=bool(d.get("photo")),
            owner=d.get("owner"),
        )
    return Reply(
        text=data["text"],
        buttons=tuple(
            tuple(Button(b["label"], choice=b.get("choice"), url=b.get("url")) for b in row)
            for row in data.get("buttons", [])
        ),
        document=document,
        kind=data.get("kind", "message"),
        aside=bool(data.get("aside")),
        notice=notice_from_payload(data),
    )


def notice_from_payload(data: Mapping[str, Any]) -> Notice | None:
    """The notice stored with a reply's payload, or None."""
    found = data.get("notice")
    if not isinstance(found, Mapping) or not isinstance(found.get("kind"), str):
        return None
    params = found.get("params")
    if not isinstance(params, Mapping):
        params = {}
    return Notice(found["kind"], {str(k): str(v) for k, v in params.items()})

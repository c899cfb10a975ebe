"""Text made safe at the door: NFC, no lone surrogates, no control characters but newline and tab.

Every door's ``to_incoming`` passes its message through ``clean_incoming`` before anything
else sees it. Must not import handlers or platform libraries.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from typing import Any

from troly.bot.messages import Attachment, Incoming

# C0 controls but tab and newline, DEL, C1 controls, and lone UTF-16 surrogates (a JSON
# "\ud800" decodes to one). None of them is something a person typed: they are removed, not
# refused, since a message without them says what the person meant. Carriage returns become
# newlines first, so "a\r\nb" and "a\rb" keep their line break.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_NEWLINES = re.compile("\r\n?")


def clean_text(text: str) -> str:
    """The text with line ends as newlines, unsafe characters removed, in NFC."""
    return unicodedata.normalize("NFC", _UNSAFE.sub("", _NEWLINES.sub("\n", text)))


def is_clean(text: str) -> bool:
    """Whether the text is already as ``clean_text`` would make it."""
    safe = _UNSAFE.search(text) is None and "\r" not in text
    return safe and unicodedata.is_normalized("NFC", text)


def clean_value(value: Any) -> bool:
    """Whether a JSON value (a stored draft) holds only clean strings, keys included."""
    if isinstance(value, str):
        return is_clean(value)
    if isinstance(value, dict):
        return all(clean_value(k) and clean_value(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(clean_value(item) for item in value)
    return value is None or isinstance(value, bool | int | float)


def _optional(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = clean_text(text)
    return cleaned if cleaned or not text else None


def _attachment(attachment: Attachment) -> Attachment:
    return replace(
        attachment,
        ref=clean_text(attachment.ref),
        name=_optional(attachment.name),
        mime_type=_optional(attachment.mime_type),
    )


def says_nothing(incoming: Incoming) -> bool:
    """Whether a cleaned message has neither text, nor a button payload, nor a file."""
    return not incoming.text and not incoming.choice and not incoming.attachments


def clean_incoming(incoming: Incoming) -> Incoming:
    """The message with its text, button payload, file names and display name made safe.

    A text or payload that was nothing but unsafe characters becomes None: the message then
    says nothing, as an empty one would.
    """
    return replace(
        incoming,
        user_id=clean_text(incoming.user_id),
        text=_optional(incoming.text),
        choice=_optional(incoming.choice),
        attachments=tuple(_attachment(a) for a in incoming.attachments),
        locale=_optional(incoming.locale),
        event_id=_optional(incoming.event_id),
        display_name=_optional(incoming.display_name),
        chat_id=_optional(incoming.chat_id),
        thread=_optional(incoming.thread),
    )

"""Zalo OA webhook events: the signature check and ``to_incoming``, pure and tested on JSON.

``X-ZEvent-Signature`` is sha256(app_id + raw body + timestamp + OA secret key), sent as
``mac=<hex>``; the prefix is optional here and the comparison constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

from troly.bot.clean import clean_incoming, says_nothing
from troly.bot.messages import Attachment, Channel, Incoming
from troly.handlers.json_body import parse_json

CHANNEL: Channel = "zalo_oa"
_ATTACHMENT_EVENTS = {
    "user_send_image": "photo",
    "user_send_file": "document",
    "user_send_audio": "other",
    "user_send_video": "other",
    "user_send_sticker": "other",
    "user_send_gif": "other",
    "user_send_link": "other",
    "user_send_location": "other",
    "user_send_business_card": "other",
}


def expected_signature(raw: bytes, *, app_id: str, timestamp: str, oa_secret: str) -> str:
    """The lowercase hex SHA-256 of app id + raw body + timestamp + OA secret key."""
    return hashlib.sha256(
        app_id.encode() + raw + timestamp.encode() + oa_secret.encode()
    ).hexdigest()


def signature_ok(raw: bytes, header: str | None, *, app_id: str, oa_secret: str) -> bool:
    """Whether a webhook body carries a valid signature (``mac=`` prefix optional)."""
    if not header:
        return False
    given = header.strip()
    given = given[4:] if given.lower().startswith("mac=") else given
    try:
        data = parse_json(raw)
    except ValueError:
        return False
    if not isinstance(data, dict):
        return False
    body_app = str(data.get("app_id", ""))
    timestamp = str(data.get("timestamp", ""))
    # The app id comes from the body but must be ours; the comparison stays constant-time.
    want = expected_signature(raw, app_id=app_id, timestamp=timestamp, oa_secret=oa_secret)
    same_app = hmac.compare_digest(body_app.encode(), app_id.encode())
    return hmac.compare_digest(given.lower().encode(), want.encode()) and same_app


def sent_within(data: dict[str, Any], *, now: datetime, seconds: int) -> bool:
    """Whether the event's own ``timestamp`` (epoch milliseconds) is within ``seconds`` of now.

    The signature covers the timestamp, so an event recorded and sent again later cannot be
    given a new one: outside the window it is refused like a bad signature.
    """
    return _within(data.get("timestamp"), now=now, seconds=seconds)


def _within(millis: object, *, now: datetime, seconds: int) -> bool:
    try:
        sent = int(str(millis)) / 1000
    except ValueError:
        return False
    return abs(now.timestamp() - sent) <= seconds


def to_incoming(data: dict[str, Any]) -> Incoming | None:
    """The channel-blind message of an OA webhook event, or None for events we ignore.

    Echoes of the OA's own messages (``oa_send_*``), delivery and seen receipts, unfollows and
    unknown events give None. A follow (or "chat now") starts the conversation with the welcome.
    """
    event = str(data.get("event_name", ""))
    timestamp = str(data.get("timestamp", ""))
    if event in {"follow", "user_click_chatnow"}:
        follower = data.get("follower") or data.get("sender") or {}
        user = follower.get("id") if isinstance(follower, dict) else None
        user = user or data.get("user_id")
        if not user:
            return None
        event_id = f"{event}:{user}:{timestamp}"
        start = Incoming(channel=CHANNEL, user_id=str(user), choice="start", event_id=event_id)
        return clean_incoming(start)
    if event != "user_send_text" and event not in _ATTACHMENT_EVENTS:
        return None
    sender = data.get("sender") or {}
    message = data.get("message") or {}
    if not isinstance(sender, dict) or not isinstance(message, dict) or not sender.get("id"):
        return None
    msg_id = message.get("msg_id")
    event_id = str(msg_id) if msg_id else f"{event}:{sender['id']}:{timestamp}"
    text = message.get("text") if isinstance(message.get("text"), str) else None
    attachments: list[Attachment] = []
    if event in _ATTACHMENT_EVENTS:
        kind = _ATTACHMENT_EVENTS[event]
        for item in message.get("attachments") or []:
            payload = item.get("payload") if isinstance(item, dict) else None
            url = payload.get("url") if isinstance(payload, dict) else None
            attachments.append(
                Attachment(
                    "photo" if kind == "photo" else "document" if kind == "document" else "other",
                    str(url or event_id),
                )
            )
        attachments = attachments or [Attachment("other", event_id)]
    elif text is None:
        return None
    incoming = clean_incoming(
        Incoming(
            channel=CHANNEL,
            user_id=str(sender["id"]),
            text=text,
            attachments=tuple(attachments),
            event_id=event_id,
        )
    )
    return None if says_nothing(incoming) else incoming

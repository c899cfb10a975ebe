"""What petitions look like to the business and to staff: cards, status, lists, buttons.

Every sentence comes from the catalogues; user-supplied values are plain text (the
channels escape them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from troly.bot.messages import Button, Document, Reply
from troly.bot.petitions.model import Petition, PetitionEvent
from troly.bot.petitions.service import day_text, time_text
from troly.bot.settings import Settings
from troly.bot.texts import at_door, t
from troly.bot.topics import topic_label

STAFF_LOCALE = "vi"
CARD_DESCRIPTION_CHARS = 1500


def status_label(status: str, locale: str) -> str:
    """A status in words."""
    return t(f"petition.status_{status}", locale)


def staff_buttons(code: str, *, taken: bool = False) -> tuple[tuple[Button, ...], ...]:
    """The staff actions under a card («Nhận xử lý» only while nobody has taken it)."""
    lo = STAFF_LOCALE
    claim = () if taken else (Button(t("staff.claim", lo), choice=f"ps:claim:{code}"),)
    return (
        (
            *claim,
            Button(t("staff.reassign", lo), choice=f"ps:reassign:{code}"),
        ),
        (
            Button(t("staff.new_date", lo), choice=f"ps:date:{code}"),
            Button(t("staff.answer", lo), choice=f"ps:answer:{code}"),
        ),
        (Button(t("staff.close", lo), choice=f"ps:close:{code}"),),
    )


def staff_card(petition: Petition, settings: Settings) -> Reply:
    """The card that opens a petition's topic."""
    lo = STAFF_LOCALE
    description = petition.description
    if len(description) > CARD_DESCRIPTION_CHARS:
        description = description[: CARD_DESCRIPTION_CHARS - 1] + "…"
    lines = [
        t("staff.card_title", lo, code=petition.code),
        t("staff.card_topic", lo, topic=topic_label(petition.topic, lo)),
        *(
            [t("staff.card_department", lo, department=petition.department)]
            if petition.department
            else []
        ),
        t(
            "staff.card_commune",
            lo,
            commune=petition.commune_name or t("petition.commune_unspecified", lo),
        ),
        t("staff.card_public" if petition.public else "staff.card_private", lo),
        t("staff.card_deadline", lo, deadline=day_text(petition.deadline, settings)),
        *(
            [t("staff.card_assignee", lo, name=petition.assignee_name or petition.assignee)]
            if petition.assignee
            else []
        ),
    ]
    if petition.consent:
        lines.append(
            t(
                "staff.card_identity",
                lo,
                name=petition.business_name or "—",
                tax_code=petition.tax_code or "—",
                phone=petition.phone or "—",
            )
        )
    else:
        lines.append(t("staff.card_anonymous", lo))
    for number, item in enumerate(petition.attachments, start=1):
        name = item.get("name") or t(f"staff.file_{item.get('kind', 'other')}", lo)
        lines.append(t("staff.card_file", lo, number=number, name=name))
    lines += ["", description, "", t("staff.card_hint", lo)]
    buttons = staff_buttons(petition.code, taken=petition.assignee is not None)
    return Reply("\n".join(lines), buttons, kind="petition:card")


def sent_file(
    item: Mapping[str, Any], *, channel: str, number: int, owner: str, locale: str = STAFF_LOCALE
) -> tuple[str, Document]:
    """A file a business sent: its name, and a document travelling by ``<channel>:<ref>``."""
    kind = str(item.get("kind") or "other")
    name = str(item.get("name") or t(f"staff.file_{kind}", locale))
    photo = kind == "photo"
    mime = item.get("mime_type") or ("image/jpeg" if photo else "application/octet-stream")
    document = Document(
        filename=name if "." in name else f"{name}-{number}{'.jpg' if photo else ''}",
        content=b"",
        mime_type=str(mime),
        ref=f"{channel}:{item.get('ref')}",
        photo=photo,
        owner=owner,
    )
    return name, document


def business_files(
    petition: Petition, attachments: Sequence[Mapping[str, Any]], *, first: int = 1
) -> list[Reply]:
    """The business's photos and files, one message each, for the petition's staff topic.

    Each travels by the platform's reference (``<channel>:<ref>``): Telegram sends its own
    files again by ``file_id``; a Zalo file is fetched from Zalo and uploaded.
    """
    lo = STAFF_LOCALE
    replies = []
    for number, item in enumerate(attachments, start=first):
        name, document = sent_file(
            item, channel=petition.channel, number=number, owner=f"petition:{petition.code}"
        )
        text = t("staff.business_file", lo, code=petition.code, number=number, name=name)
        if item.get("caption"):
            text += f"\n{item['caption']}"
        replies.append(Reply(text, document=document, kind="petition:business_file"))
    return replies


def filed_reply(petition: Petition, settings: Settings, *, door: str | None = None) -> Reply:
    """The business's receipt: the tracking code and the deadline.

    On the kiosk, whose conversation is gone once the person leaves, it says how to follow the
    petition from elsewhere: the code with the phone it left, or the code at the counter.
    """
    locale = petition.locale
    text = t(
        at_door("petition.filed", door),
        locale,
        code=petition.code,
        deadline=day_text(petition.deadline, settings, locale),
        days=f"{settings.petition_answer_days:g}",
    )
    if door == "kiosk":
        track = "petition.track_by_phone" if petition.phone else "petition.track_at_counter"
        text += "\n" + t(track, locale, code=petition.code)
    return Reply(text, kind="petition:filed")


def business_buttons(petition: Petition) -> tuple[tuple[Button, ...], ...]:
    """What the business can do with an open petition."""
    return ((Button(t("petition.add_info", petition.locale), choice=f"pb:add:{petition.code}"),),)


def rating_buttons(petition: Petition) -> tuple[tuple[Button, ...], ...]:
    """1–5 stars and "not settled"."""
    stars = tuple(Button("⭐" * n, choice=f"pb:rate:{petition.code}:{n}") for n in range(1, 6))
    return (
        stars[:3],
        stars[3:],
        (Button(t("petition.reopen", petition.locale), choice=f"pb:reopen:{petition.code}"),),
    )


def status_reply(
    petition: Petition,
    events: list[PetitionEvent],
    settings: Settings,
    locale: str,
    *,
    buttons: bool = True,
) -> Reply:
    """``/tracuu``: status, deadline, history and the answer (and, to the owner, its buttons)."""
    lines = [
        t("petition.lookup_title", locale, code=petition.code),
        t("petition.lookup_topic", locale, topic=topic_label(petition.topic, locale)),
        t("petition.lookup_status", locale, status=status_label(petition.status, locale)),
        t(
            "petition.lookup_deadline",
            locale,
            deadline=day_text(petition.deadline, settings, locale),
        ),
        "",
        t("petition.lookup_history", locale),
    ]
    for event in events:
        lines.append(
            t(
                "petition.history_line",
                locale,
                at=time_text(event.at, settings),
                what=t(f"petition.event_{event.kind}", locale),
            )
        )
    if petition.answer:
        lines += ["", t("petition.lookup_answer", locale, answer=petition.answer)]
    shown = business_buttons(petition) if petition.is_open and buttons else ()
    return Reply("\n".join(lines), shown, kind="petition:status")


def mine_reply(petitions: list[Petition], settings: Settings, locale: str) -> Reply:
    """``/cuatoi``: one's own petitions, newest first."""
    if not petitions:
        return Reply(t("petition.mine_none", locale), kind="petition:mine")
    lines = [t("petition.mine_title", locale)]
    for p in petitions:
        lines.append(
            t(
                "petition.mine_line",
                locale,
                code=p.code,
                topic=topic_label(p.topic, locale),
                status=status_label(p.status, locale),
                day=day_text(p.received_at, settings, locale),
            )
        )
    lines.append(t("petition.mine_hint", locale))
    return Reply("\n".join(lines), kind="petition:mine")

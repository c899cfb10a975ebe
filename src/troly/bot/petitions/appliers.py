"""Appliers of the petition effects: the database work, in the message's transaction.

Business effects check that the petition is the asker's own; staff effects check the
roster first. A code that is not the asker's gets the same reply as one that does not exist.
"""

from __future__ import annotations

from sqlalchemy import select

from troly.bot.codes import normalise_code
from troly.bot.effects import Applied, EffectApplier, EffectResult
from troly.bot.flows.base import State
from troly.bot.messages import Button, Reply
from troly.bot.petitions import render
from troly.bot.petitions import schedule as plan
from troly.bot.petitions.effects import (
    AddInfo,
    CommentRating,
    ListMine,
    LookupPetition,
    RatePetition,
    ReopenPetition,
    StaffAction,
    SubmitPetition,
)
from troly.bot.petitions.model import Petition, Status
from troly.bot.petitions.routing import department_for
from troly.bot.petitions.service import (
    by_code,
    create,
    day_text,
    events_of,
    record,
    to_staff,
    work_calendar,
)
from troly.bot.petitions.staff_actions import staff_action
from troly.bot.staff import staff_role
from troly.bot.texts import t

MINE_LIMIT = 20


async def submit(effect: SubmitPetition, applied: Applied) -> EffectResult:
    """Records the petition, posts its card to a new staff topic, schedules its follow-ups."""
    inc, now, settings = applied.incoming, applied.now, applied.settings
    petition = await create(
        applied.session,
        effect.draft,
        channel=inc.channel,
        user_id=inc.user_id,
        locale=applied.state.locale,
        now=now,
        settings=settings,
    )
    # It lands in the queue of the department that handles its topic (the console's routing).
    petition.department = await department_for(
        applied.session, petition.topic, settings, commune=petition.commune_code
    )
    card = render.staff_card(petition, settings)
    await to_staff(applied.session, petition, card, now=now, settings=settings)
    for file in render.business_files(petition, petition.attachments):
        await to_staff(applied.session, petition, file, now=now, settings=settings)
    await plan.schedule_open(applied.session, petition, start=now, now=now, settings=settings)
    return EffectResult(replies=(render.filed_reply(petition, settings, door=inc.door),))


async def _own(applied: Applied, raw_code: str, *, staff_may: bool = False) -> Petition | None:
    code = normalise_code(raw_code, prefixes={"PA"})
    if code is None:
        return None
    petition = await by_code(applied.session, code, lock=True)
    if petition is None:
        return None
    inc = applied.incoming
    if (petition.channel, petition.user_id) == (inc.channel, inc.user_id):
        return petition
    if staff_may and await staff_role(applied.session, inc.channel, inc.user_id):
        return petition
    return None


def _not_found(applied: Applied) -> EffectResult:
    # One reply whether the code does not exist or belongs to someone else.
    return EffectResult(replies=(Reply(t("petition.lookup_none", applied.state.locale)),))


async def _with_phone(applied: Applied, raw_code: str, phone: str) -> Petition | None:
    """The petition ``raw_code`` when it left ``phone`` (filed on the kiosk, followed elsewhere)."""
    code = normalise_code(raw_code, prefixes={"PA"})
    petition = await by_code(applied.session, code) if code is not None else None
    return petition if petition is not None and petition.phone == phone else None


async def lookup(effect: LookupPetition, applied: Applied) -> EffectResult:
    """``/tracuu``: the status to the owner or staff, or to whoever gives the petition's phone.

    To anyone else, nothing. Given by its phone, the status carries no button: adding to the
    petition stays with the conversation that filed it.
    """
    locale = applied.state.locale
    petition = await _own(applied, effect.code, staff_may=True)
    owner = petition is not None
    if petition is None and effect.phone:
        petition = await _with_phone(applied, effect.code, effect.phone)
    if petition is None:
        return _not_found(applied)
    events = await events_of(applied.session, petition)
    reply = render.status_reply(petition, events, applied.settings, locale, buttons=owner)
    return EffectResult(replies=(reply,))


async def list_mine(_effect: ListMine, applied: Applied) -> EffectResult:
    """``/cuatoi``: the asker's petitions."""
    inc = applied.incoming
    query = (
        select(Petition)
        .where(Petition.channel == inc.channel)
        .where(Petition.user_id == inc.user_id)
        .order_by(Petition.id.desc())
        .limit(MINE_LIMIT)
    )
    rows = list((await applied.session.execute(query)).scalars())
    return EffectResult(replies=(render.mine_reply(rows, applied.settings, applied.state.locale),))


async def add_info(effect: AddInfo, applied: Applied) -> EffectResult:
    """The business writes to staff: recorded, relayed to the topic; an answer reopens."""
    petition = await _own(applied, effect.code)
    if petition is None:
        return _not_found(applied)
    locale, now, settings = applied.state.locale, applied.now, applied.settings
    if petition.status == Status.CLOSED:
        return EffectResult(
            replies=(Reply(t("petition.closed_already", locale, code=petition.code)),)
        )
    names = ", ".join(str(a.get("name") or a.get("kind")) for a in effect.attachments)
    note = effect.text + (f"\n[{names}]" if names else "")
    record(
        applied.session,
        petition,
        now=now,
        actor="business",
        actor_id=petition.user_id,
        kind="business_message",
        note=note,
    )
    first = len(petition.attachments) + 1
    if effect.attachments:
        petition.attachments = [*petition.attachments, *(dict(a) for a in effect.attachments)]
    relay = t("staff.from_business", render.STAFF_LOCALE, code=petition.code, text=note)
    await to_staff(applied.session, petition, Reply(relay), now=now, settings=settings)
    for file in render.business_files(petition, effect.attachments, first=first):
        await to_staff(applied.session, petition, file, now=now, settings=settings)
    replies = [Reply(t("petition.info_sent", locale, code=petition.code))]
    if petition.status == Status.ANSWERED:
        replies.append(await _reopen(applied, petition))
    return EffectResult(replies=tuple(replies))


async def _reopen(applied: Applied, petition: Petition) -> Reply:
    now, settings = applied.now, applied.settings
    await plan.stop_all(applied.session, petition)
    petition.round += 1
    petition.closed_at = None
    # ``apologised_at`` stays: rules.md allows one new date per petition, and a reopen is
    # the same petition (no rule makes it a new round with a new date of its own).
    petition.deadline = work_calendar(settings).add_working_days(now, settings.petition_reopen_days)
    record(
        applied.session,
        petition,
        now=now,
        actor="business",
        actor_id=petition.user_id,
        kind="reopened",
        to_status=Status.REOPENED,
    )
    await plan.schedule_open(applied.session, petition, start=now, now=now, settings=settings)
    staff = t(
        "staff.reopened",
        render.STAFF_LOCALE,
        code=petition.code,
        deadline=day_text(petition.deadline, settings),
    )
    await to_staff(applied.session, petition, Reply(staff), now=now, settings=settings)
    return Reply(
        t(
            "petition.reopened",
            petition.locale,
            code=petition.code,
            deadline=day_text(petition.deadline, settings, petition.locale),
        ),
        render.business_buttons(petition),
    )


async def reopen(effect: ReopenPetition, applied: Applied) -> EffectResult:
    """The answer did not settle it: the petition is reopened with a fresh deadline."""
    petition = await _own(applied, effect.code)
    if petition is None:
        return _not_found(applied)
    if petition.status not in (Status.ANSWERED, Status.CLOSED):
        return EffectResult(replies=(Reply(t("petition.not_answered_yet", applied.state.locale)),))
    return EffectResult(replies=(await _reopen(applied, petition),))


async def rate(effect: RatePetition, applied: Applied) -> EffectResult:
    """Records the rating, closes the petition, offers an optional comment."""
    petition = await _own(applied, effect.code)
    locale, now = applied.state.locale, applied.now
    if petition is None:
        return _not_found(applied)
    if petition.rating is not None or petition.status not in (Status.ANSWERED, Status.CLOSED):
        return EffectResult(replies=(Reply(t("petition.rating_not_now", locale)),))
    petition.rating = effect.rating
    closing = Status.CLOSED if petition.status == Status.ANSWERED else None
    if closing is not None:
        petition.closed_at = now
    record(
        applied.session,
        petition,
        now=now,
        actor="business",
        actor_id=petition.user_id,
        kind="rated",
        to_status=closing,
        note=str(effect.rating),
    )
    await plan.stop_all(applied.session, petition)
    staff = t("staff.rated", render.STAFF_LOCALE, code=petition.code, stars="⭐" * effect.rating)
    await to_staff(applied.session, petition, Reply(staff), now=now, settings=applied.settings)
    skip = Button(t("petition.comment_skip", locale), choice="pb:skip")
    state = State("petition_rate", "comment", {"code": petition.code}, locale)
    reply = Reply(t("petition.rated", locale, code=petition.code), ((skip,),))
    return EffectResult(replies=(reply,), state=state)


async def comment(effect: CommentRating, applied: Applied) -> EffectResult:
    """Keeps the comment that came with a rating and passes it to staff."""
    petition = await _own(applied, effect.code)
    if petition is None:
        return _not_found(applied)
    text = effect.text[:1000]
    petition.rating_comment = text
    record(
        applied.session,
        petition,
        now=applied.now,
        actor="business",
        actor_id=petition.user_id,
        kind="rating_comment",
        note=text,
    )
    staff = t("staff.rating_comment", render.STAFF_LOCALE, code=petition.code, text=text)
    await to_staff(
        applied.session, petition, Reply(staff), now=applied.now, settings=applied.settings
    )
    return EffectResult(replies=(Reply(t("petition.thanks", applied.state.locale)),))


def appliers() -> dict[type, EffectApplier]:
    """The petition appliers, by effect type."""
    return {
        SubmitPetition: submit,
        LookupPetition: lookup,
        ListMine: list_mine,
        AddInfo: add_info,
        ReopenPetition: reopen,
        RatePetition: rate,
        CommentRating: comment,
        StaffAction: staff_action,
    }

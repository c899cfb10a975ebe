"""Applying the dossier effects and polling followed dossiers, with the one-stop connector.

A lookup is shown to whoever asks (the code is on their receipt; the system answers the
national portal's public lookup the same). A follow polls through the follow-ups: each poll
compares the answer with what was stored and tells the business, on its own channel through
the outbox, only of a change (its lookup is made before the poll's transaction opens: a
prefetcher); it stops when the dossier is finished, after
``dossier_follow_days``, or when unfollowed. Must not import handlers or platform libraries.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot import followups
from troly.bot.dossiers import render
from troly.bot.dossiers.follows import POLL, DossierFollow
from troly.bot.dossiers.model import DossierSource, DossierStatus, Lookup, NotFound, Unavailable
from troly.bot.effects import Applied, EffectApplier, EffectResult
from troly.bot.flows import dossier as flow
from troly.bot.flows.base import State
from troly.bot.followups import FollowupHandler, FollowupRun, Prefetcher
from troly.bot.messages import Button, Incoming, Reply
from troly.bot.outbox import enqueue
from troly.bot.settings import Settings
from troly.bot.texts import at_door, t

logger = logging.getLogger(__name__)


def appliers(source: DossierSource | None) -> dict[type, EffectApplier]:
    """The dossier effects' appliers, looking dossiers up through ``source``."""

    async def lookup(effect: flow.LookupDossier, applied: Applied) -> EffectResult:
        found = await _found(source, effect.code, applied)
        locale = applied.state.locale
        if not isinstance(found, DossierStatus):
            return EffectResult((_not_shown(found, effect.code, locale, applied.settings),))
        following = await _follow_of(applied, found.code)
        active = following is not None and following.active
        return EffectResult((render.card(found, locale, applied.settings, following=active),))

    async def follow(effect: flow.FollowDossier, applied: Applied) -> EffectResult:
        return await _follow(effect.code, applied, source)

    return {
        flow.LookupDossier: lookup,
        flow.FollowDossier: follow,
        flow.UnfollowDossier: _unfollow,
        flow.ListFollowed: _list_followed,
    }


def handlers(source: DossierSource | None) -> dict[str, FollowupHandler]:
    """The poll of a followed dossier, by follow-up kind."""

    async def poll(run: FollowupRun) -> None:
        await _poll(run, source)

    return {POLL: poll}


def prefetchers(source: DossierSource | None) -> dict[str, Prefetcher]:
    """The poll's lookup, made before its transaction opens (the code is in the payload)."""

    async def lookup(_ref: str, payload: Mapping[str, Any]) -> object:
        code = payload.get("code")
        if source is None or not isinstance(code, str):
            return None
        return await source.lookup(code)

    return {POLL: lookup}


async def _ask(
    source: DossierSource | None, code: str, now: datetime, settings: Settings
) -> Lookup:
    if source is None:
        return Unavailable("no one-stop system configured")
    return _settled(await source.lookup(code), now, settings)


def prefetch(source: DossierSource | None) -> Callable[[Incoming], Awaitable[Mapping[str, object]]]:
    """The dialogue's prefetch: the dossier a message may look up, asked before its transaction."""

    async def fetch(incoming: Incoming) -> Mapping[str, object]:
        code = flow.wanted_code(incoming)
        if source is None or code is None:
            return {}
        return {_key(code): await source.lookup(code)}

    return fetch


def _key(code: str) -> str:
    return f"dossier:{code}"


async def _found(source: DossierSource | None, code: str, applied: Applied) -> Lookup:
    """The prefetched answer for ``code``, or one asked now (in the transaction)."""
    fetched = applied.prefetched.get(_key(code))
    if isinstance(fetched, DossierStatus | NotFound | Unavailable):
        return _settled(fetched, applied.now, applied.settings)
    return await _ask(source, code, applied.now, applied.settings)


def _settled(found: Lookup, now: datetime, settings: Settings) -> Lookup:
    """The answer as of ``now`` (a due date passed unfinished is late); a failure is logged."""
    if isinstance(found, Unavailable):
        logger.warning("one-stop lookup unavailable: %s", found.reason)
        return found
    if isinstance(found, DossierStatus):
        return _as_of(found, _today(now, settings))
    return found


def _today(now: datetime, settings: Settings) -> date:
    return now.astimezone(ZoneInfo(settings.timezone)).date()


def _as_of(status: DossierStatus, today: date) -> DossierStatus:
    """The status with ``overdue`` also set when its due date has passed unfinished."""
    late = status.due is not None and status.due < today and not status.finished
    return replace(status, overdue=status.overdue or late)


def _not_shown(found: Lookup, code: str, locale: str, settings: Settings) -> Reply:
    page = settings.dossier_lookup_page
    key = "dossier.not_found" if isinstance(found, NotFound) else "dossier.unavailable"
    text = t(key, locale, code=code, page=page, phone=settings.support_phone)
    retry = Button(t("dossier.again_button", locale), choice="dos:ask")
    return Reply(text, ((retry,), (Button(t("dossier.portal_button", locale), url=page),)))


async def _follow_of(applied: Applied, code: str) -> DossierFollow | None:
    query = (
        select(DossierFollow)
        .where(DossierFollow.channel == applied.incoming.channel)
        .where(DossierFollow.user_id == applied.incoming.user_id)
        .where(DossierFollow.code == code)
    )
    return (await applied.session.execute(query)).scalar_one_or_none()


async def _follow(code: str, applied: Applied, source: DossierSource | None) -> EffectResult:
    """Starts following (again): a baseline lookup, then a poll every ``dossier_poll_minutes``."""
    session, now, settings = applied.session, applied.now, applied.settings
    locale = applied.state.locale
    existing = await _follow_of(applied, code)
    if existing is not None and existing.active:
        return EffectResult((Reply(t("dossier.already_following", locale, code=code)),))
    active = await session.scalar(
        select(func.count())
        .select_from(DossierFollow)
        .where(DossierFollow.channel == applied.incoming.channel)
        .where(DossierFollow.user_id == applied.incoming.user_id)
        .where(DossierFollow.active.is_(True))
    )
    if (active or 0) >= settings.dossier_max_follows:
        limit = settings.dossier_max_follows
        return EffectResult((Reply(t("dossier.too_many", locale, limit=limit)),))
    found = await _found(source, code, applied)
    if isinstance(found, NotFound):
        return EffectResult((_not_shown(found, code, locale, settings),))
    if isinstance(found, DossierStatus) and found.finished:
        return EffectResult((render.card(found, locale, settings, following=False),))
    row = existing or DossierFollow(
        channel=applied.incoming.channel,
        user_id=applied.incoming.user_id,
        code=code,
        created_at=now,
    )
    row.locale, row.active, row.ended_at, row.created_at = locale, True, None, now
    _remember(row, found if isinstance(found, DossierStatus) else None, now)
    if existing is None:
        session.add(row)
        await session.flush()
    await _schedule(session, row, now=now, settings=settings)
    hours = round(settings.dossier_poll_minutes / 60, 1)
    text = t("dossier.followed", locale, code=code, hours=f"{hours:g}")
    if applied.incoming.channel == "zalo_oa" and settings.zalo_zns_templates.get("dossier_status"):
        text += "\n" + t("dossier.zns_hint", locale)
    buttons = ((render.unfollow_button(code, locale),),)
    return EffectResult((Reply(text, buttons, kind="dossier:followed"),))


def _remember(row: DossierFollow, status: DossierStatus | None, now: datetime) -> None:
    if status is None:
        row.state, row.label, row.overdue, row.due = None, "", False, None
        return
    row.state = status.state.value if status.state is not None else None
    row.label = status.label[:120]
    row.overdue = status.overdue
    row.due = status.due.isoformat() if status.due is not None else None
    row.checked_at = now


async def _schedule(
    session: AsyncSession, row: DossierFollow, *, now: datetime, settings: Settings
) -> None:
    await followups.schedule(
        session,
        kind=POLL,
        ref=row.ref,
        due_at=now + timedelta(minutes=settings.dossier_poll_minutes),
        now=now,
        payload={"code": row.code},
    )


async def _unfollow(effect: flow.UnfollowDossier, applied: Applied) -> EffectResult:
    locale = applied.state.locale
    row = await _follow_of(applied, effect.code)
    if row is None or not row.active:
        return EffectResult((Reply(t("dossier.not_following", locale, code=effect.code)),))
    await _end(applied.session, row, applied.now)
    return EffectResult((Reply(t("dossier.unfollowed", locale, code=effect.code)),))


async def _end(session: AsyncSession, row: DossierFollow, now: datetime) -> None:
    """Stops the follow and its pending poll (from a poll: there is none but the running one)."""
    row.active, row.ended_at = False, now
    await followups.cancel(session, ref=row.ref, kinds=(POLL,))


def _over(row: DossierFollow, now: datetime) -> None:
    """A poll ends its follow: no next poll is scheduled (cancelling would undo this one)."""
    row.active, row.ended_at = False, now


async def _list_followed(_effect: flow.ListFollowed, applied: Applied) -> EffectResult:
    """Asks for the code, after the dossiers the business follows (each with its buttons)."""
    locale = applied.state.locale
    query = (
        select(DossierFollow)
        .where(DossierFollow.channel == applied.incoming.channel)
        .where(DossierFollow.user_id == applied.incoming.user_id)
        .where(DossierFollow.active.is_(True))
        .order_by(DossierFollow.id)
    )
    rows = list((await applied.session.execute(query)).scalars())
    replies: list[Reply] = []
    if rows:
        lines = [t("dossier.followed_list", locale)]
        buttons: list[tuple[Button, ...]] = []
        for row in rows:
            lines.append(f"• {row.code}")
            look = Button(
                t("dossier.look_button", locale, code=row.code), choice=f"dos:look:{row.code}"
            )
            buttons.append((look, render.unfollow_button(row.code, locale)))
        replies.append(Reply("\n".join(lines), tuple(buttons)))
    asked = t(at_door("dossier.ask_code", applied.incoming.door), locale)
    replies.append(Reply(asked, flow.cancel_row(locale)))
    return EffectResult(tuple(replies), State(flow.FLOW, flow.Step.CODE.value, {}, locale))


async def _poll(run: FollowupRun, source: DossierSource | None) -> None:
    """One poll: tells the business of a change, and schedules the next unless it is over."""
    session, now, settings = run.session, run.now, run.settings
    row = await session.get(DossierFollow, int(run.followup.ref.partition(":")[2] or 0))
    if row is None or not row.active:
        return
    if now - row.created_at > timedelta(days=settings.dossier_follow_days):
        _tell(session, row, Reply(t("dossier.follow_expired", row.locale, code=row.code)), now)
        _over(row, now)
        return
    fetched = run.prefetched
    if isinstance(fetched, DossierStatus | NotFound | Unavailable):
        found = _settled(fetched, now, settings)
    else:
        found = await _ask(source, row.code, now, settings)
    if isinstance(found, Unavailable):
        await _schedule(session, row, now=now, settings=settings)
        return
    if isinstance(found, NotFound):
        _tell(session, row, Reply(t("dossier.vanished", row.locale, code=row.code)), now)
        _over(row, now)
        return
    state = found.state.value if found.state is not None else None
    late_now = found.overdue and not row.overdue
    old_due = date.fromisoformat(row.due) if row.due else None
    new_due = found.due if row.overdue and old_due and found.due and found.due > old_due else None
    changed = state != row.state or late_now or new_due is not None
    if row.state is None and not row.label:
        changed = True  # the first answer after a follow made while the system was down
    if changed:
        reply = render.change(found, row.locale, settings, late_now=late_now, new_due=new_due)
        _tell(session, row, reply, now)
    _remember(row, found, now)
    if found.finished:
        _over(row, now)
        return
    await _schedule(session, row, now=now, settings=settings)


def _tell(session: AsyncSession, row: DossierFollow, reply: Reply, now: datetime) -> None:
    aside = replace(reply, aside=True)  # the business did not just ask for it
    enqueue(session, channel=row.channel, recipient=row.user_id, reply=aside, now=now)

"""Signing in and out of the console: server-side sessions, timeouts, throttled passwords.

The browser holds a random session id; the table holds its hash, the CSRF token, and when it
was made and last used. Must not import handlers or platform libraries.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot.console.accounts import by_email, console_role, normal_email, password_matches
from troly.bot.console.model import ConsoleSession, LoginFailure
from troly.bot.settings import Settings
from troly.bot.storage.models import StaffMember


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new session: the id for the cookie (never stored as such) and its CSRF token."""

    token: str
    csrf: str
    member: StaffMember


@dataclass(frozen=True, slots=True)
class Refused:
    """Why a sign-in failed, as a catalogue key and its values."""

    key: str
    seconds: int = 0


@dataclass(frozen=True, slots=True)
class Visit:
    """A request's signed-in user: the session row and the roster entry."""

    row: ConsoleSession
    member: StaffMember


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _wait_left(
    session: AsyncSession, *, email: str, address: str, now: datetime, settings: Settings
) -> int:
    """Seconds until the next try is allowed (0: now), after too many wrong passwords."""
    since = now - timedelta(minutes=settings.console_throttle_window_minutes)
    waits = [0]
    for column, value in ((LoginFailure.email, email), (LoginFailure.address, address)):
        query = (
            select(func.count(), func.max(LoginFailure.at))
            .where(column == value)
            .where(LoginFailure.at > since)
        )
        count, last = (await session.execute(query)).one()
        if count >= settings.console_throttle_failures and last is not None:
            left = settings.console_throttle_seconds - (now - last).total_seconds()
            waits.append(max(0, int(left + 0.999)))
    return max(waits)


async def sign_in(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    address: str,
    now: datetime,
    settings: Settings,
    previous: str | None = None,
) -> SignedIn | Refused:
    """Checks the password (throttled) and opens a new session, ending ``previous``."""
    email = normal_email(email)[:254]
    # Housekeeping rides on sign-ins: expired sessions and old failures go (two indexed deletes).
    await forget_old(session, now=now, settings=settings)
    wait = await _wait_left(session, email=email, address=address, now=now, settings=settings)
    if wait:
        return Refused("console.login_slowed", seconds=wait)
    member = await by_email(session, email)
    stored = member.password_hash if member is not None else None
    matches = await asyncio.to_thread(password_matches, stored, password)
    if member is None or not matches or console_role(member) is None:
        session.add(LoginFailure(at=now, email=email, address=address[:64]))
        await session.flush()
        return Refused("console.login_wrong")
    if previous:
        await sign_out(session, previous)
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    row = ConsoleSession(
        id_hash=_hash(token),
        staff_id=member.id,
        csrf=csrf,
        created_at=now,
        last_seen_at=now,
        address=address[:64],
    )
    session.add(row)
    await session.execute(delete(LoginFailure).where(LoginFailure.email == email))
    await session.flush()
    return SignedIn(token, csrf, member)


async def visit(
    session: AsyncSession, token: str, *, now: datetime, settings: Settings, touch: bool = True
) -> Visit | None:
    """The signed-in user of a session id, refreshing its idle clock; None when it is over.

    ``touch=False`` for what the page does by itself (the inbox's refresh): an open tab
    left alone still goes idle.
    """
    row = await session.get(ConsoleSession, _hash(token))
    if row is None:
        return None
    idle = timedelta(minutes=settings.console_idle_minutes)
    absolute = timedelta(hours=settings.console_absolute_hours)
    member = await session.get(StaffMember, row.staff_id)
    over = now - row.last_seen_at > idle or now - row.created_at > absolute
    if over or member is None or not member.active or console_role(member) is None:
        await session.delete(row)
        return None
    if touch:
        row.last_seen_at = now
    return Visit(row, member)


async def sign_out(session: AsyncSession, token: str) -> None:
    """Ends a session: its id opens nothing any more."""
    await session.execute(delete(ConsoleSession).where(ConsoleSession.id_hash == _hash(token)))


async def end_all_sessions(session: AsyncSession, staff_id: int) -> None:
    """Ends every session of one account (a new password, an account taken off)."""
    await session.execute(delete(ConsoleSession).where(ConsoleSession.staff_id == staff_id))


async def forget_old(session: AsyncSession, *, now: datetime, settings: Settings) -> None:
    """Deletes expired sessions and failures older than the throttle window."""
    since = now - timedelta(minutes=settings.console_throttle_window_minutes)
    idle = now - timedelta(minutes=settings.console_idle_minutes)
    absolute = now - timedelta(hours=settings.console_absolute_hours)
    await session.execute(delete(LoginFailure).where(LoginFailure.at <= since))
    await session.execute(
        delete(ConsoleSession).where(
            or_(ConsoleSession.last_seen_at < idle, ConsoleSession.created_at < absolute)
        )
    )

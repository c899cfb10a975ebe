"""Web accounts on the staff roster: console roles, Argon2id password hashes, the password rule.

One person, one row: a web login is an e-mail and a password hash on the roster entry (their
Telegram entry when they have one). Must not import handlers or platform libraries.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot.storage.models import StaffMember

ConsoleRole = Literal["admin", "supervisor", "officer", "viewer"]
CONSOLE_ROLES: tuple[ConsoleRole, ...] = ("admin", "supervisor", "officer", "viewer")
CONSOLE_CHANNEL = "console"
"""The roster channel of someone who signs in on the web only (no Telegram id)."""
MIN_PASSWORD = 12
ROSTER_ROLE: dict[str, str] = {
    "admin": "supervisor",
    "supervisor": "supervisor",
    "officer": "agent",
    "viewer": "viewer",
}
"""The roster's (Telegram) role of a web-only account, by console role."""
CONSOLE_ROLE_OF_ROSTER: dict[str, ConsoleRole] = {"supervisor": "supervisor", "agent": "officer"}

_hasher = PasswordHasher()  # argon2-cffi's defaults: Argon2id, RFC 9106 low-memory profile
_DUMMY = _hasher.hash(secrets.token_urlsafe(16))


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of the most common long passwords, in lower case."""
    text = resources.files("troly.bot.console").joinpath("common_passwords.txt").read_text("utf-8")
    lines = (line.strip().lower() for line in text.splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


def password_problem(password: str, *, email: str = "") -> str | None:
    """The catalogue key of what is wrong with a new password, or None when it will do."""
    if len(password) < MIN_PASSWORD:
        return "console.password_short"
    folded = password.lower()
    if folded in common_passwords() or len(set(folded)) <= 2:
        return "console.password_common"
    if email and folded in (email.lower(), email.lower().partition("@")[0]):
        return "console.password_common"
    return None


def hash_password(password: str) -> str:
    """The Argon2id hash of a password (slow on purpose: call it off the event loop)."""
    return _hasher.hash(password)


def password_matches(stored: str | None, password: str) -> bool:
    """Whether the password matches the stored hash (a missing hash costs the same time)."""
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def normal_email(email: str) -> str:
    """The e-mail as stored and looked up: trimmed, lower case."""
    return email.strip().lower()


def email_problem(email: str) -> str | None:
    """The catalogue key of why this is not an e-mail address, or None."""
    local, at, domain = normal_email(email).partition("@")
    if (
        not at
        or not local
        or "." not in domain
        or len(email) > 254
        or any(c.isspace() for c in email.strip())
    ):
        return "console.email_invalid"
    return None


def console_role(member: StaffMember) -> ConsoleRole | None:
    """The member's console role: their own, else the one their roster role implies."""
    for role in CONSOLE_ROLES:
        if member.console_role == role:
            return role
    return CONSOLE_ROLE_OF_ROSTER.get(member.role)


async def by_email(session: AsyncSession, email: str) -> StaffMember | None:
    """The active roster entry with this web login, if any."""
    query = (
        select(StaffMember)
        .where(func.lower(StaffMember.email) == normal_email(email))
        .where(StaffMember.active.is_(True))
    )
    return (await session.execute(query)).scalar_one_or_none()


async def save_user(
    session: AsyncSession,
    *,
    email: str,
    name: str,
    role: ConsoleRole,
    password_hash: str | None,
    now: datetime,
    telegram_id: str | None = None,
    topics: list[str] | None = None,
    locale: str | None = None,
    department: str | None = None,
) -> StaffMember:
    """Creates or updates a web account; with ``telegram_id`` it is that roster entry's login.

    Raises ``LookupError`` when the Telegram id is not on the roster (``troly staff add`` first).
    """
    address = normal_email(email)
    query = select(StaffMember).where(func.lower(StaffMember.email) == address)
    member = (await session.execute(query)).scalar_one_or_none()
    if telegram_id is not None:
        linked = await _roster_entry(session, telegram_id)
        if linked is None:
            raise LookupError(telegram_id)
        if member is not None and member.id != linked.id:
            member.email = None  # the login moves to the person's Telegram entry
            member.active = False
            await session.flush()
        member = linked
    if member is None:
        member = StaffMember(
            channel=CONSOLE_CHANNEL,
            user_id=f"{CONSOLE_CHANNEL}:{secrets.token_hex(6)}",
            role=ROSTER_ROLE[role],
            added_at=now,
            topics=[],
            locale="vi",
        )
        session.add(member)
    elif member.channel == CONSOLE_CHANNEL:
        member.role = ROSTER_ROLE[role]
    member.email, member.name, member.console_role, member.active = address, name, role, True
    if password_hash is not None:
        member.password_hash, member.password_changed_at = password_hash, now
    if topics is not None:
        member.topics = topics
    if locale is not None:
        member.locale = locale
    if department is not None:
        member.department = department
    await session.flush()
    return member


async def set_password(
    session: AsyncSession, *, email: str, password_hash: str, now: datetime
) -> StaffMember | None:
    """Sets a new password and ends every session of the account; None if no such account."""
    from troly.bot.console.logins import end_all_sessions

    member = await by_email(session, email)
    if member is None:
        return None
    member.password_hash, member.password_changed_at = password_hash, now
    await end_all_sessions(session, member.id)
    return member


async def _roster_entry(session: AsyncSession, telegram_id: str) -> StaffMember | None:
    query = (
        select(StaffMember)
        .where(StaffMember.channel == "telegram")
        .where(StaffMember.user_id == telegram_id)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def web_accounts(session: AsyncSession) -> list[StaffMember]:
    """Every active roster entry with a web login, by role then name."""
    query = (
        select(StaffMember)
        .where(StaffMember.email.is_not(None))
        .where(StaffMember.active.is_(True))
    )
    members = list((await session.execute(query)).scalars())
    order: dict[str, int] = {role: n for n, role in enumerate(CONSOLE_ROLES)}
    return sorted(members, key=lambda m: (order.get(m.console_role or "", 9), m.name.lower()))

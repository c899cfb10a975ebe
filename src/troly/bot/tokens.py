"""OAuth tokens kept in the database and refreshed ahead of expiry, one refresh at a time.

A refresh token works once, so the refresh happens while holding the token's row: PostgreSQL
``SELECT … FOR UPDATE``; SQLite takes its database write lock with a first ``UPDATE``. A second
worker waits, then finds the new token and uses it. The HTTP call itself is injected (``bot``
must not import a Zalo client or httpx).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from troly.bot.storage.models import ZaloToken

logger = logging.getLogger(__name__)

# An access token given in the settings has no known expiry: it is used for at most this long
# (an "expired" answer from the platform triggers a refresh sooner).
SEEDED_ACCESS_LIFETIME = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Grant:
    """What a refresh returns: a new access token, its lifetime, and the next refresh token."""

    access_token: str
    refresh_token: str
    expires_in: float


class TokenRefreshFailed(Exception):
    """The platform refused the refresh (the refresh token is spent, expired or revoked)."""


Refresher = Callable[[str], Awaitable[Grant]]


def seed_hash(refresh_token: str) -> str:
    """Identifies a configured refresh token without storing it twice."""
    return hashlib.sha256(refresh_token.encode()).hexdigest()


class TokenStore:
    """One named token pair: seeded from the settings, then owned by the database."""

    def __init__(
        self,
        *,
        name: str,
        sessions: async_sessionmaker[AsyncSession],
        refresher: Refresher,
        clock: Callable[[], datetime],
        ahead: timedelta = timedelta(hours=1),
    ) -> None:
        self._name = name
        self._sessions = sessions
        self._refresher = refresher
        self._clock = clock
        self._ahead = ahead
        # One refresh per process at a time; the row lock orders the processes.
        self._lock = asyncio.Lock()

    async def seed(self, *, refresh_token: str, access_token: str | None = None) -> None:
        """Stores the configured tokens unless the database already holds newer ones.

        A refresh token different from the one seeded before (the operator authorised the app
        again) replaces the stored pair; the same one is ignored, since it was spent already.
        """
        digest = seed_hash(refresh_token)
        now = self._clock()
        expires = now + SEEDED_ACCESS_LIFETIME if access_token else now
        async with self._sessions.begin() as session:
            row = await session.get(ZaloToken, self._name)
            if row is not None and row.seed_hash == digest:
                return
            if row is None:
                session.add(
                    ZaloToken(
                        name=self._name,
                        access_token=access_token or "",
                        refresh_token=refresh_token,
                        access_expires_at=expires,
                        refreshed_at=None,
                        seed_hash=digest,
                        version=0,
                    )
                )
                try:
                    await session.flush()
                except IntegrityError:
                    return  # another worker seeded it at the same moment
            else:
                row.access_token = access_token or ""
                row.refresh_token = refresh_token
                row.access_expires_at = expires
                row.seed_hash = digest
                row.version += 1
        logger.info("token %s seeded from the settings", self._name)

    async def stored(self) -> bool:
        """Whether a token pair is stored (seeded or installed)."""
        async with self._sessions() as session:
            return await session.get(ZaloToken, self._name) is not None

    async def install(self, grant: Grant) -> None:
        """Stores the pair an authorisation gave, replacing any stored one.

        The remembered seed stays: a refresh token left unchanged in the settings was spent
        and must not come back; a new one there still wins (the operator chose it).
        """
        now = self._clock()
        expires = now + timedelta(seconds=grant.expires_in)
        async with self._lock, self._sessions.begin() as session:
            row = (
                await session.execute(
                    select(ZaloToken).where(ZaloToken.name == self._name).with_for_update()
                )
            ).scalar_one_or_none()
            if row is None:
                session.add(
                    ZaloToken(
                        name=self._name,
                        access_token=grant.access_token,
                        refresh_token=grant.refresh_token,
                        access_expires_at=expires,
                        refreshed_at=now,
                        seed_hash="",
                        version=0,
                    )
                )
            else:
                row.access_token = grant.access_token
                row.refresh_token = grant.refresh_token
                row.access_expires_at = expires
                row.refreshed_at = now
                row.version += 1
        logger.info("token %s installed from an authorisation", self._name)

    async def access_token(self, *, rejected: str | None = None) -> str:
        """A valid access token, refreshing it first when it is due or was just rejected.

        Args:
            rejected: the token the platform just called expired or invalid.
        """
        fresh = await self._usable(rejected)
        if fresh is not None:
            return fresh
        async with self._lock:
            return await self._refresh(rejected)

    async def refresh_if_due(self) -> None:
        """Refreshes ahead of expiry (a scheduler job, so an idle assistant keeps its tokens)."""
        await self.access_token()

    async def _usable(self, rejected: str | None) -> str | None:
        async with self._sessions() as session:
            row = await session.get(ZaloToken, self._name)
            if row is None:
                raise TokenRefreshFailed(f"no {self._name} token stored")
            return self._still_good(row, rejected)

    def _still_good(self, row: ZaloToken, rejected: str | None) -> str | None:
        if not row.access_token or row.access_token == rejected:
            return None
        if row.access_expires_at - self._ahead <= self._clock():
            return None
        return row.access_token

    async def _refresh(self, rejected: str | None) -> str:
        async with self._sessions.begin() as session:
            if session.get_bind().dialect.name == "sqlite":
                # The first write takes SQLite's database lock until commit: other workers
                # (other processes, other connections) wait here.
                await session.execute(
                    update(ZaloToken)
                    .where(ZaloToken.name == self._name)
                    .values(version=ZaloToken.version)
                )
            row = (
                await session.execute(
                    select(ZaloToken)
                    .where(ZaloToken.name == self._name)
                    .with_for_update()
                    .execution_options(populate_existing=True)
                )
            ).scalar_one_or_none()
            if row is None:
                raise TokenRefreshFailed(f"no {self._name} token stored")
            good = self._still_good(row, rejected)
            if good is not None:
                return good  # another worker refreshed while we waited
            grant = await self._refresher(row.refresh_token)
            now = self._clock()
            row.access_token = grant.access_token
            row.refresh_token = grant.refresh_token
            row.access_expires_at = now + timedelta(seconds=grant.expires_in)
            row.refreshed_at = now
            row.version += 1
        logger.info("token %s refreshed", self._name)
        return grant.access_token

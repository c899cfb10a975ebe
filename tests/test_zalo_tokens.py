"""The OA token store: refreshed once under a lock by two workers, kept across restarts.

Each "worker" has its own engine (its own connections) and its own store, like two processes.
Runs on an SQLite file and, when it answers, on a fresh PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from fakes.zalo_oa_server import ZaloOAFake
from support import Clock
from troly.bot.settings import Settings
from troly.bot.storage.database import create_engine, session_factory, upgrade
from troly.bot.tokens import TokenRefreshFailed, TokenStore
from troly.handlers.zalo.oa import ZaloOAClient

PG_ADMIN = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


@pytest_asyncio.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database at the head migration: an SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'tokens.db'}"
        yield await _migrated(url)
        return
    name = f"troly_zalo_{secrets.token_hex(6)}"
    admin = create_async_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    except (OSError, ConnectionError) as exc:
        await admin.dispose()
        pytest.skip(f"PostgreSQL is not reachable: {exc}")
    try:
        yield await _migrated(f"postgresql://postgres@127.0.0.1:5432/{name}")
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def _migrated(url: str) -> str:
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    return url


def _settings(fake: ZaloOAFake) -> Settings:
    return Settings(
        environment="test",
        zalo_oa_app_id=fake.app_id,
        zalo_oa_app_secret=SecretStr(fake.app_secret),
        zalo_oa_secret=SecretStr(fake.oa_secret),
        zalo_oa_refresh_token=SecretStr(fake.refresh_token),
        zalo_oa_api_url=fake.api_url,
        zalo_oa_oauth_url=fake.oauth_url,
    )


class Worker:
    """One process's view: its own engine, HTTP client and token store."""

    def __init__(self, url: str, fake: ZaloOAFake, clock: Clock) -> None:
        self.engine = create_engine(url)
        self.http = httpx.AsyncClient(trust_env=False)
        client = ZaloOAClient(settings=_settings(fake), client=self.http)
        self.store = TokenStore(
            name="zalo_oa",
            sessions=session_factory(self.engine),
            refresher=client.refresh,
            clock=clock,
        )

    async def close(self) -> None:
        await self.http.aclose()
        await self.engine.dispose()


async def test_two_workers_refreshing_at_once_spend_the_refresh_token_once(
    database_url: str,
) -> None:
    clock = Clock()
    async with ZaloOAFake(clock=clock, refresh_delay=0.3) as fake:
        first, second = Worker(database_url, fake, clock), Worker(database_url, fake, clock)
        try:
            await first.store.seed(refresh_token=fake.refresh_token)
            await second.store.seed(refresh_token=fake.refresh_token)
            tokens = await asyncio.gather(first.store.access_token(), second.store.access_token())
        finally:
            await first.close()
            await second.close()
    assert fake.refresh_calls == ["ok"]
    assert tokens == [fake.access_token, fake.access_token]


async def test_two_workers_told_the_token_expired_refresh_it_once(database_url: str) -> None:
    clock = Clock()
    async with ZaloOAFake(clock=clock, refresh_delay=0.3) as fake:
        first, second = Worker(database_url, fake, clock), Worker(database_url, fake, clock)
        try:
            await first.store.seed(refresh_token=fake.refresh_token)
            old = await first.store.access_token()
            tokens = await asyncio.gather(
                first.store.access_token(rejected=old), second.store.access_token(rejected=old)
            )
        finally:
            await first.close()
            await second.close()
    assert fake.refresh_calls == ["ok", "ok"]
    assert tokens == [fake.access_token, fake.access_token]
    assert old not in tokens


async def test_the_refreshed_tokens_survive_a_restart(database_url: str) -> None:
    clock = Clock()
    async with ZaloOAFake(clock=clock) as fake:
        configured = fake.refresh_token
        before = Worker(database_url, fake, clock)
        try:
            await before.store.seed(refresh_token=configured)
            token = await before.store.access_token()
        finally:
            await before.close()
        after = Worker(database_url, fake, clock)  # the settings still hold the spent token
        try:
            await after.store.seed(refresh_token=configured)
            assert await after.store.access_token() == token
            clock.advance(hours=25)
            renewed = await after.store.access_token()
        finally:
            await after.close()
    assert fake.refresh_calls == ["ok", "ok"]
    assert renewed == fake.access_token != token


async def test_a_new_refresh_token_in_the_settings_replaces_the_stored_pair(
    database_url: str,
) -> None:
    clock = Clock()
    async with ZaloOAFake(clock=clock) as fake:
        worker = Worker(database_url, fake, clock)
        try:
            await worker.store.seed(refresh_token="rt-revoked-long-ago")
            with pytest.raises(TokenRefreshFailed):
                await worker.store.access_token()
            await worker.store.seed(refresh_token=fake.refresh_token)  # the operator re-authorised
            assert await worker.store.access_token() == fake.access_token
        finally:
            await worker.close()
    assert fake.refresh_calls == ["refresh token spent or unknown", "ok"]

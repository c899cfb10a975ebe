"""Shared fixtures: the real bundled knowledge base and its index, an in-memory database."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from troly.bot.settings import Settings
from troly.bot.storage.database import create_engine, session_factory, upgrade
from troly.knowledge.index import ProcedureIndex
from troly.knowledge.records import KnowledgeBase, load_knowledge

# python-telegram-bot 22 warns on every RetryAfter unless durations are timedeltas; the
# suite treats warnings as errors.
os.environ.setdefault("PTB_TIMEDELTA", "true")
# Transcripts say many things quickly on a frozen clock: the per-person limits are off for
# the suite, and the tests of the limits set them (tests/test_limits.py).
os.environ.setdefault("TROLY_RATE_PER_MINUTE", "0")
os.environ.setdefault("TROLY_RATE_STAFF_PER_MINUTE", "0")


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The knowledge base bundled with the package, loaded once per run."""
    return load_knowledge()


@pytest.fixture(scope="session")
def index(kb: KnowledgeBase) -> ProcedureIndex:
    """The procedure index over the bundled knowledge base, with the default thresholds."""
    return ProcedureIndex(kb)


@pytest_asyncio.fixture
async def engine() -> AsyncIterator[AsyncEngine]:
    """An in-memory SQLite database at the head migration, disposed after the test."""
    engine = create_engine("sqlite:///:memory:")
    await upgrade(engine)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The session factory over the in-memory database."""
    return session_factory(engine)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Test settings with a SQLite file in the test's own directory."""
    return Settings(database_url=f"sqlite:///{tmp_path / 'troly.db'}", environment="test")


PG_SERVER = os.environ.get("TROLY_TEST_PG", "postgresql://postgres@127.0.0.1:5432")


@pytest_asyncio.fixture
async def pg_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database for one test (dropped after); skips when none answers."""
    import asyncpg

    try:
        admin = await asyncpg.connect(f"{PG_SERVER}/postgres", timeout=3)
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.skip(f"PostgreSQL is not reachable at {PG_SERVER}: {exc}")
    name = f"troly_test_{secrets.token_hex(5)}"
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield f"{PG_SERVER}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """A headless Chromium driven by Playwright (the browser tests skip without it)."""
    from playwright.sync_api import sync_playwright

    from browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()

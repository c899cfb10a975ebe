"""One poller among several workers: a lease in the database, renewed by its holder, taken over
when the holder stops renewing; `troly serve --workers 2` serves from two processes."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from fakes.telegram_server import CONFLICT_POLLER, TelegramFake
from support import Clock
from troly.bot.leases import Leases, Singleton
from troly.bot.settings import Settings
from troly.bot.storage.database import create_engine, session_factory, upgrade
from troly.handlers.app import Runtime, build_runtime, create_app
from troly.knowledge.index import ProcedureIndex

TTL = timedelta(seconds=30)


async def _two_holders(url: str) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    try:
        sessions = session_factory(engine)
        clock = Clock()
        a = Leases(sessions=sessions, clock=clock, holder="a", ttl=TTL)
        b = Leases(sessions=sessions, clock=clock, holder="b", ttl=TTL)
        assert await asyncio.gather(a.take("poller"), b.take("poller")) in (
            [True, False],
            [False, True],
        )
        first, second = (a, b) if await a.take("poller") else (b, a)
        clock.advance(seconds=20)
        assert await first.take("poller")  # renewed: good for 30 s from now
        clock.advance(seconds=20)
        assert not await second.take("poller")
        # The holder dies: nobody renews, and after the lease the other worker takes over.
        clock.advance(seconds=11)
        assert await second.take("poller")
        assert not await first.take("poller")
        # A clean stop gives it back at once.
        await second.release("poller")
        assert await first.take("poller")
    finally:
        await engine.dispose()


async def test_one_worker_holds_a_lease_until_it_stops_renewing_it(tmp_path: Path) -> None:
    await _two_holders(f"sqlite:///{tmp_path / 'leases.db'}")


@pytest.mark.postgres
async def test_on_postgresql_one_worker_holds_a_lease_at_a_time(pg_url: str) -> None:
    await _two_holders(pg_url)


async def test_a_worker_that_loses_its_lease_stops_its_job(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'singleton.db'}")
    await upgrade(engine)
    try:
        sessions = session_factory(engine)
        clock = Clock()
        events: list[str] = []

        def job(worker: str) -> Singleton:
            async def start() -> None:
                events.append(f"{worker} polls")

            async def stop() -> None:
                events.append(f"{worker} stops")

            leases = Leases(sessions=sessions, clock=clock, holder=worker, ttl=TTL)
            return Singleton(leases, "telegram-poller", start=start, stop=stop, every=10)

        one, two = job("one"), job("two")
        assert await one.tick()
        assert not await two.tick()
        # "one" is frozen (a long garbage collection, a paused VM) past its lease.
        clock.advance(seconds=31)
        assert await two.tick()
        assert not await one.tick()
        assert events == ["one polls", "two polls", "one stops"]
    finally:
        await engine.dispose()


@asynccontextmanager
async def _polling_worker(
    settings: Settings, index: ProcedureIndex
) -> AsyncIterator[tuple[Runtime, object]]:
    app, runtime = create_app(
        settings, runtime=build_runtime(settings, index=index), scheduler=False
    )
    async with app.router.lifespan_context(app):
        yield runtime, app


async def test_two_polling_workers_poll_telegram_one_at_a_time_and_hand_over(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    async with TelegramFake() as fake:
        settings = Settings(
            environment="test",
            database_url=f"sqlite:///{tmp_path / 'workers.db'}",
            telegram_token=SecretStr(fake.token),
            telegram_api_url=fake.base_url.removesuffix("/bot"),
            lease_seconds=2.0,
            lease_renew_seconds=0.1,
        )
        async with AsyncExitStack() as first:
            await first.enter_async_context(_polling_worker(settings, index))
            async with _polling_worker(settings, index):
                await fake.user_says(1001, "/start")
                await fake.wait_for_messages(1001, 1)
                # The first worker stops (a deploy): the second takes the polling over.
                await first.aclose()
                await fake.user_says(1001, "khôi phục mã số thuế")
                await fake.wait_for_messages(1001, 2)
        conflicts = [e for e in fake.errors if e.description == CONFLICT_POLLER]
        assert conflicts == []
        assert len(fake.sent_to(1001)) == 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_serve_with_two_workers_starts_both_answers_and_stops_cleanly(
    tmp_path: Path,
) -> None:
    await _serve_two(f"sqlite:///{tmp_path / 'serve.db'}", tmp_path)


@pytest.mark.postgres
async def test_on_postgresql_two_workers_share_one_database(pg_url: str, tmp_path: Path) -> None:
    await _serve_two(pg_url, tmp_path)


async def _serve_two(url: str, tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "TROLY_PORT": str(port),
        "TROLY_DATABASE_URL": url,
        "PYTHONWARNINGS": "ignore",
    }
    for name in ("TROLY_TELEGRAM_TOKEN", "TROLY_STAFF_CHAT_ID", "TROLY_ZALO_BOT_TOKEN"):
        env.pop(name, None)
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "troly.handlers.cli",
        "serve",
        "--workers",
        "2",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(600):  # up to 60 s: two workers each load the index
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("troly serve --workers 2 did not start")
            answers = await asyncio.gather(
                *(
                    client.post(
                        "/api/chat", json={"session": f"s{i}", "text": "khôi phục mã số thuế"}
                    )
                    for i in range(20)
                )
            )
        kinds = {answer.json()["replies"][0]["kind"] for answer in answers}
        assert kinds == {"procedure:1.008510"}
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(server.communicate(), timeout=60)
    log = output.decode()
    assert server.returncode == 0
    assert log.count("Application startup complete") == 2
    assert "with 2 workers" in log
    assert "Traceback" not in log

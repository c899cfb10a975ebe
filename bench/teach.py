"""A teach, from the moment it is committed to the moment another worker answers with it.

Two processes on one database: a worker (``troly serve``, its own process, checking the
knowledge generation every TROLY_KNOWLEDGE_CHECK_SECONDS) and this process, which teaches
through the same service as ``troly kb teach`` and then asks the worker over HTTP (the web
chat's /api/chat) every 0.25 s until it answers the taught question with the taught record;
then it undoes the teach and waits until the worker no longer does. Rounds alternate teach and
undo. Also the index rebuild itself (``build_from`` on the knowledge source), measured here.
PostgreSQL when TROLY_TEST_PG's server answers (a fresh database, dropped after), else an SQLite
file. Target: visible within 60 s. It prints numbers; it asserts nothing.

    python bench/teach.py [--rounds 4] [--check-seconds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from troly.bot.knowledge.source import Records, build_from, load_source
from troly.bot.knowledge.taught import teach, untaught
from troly.bot.settings import Settings
from troly.bot.storage.database import create_engine, session_factory, upgrade
from troly.knowledge.index import ProcedureIndex
from troly.knowledge.records import load_knowledge

QUESTION = "mở tiệm bán rượu thì làm thủ tục gì"
CODE = "1.013479"
PG = os.environ.get("TROLY_TEST_PG", "postgresql://postgres@127.0.0.1:5432")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _database() -> tuple[str, str | None]:
    """A fresh PostgreSQL database if one answers (its name, to drop), else an SQLite file."""
    try:
        import asyncpg

        admin = await asyncpg.connect(f"{PG}/postgres", timeout=3)
    except Exception:
        path = Path(tempfile.mkdtemp()) / "teach.db"
        return f"sqlite:///{path}", None
    name = f"troly_bench_{secrets.token_hex(4)}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    return f"{PG}/{name}", name


async def _drop(name: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(f"{PG}/postgres", timeout=3)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


async def _answered(client: httpx.AsyncClient) -> bool:
    # A new conversation each time: the answer to the question, never a follow-up.
    body = {"session": secrets.token_hex(16), "text": QUESTION}
    response = await client.post("/api/chat", json=body)
    response.raise_for_status()
    return bool(response.json()["replies"][0]["kind"] == f"procedure:{CODE}")


async def _until(client: httpx.AsyncClient, want: bool, limit: float) -> float | None:
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        if await _answered(client) == want:
            return time.perf_counter() - started
        await asyncio.sleep(0.25)
    return None


async def main(rounds: int, check_seconds: float) -> None:
    url, dropped = await _database()
    settings = Settings(environment="test", database_url=url)
    engine = create_engine(url)
    await upgrade(engine)
    sessions = session_factory(engine)
    port = _free_port()
    env = {
        **os.environ,
        "TROLY_DATABASE_URL": url,
        "TROLY_PORT": str(port),
        "TROLY_ENVIRONMENT": "test",
        "TROLY_KNOWLEDGE_CHECK_SECONDS": str(check_seconds),
        "TROLY_RATE_PER_MINUTE": "0",
    }
    worker = subprocess.Popen(  # noqa: ASYNC220 (started once, before anything is measured)
        [sys.executable, "-m", "troly.handlers.cli", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    kb = load_knowledge()
    index = ProcedureIndex(kb)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for _ in range(120):
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.5)
            visible: list[float] = []
            taught_id = 0
            for round_ in range(rounds):
                now = datetime.now(UTC)
                async with sessions.begin() as session:
                    if round_ % 2 == 0:
                        row = await teach(session, index, QUESTION, code=CODE, by="bench", now=now)
                        await session.flush()
                        taught_id = row.id
                    else:
                        await untaught(session, taught_id, by="bench", now=now)
                took = await _until(client, round_ % 2 == 0, 90.0)
                what = "teach" if round_ % 2 == 0 else "undo"
                print(f"{what:5} visible in the other worker after {took and round(took, 1)} s")
                if took is not None:
                    visible.append(took)
        builds = []
        for _ in range(3):
            async with sessions() as session:
                source = await load_source(session, Records(settings, kb=kb))
            started = time.perf_counter()
            build_from(source, settings)
            builds.append(time.perf_counter() - started)
        print(
            f"visible after: median {statistics.median(visible):.1f} s, "
            f"max {max(visible):.1f} s over {len(visible)} changes "
            f"(check every {check_seconds:g} s; target 60 s)"
        )
        rebuild = statistics.median(builds)
        print(f"index rebuild (2,642 records + taught layer): median {rebuild:.2f} s")
        print(f"database: {'PostgreSQL' if dropped else 'SQLite file'}; load {_load()}")
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        await engine.dispose()
        if dropped:
            await _drop(dropped)


def _load() -> str:
    return Path("/proc/loadavg").read_text().strip()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--check-seconds", type=float, default=15.0)
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.check_seconds))

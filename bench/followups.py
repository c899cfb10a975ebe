"""Follow-ups at scale: time to run N due at once, with 1 and 3 worker processes on
PostgreSQL and 1 on SQLite, and the duplicated or lost effects seen (target: none).

Each follow-up is a real petition reminder (``petition.remind``): it locks the petition,
writes an event and two outbox rows (the petition's staff topic, the assignee). Delivery
is not measured here: the Telegram sender throttles it to Telegram's limits separately.

    python3 bench/followups.py [--n 10000] [--tasks 1] [--only pg1|pg3|sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
from sqlalchemy import func, select

from troly.bot.petitions.model import PetitionEvent
from troly.bot.storage.database import create_engine, session_factory
from troly.bot.storage.models import Followup, OutboxMessage

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from followup_worker import seed  # noqa: E402

PG = os.environ.get("TROLY_TEST_PG", "postgresql://postgres@127.0.0.1:5432")


async def count_effects(url: str, n: int) -> dict[str, float]:
    engine = create_engine(url)
    sessions = session_factory(engine)
    try:
        async with sessions() as session:
            done = (
                await session.execute(
                    select(func.count()).select_from(Followup).where(Followup.status == "done")
                )
            ).scalar_one()
            per_petition = (
                await session.execute(
                    select(func.count())
                    .where(PetitionEvent.kind == "reminded")
                    .group_by(PetitionEvent.petition_id)
                )
            ).scalars()
            counts = list(per_petition)
            first, last = (
                await session.execute(
                    select(func.min(Followup.done_at), func.max(Followup.done_at))
                )
            ).one()
            topic_rows = (
                await session.execute(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.thread.is_not(None))
                )
            ).scalar_one()
    finally:
        await engine.dispose()
    return {
        "done": int(done),
        "duplicated": sum(c - 1 for c in counts if c > 1),
        "lost": n - len(counts),
        "topic_messages": int(topic_rows),
        "run_seconds": (last - first).total_seconds() if first and last else 0.0,
    }


def run_workers(url: str, workers: int, tasks: int) -> list[dict[str, float]]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE.parent / "src"), env.get("PYTHONPATH", "")])
    command = [sys.executable, str(HERE / "followup_worker.py"), "--url", url, "--lease", "120"]
    procs = [
        subprocess.Popen(
            [*command, "--tasks", str(tasks)], env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(workers)
    ]
    return [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]


async def pg_database() -> tuple[str, str]:
    name = f"troly_bench_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(f"{PG}/postgres")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return f"{PG}/{name}", name


async def drop_pg(name: str) -> None:
    admin = await asyncpg.connect(f"{PG}/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def measure(label: str, url: str, workers: int, n: int, tasks: int) -> dict[str, object]:
    asyncio.run(seed(url, n))
    started = time.perf_counter()
    outputs = run_workers(url, workers, tasks)
    seconds = time.perf_counter() - started
    effects = asyncio.run(count_effects(url, n))
    run = float(effects.pop("run_seconds")) or seconds
    return {
        "setup": label,
        "workers": workers,
        "tickers_per_worker": tasks,
        "followups": n,
        "wall_seconds": round(seconds, 1),
        "seconds": round(run, 1),
        "per_second": round(n / run, 1),
        "lost_leases": sum(int(o["lost"]) for o in outputs),
        **effects,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--tasks", type=int, default=1)
    parser.add_argument("--only", choices=["pg1", "pg3", "sqlite"])
    args = parser.parse_args()
    results = []
    for label, workers in (("pg1", 1), ("pg3", 3), ("sqlite", 1)):
        if args.only and args.only != label:
            continue
        if label == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                url = f"sqlite:///{tmp}/bench.db"
                results.append(measure("SQLite", url, workers, args.n, args.tasks))
        else:
            url, name = asyncio.run(pg_database())
            try:
                results.append(measure("PostgreSQL", url, workers, args.n, args.tasks))
            finally:
                asyncio.run(drop_pg(name))
        print(json.dumps(results[-1], ensure_ascii=False), flush=True)
    print()
    print("| database | workers | follow-ups | seconds (first to last done) | per second |", end="")
    print(" duplicated | lost |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(
            f"| {r['setup']} | {r['workers']} | {r['followups']} | {r['seconds']} "
            f"| {r['per_second']} | {r['duplicated']} | {r['lost']} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

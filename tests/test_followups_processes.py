"""On PostgreSQL: three worker processes share 5,000 due follow-ups; one is killed with
SIGKILL mid-run; every follow-up's effect is recorded exactly once and none is lost."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from troly.bot.petitions.model import PetitionEvent
from troly.bot.storage.database import create_engine, session_factory
from troly.bot.storage.models import Followup, OutboxMessage

ROOT = Path(__file__).resolve().parents[1]
WORKER = ROOT / "bench" / "followup_worker.py"
N = 5000

sys.path.insert(0, str(ROOT / "bench"))


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    return env


def _start_workers(url: str) -> list[subprocess.Popen[str]]:
    command = [sys.executable, str(WORKER), "--url", url, "--lease", "3"]
    return [
        subprocess.Popen(
            [*command, "--limit", "25", "--tasks", "3"],
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]


@pytest.mark.postgres
async def test_three_workers_one_killed_mid_run_run_each_followup_exactly_once(
    pg_url: str,
) -> None:
    from followup_worker import seed

    await seed(pg_url, N)
    workers = _start_workers(pg_url)
    engine = create_engine(pg_url)
    sessions = session_factory(engine)

    async def done_count() -> int:
        async with sessions() as session:
            query = select(func.count()).select_from(Followup).where(Followup.status == "done")
            return int((await session.execute(query)).scalar_one())

    try:
        for _ in range(600):
            if await done_count() >= N // 5:
                break
            await asyncio.sleep(0.05)
        victim = workers[0]
        assert victim.poll() is None, "the worker finished before it could be killed"
        victim.send_signal(signal.SIGKILL)
        at_kill = await done_count()
        assert at_kill < N
        outputs = []
        for worker in workers[1:]:
            out, err = await asyncio.to_thread(worker.communicate, timeout=300)
            assert worker.returncode == 0, err
            outputs.append(json.loads(out.strip().splitlines()[-1]))
        await asyncio.to_thread(victim.communicate, timeout=30)
        assert victim.returncode == -signal.SIGKILL

        async with sessions() as session:
            statuses = dict(
                (
                    await session.execute(
                        select(Followup.status, func.count()).group_by(Followup.status)
                    )
                ).all()
            )
            per_petition = (
                await session.execute(
                    select(PetitionEvent.petition_id, func.count())
                    .where(PetitionEvent.kind == "reminded")
                    .group_by(PetitionEvent.petition_id)
                )
            ).all()
            private = (
                await session.execute(
                    select(func.count(), func.count(func.distinct(OutboxMessage.recipient))).where(
                        OutboxMessage.recipient == "11"
                    )
                )
            ).one()
            topics = (
                await session.execute(
                    select(OutboxMessage.thread, func.count())
                    .where(OutboxMessage.recipient == "-1001234")
                    .group_by(OutboxMessage.thread)
                )
            ).all()
        assert statuses == {"done": N}
        assert len(per_petition) == N
        assert {count for _, count in per_petition} == {1}
        assert private[0] == N
        assert len(topics) == N and {count for _, count in topics} == {1}
        # The survivors did the rest, including what the killed worker held when it died.
        assert sum(o["done"] for o in outputs) >= N - at_kill
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
            worker.communicate()
        await engine.dispose()

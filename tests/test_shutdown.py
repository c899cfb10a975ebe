"""Stopping the app while a scheduled tick is still running: no failure logged, nothing lost."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from pathlib import Path

import pytest

from troly.bot.settings import Settings
from troly.handlers.app import build_runtime, create_app
from troly.knowledge.index import ProcedureIndex


async def test_a_tick_still_running_at_shutdown_stops_without_a_traceback(
    tmp_path: Path, index: ProcedureIndex, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(environment="test", database_url=f"sqlite:///{tmp_path / 's.db'}")
    app, runtime = create_app(settings, runtime=build_runtime(settings, index=index))
    sweeping = asyncio.Event()
    swept_before = runtime.outbox.deliver_due

    async def stuck_sweep(limit: int | None = None) -> int:
        sweeping.set()
        await asyncio.Event().wait()  # a sweep waiting on a throttled recipient, say
        return 0

    caplog.set_level(logging.INFO)
    async with app.router.lifespan_context(app):
        assert runtime.scheduler is not None
        runtime.outbox.deliver_due = stuck_sweep  # type: ignore[method-assign]
        (job,) = runtime.scheduler.get_jobs()
        job.modify(next_run_time=datetime.now(runtime.scheduler.timezone))
        runtime.scheduler.wakeup()
        await asyncio.wait_for(sweeping.wait(), timeout=30)
    runtime.outbox.deliver_due = swept_before  # type: ignore[method-assign]

    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures == [], [r.getMessage() for r in failures]
    assert any("stopped by the shutdown" in r.getMessage() for r in caplog.records)

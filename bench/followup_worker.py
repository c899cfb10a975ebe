"""One follow-up worker process: claims due follow-ups until none is left, prints a summary.

Used by bench/followups.py and by the PostgreSQL kill test. Seeding helpers live here too:
``seed(url, n)`` writes n petitions, each with one reminder due now.

    python3 bench/followup_worker.py --url postgresql://… [--lease 3] [--limit 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

from troly.bot.followups import Followups
from troly.bot.petitions.model import Petition
from troly.bot.petitions.schedule import REMIND
from troly.bot.settings import Settings
from troly.bot.staff_topics import StaffTopic
from troly.bot.storage.database import create_engine, session_factory, upgrade
from troly.bot.storage.models import Followup
from troly.bot.wiring import followup_handlers, followup_preloaders

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
STAFF_CHAT = -1001234


def settings_for(url: str) -> Settings:
    return Settings(environment="test", database_url=url, staff_chat_id=STAFF_CHAT)


async def seed(url: str, n: int, *, batch: int = 2000) -> None:
    """n petitions (assigned, open, topic created), each with one reminder due a minute ago."""
    engine = create_engine(url)
    try:
        await upgrade(engine)
        sessions = session_factory(engine)
        now = datetime.now(ZONE)
        for start in range(0, n, batch):
            count = min(batch, n - start)
            async with sessions.begin() as session:
                rows = [
                    {
                        "code": f"PA-B{start + i:07d}"[:16],
                        "channel": "telegram",
                        "user_id": str(100000 + start + i),
                        "locale": "vi",
                        "topic": "thue",
                        "description": "bench",
                        "public": False,
                        "consent": False,
                        "attachments": [],
                        "status": "assigned",
                        "assignee": "11",
                        "assignee_name": "Lan",
                        "received_at": now - timedelta(days=3),
                        "deadline": now + timedelta(days=7),
                        "original_deadline": now + timedelta(days=7),
                        "round": 1,
                        "updated_at": now,
                    }
                    for i in range(count)
                ]
                await session.execute(insert(Petition), rows)
                # A petition filed days ago has had its card delivered: its topic exists.
                await session.execute(
                    insert(StaffTopic),
                    [
                        {
                            "key": f"petition:{row['code']}",
                            "chat_id": str(STAFF_CHAT),
                            "name": f"{row['code']} · Thuế",
                            "thread_id": str(500 + start + i),
                            "created_at": now,
                        }
                        for i, row in enumerate(rows)
                    ],
                )
                await session.execute(
                    insert(Followup),
                    [
                        {
                            "kind": REMIND,
                            "ref": row["code"],
                            "key": f"bench:{row['code']}",
                            "payload": {"percent": 50},
                            "due_at": now - timedelta(minutes=1),
                            "status": "pending",
                            "attempts": 0,
                            "created_at": now,
                        }
                        for row in rows
                    ],
                )
    finally:
        await engine.dispose()


async def work(
    url: str, *, lease: float, limit: int, write_lock: bool, tasks: int = 1
) -> dict[str, float]:
    """Runs ``tasks`` tickers in this process (each claims its own batches) until none is due."""
    engine = create_engine(url)
    settings = settings_for(url)
    sessions = session_factory(engine)
    lock = asyncio.Lock() if write_lock else None
    totals = {"done": 0, "lost": 0, "failed": 0}

    async def ticker() -> None:
        followups = Followups(
            sessions=sessions,
            handlers=followup_handlers(settings),
            preloaders=followup_preloaders(),
            clock=lambda: datetime.now(ZONE),
            settings=settings,
            write_lock=lock,
            lease=timedelta(seconds=lease),
        )
        while True:
            report = await followups.run_due(limit=limit)
            totals["done"] += report.done
            totals["lost"] += report.lost_lease
            totals["failed"] += report.failed + report.retried
            if report.done or report.lost_lease:
                continue
            async with sessions() as session:
                left = (
                    await session.execute(
                        select(func.count())
                        .select_from(Followup)
                        .where(Followup.status == "pending")
                    )
                ).scalar_one()
            if not left:
                return
            await asyncio.sleep(0.1)  # rows leased by a dead worker: wait out the lease

    started = time.perf_counter()
    try:
        await asyncio.gather(*(ticker() for _ in range(tasks)))
    finally:
        await engine.dispose()
    return {**totals, "seconds": time.perf_counter() - started}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--lease", type=float, default=3.0)
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--tasks", type=int, default=1, help="tickers in this process")
    args = parser.parse_args(argv)
    sqlite = args.url.startswith("sqlite")
    summary = asyncio.run(
        work(args.url, lease=args.lease, limit=args.limit, write_lock=sqlite, tasks=args.tasks)
    )
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

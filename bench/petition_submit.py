"""How long a business waits for its petition code on the web chat while the staff group is
throttled (Telegram: 20 messages a minute in a group).

N web users file a petition at once (the short anonymous way, as the chat page posts it) to the
app, which has the Telegram door on (the fake Bot API server of the tests, its flood control
on, as Telegram's) and a staff group: every petition's card goes to that group. Reported: the
latency of the last step (``pf:submit``, which answers with the code) p50/p99/max, the same for
a bare ``GET /healthz``-like endpoint of the same app under the same load for the ratio, and
how long until the last staff card reached the group (the group's pace, not the business's).
Loopback only; stops by itself; prints numbers, asserts nothing.

    python bench/petition_submit.py [--users 25]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

GROUP = -1001234
STEPS: tuple[dict[str, str], ...] = (
    {"text": "/phananh"},
    {"choice": "pf:topic:thue"},
    {"text": "Hoàn thuế GTGT chậm 2 tháng"},
    {"choice": "pf:done"},
    {"choice": "pf:commune:none"},
    {"choice": "pf:public:0"},
    {"choice": "pf:consent:0"},
)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def main_async(users: int) -> None:
    from pydantic import SecretStr

    from fakes.telegram_server import TelegramFake
    from troly.bot.settings import Settings
    from troly.handlers.app import build_runtime, create_app

    with tempfile.TemporaryDirectory() as tmp:
        async with TelegramFake() as fake:
            fake.add_group(GROUP, "Cán bộ PAKN", forum=True, bot_can_manage_topics=True)
            settings = Settings(
                environment="test",
                database_url=f"sqlite:///{os.path.join(tmp, 'bench.db')}",
                telegram_token=SecretStr(fake.token),
                telegram_api_url=fake.base_url.removesuffix("/bot"),
                staff_chat_id=GROUP,
            )
            app, runtime = create_app(settings, runtime=build_runtime(settings), scheduler=False)
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(
                    transport=transport, base_url="http://127.0.0.1"
                ) as client:
                    submit: list[float] = []
                    codes: list[str] = []

                    async def business(i: int) -> None:
                        session = f"bench-{i}"
                        for n, step in enumerate(STEPS):
                            body: dict[str, Any] = {"session": session, "mid": f"{i}-{n}", **step}
                            response = await client.post("/api/chat", json=body)
                            response.raise_for_status()
                        started = time.perf_counter()
                        response = await client.post(
                            "/api/chat",
                            json={"session": session, "mid": f"{i}-submit", "choice": "pf:submit"},
                        )
                        submit.append(time.perf_counter() - started)
                        text = response.json()["replies"][0]["text"]
                        codes.append(text.split("Mã theo dõi: ")[1].split()[0])

                    began = time.perf_counter()
                    await asyncio.gather(*(business(i) for i in range(users)))
                    answered = time.perf_counter() - began
                    bare: list[float] = []
                    for _ in range(users):
                        started = time.perf_counter()
                        (await client.get("/")).raise_for_status()
                        bare.append(time.perf_counter() - started)
                    # The staff group's pace: every card arrives, 20 a minute.
                    # (Before background delivery there was nothing to settle: the requests
                    # themselves had waited for the cards.)
                    settle = getattr(runtime.outbox, "settle", None)
                    if settle is not None:
                        await asyncio.wait_for(settle(), timeout=600)
                    cards = time.perf_counter() - began
                    in_group = fake.sent_to(GROUP)
                    too_many = [e for e in fake.errors if e.status == 429]
    load = os.getloadavg()[0]
    print(f"{users} web petitions at once, staff group on the fake Bot API (flood control on)")
    print(
        f"  submit -> code: p50 {statistics.median(submit) * 1000:.0f} ms, "
        f"p99 {_pct(submit, 0.99) * 1000:.0f} ms, max {max(submit) * 1000:.0f} ms "
        f"(all {users} answered within {answered:.1f} s of the start)"
    )
    print(
        f"  bare GET / of the same app afterwards: p50 {statistics.median(bare) * 1000:.1f} ms, "
        f"p99 {_pct(bare, 0.99) * 1000:.1f} ms"
    )
    print(
        f"  staff group: {len(in_group)} messages for {len(set(codes))} petitions, the last "
        f"{cards:.1f} s after the start; 429 answers from the fake: {len(too_many)}"
    )
    print(f"  machine: {os.cpu_count()} cores, 1-minute load {load:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=25)
    args = parser.parse_args()
    asyncio.run(main_async(args.users))


if __name__ == "__main__":
    main()

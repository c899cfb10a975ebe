"""Soak: mixed web-chat traffic at a steady rate on one worker for minutes; errors, lost or
repeated replies, latency per minute and the app's resident memory.

50 users (default) each send one message a second (so 50 messages/s in all), walking through
scripted conversations in turn: a procedure question (one message), a petition filed the short
anonymous way (eight messages; the last must give a ``PA-`` code) and a booking for the next
dialogue session (eleven messages; the last must give a ``DT-`` code, confirmed or waitlisted).
Every message carries its own ``mid``; a reply missing, an HTTP error or a step that did not
answer as the script expects is an error. Every 15 s each user polls ``/api/chat/pending`` as
the page does: in this traffic nothing should be pending, so anything there is a repeated reply.
The app runs in its own process (SQLite file); its RSS is read from /proc every 10 s, and the
growth is measured from the end of the first minute. Loopback only; stops by itself; prints
numbers, asserts nothing.

    python bench/soak.py [--minutes 10] [--users 50]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from throughput import _pct, app_server, load_questions  # noqa: E402

Step = dict[str, str]


def _tax_codes() -> Iterator[str]:
    from troly.bot.taxcode import check_digit

    for n in itertools.count():
        first_nine = f"38{n:07d}"
        digit = check_digit(first_nine)
        if digit is not None and digit < 10:
            yield f"{first_nine}{digit}"


PETITION: tuple[Step, ...] = (
    {"text": "/phananh"},
    {"choice": "pf:topic:thue"},
    {"text": "Hoàn thuế GTGT chậm 2 tháng dù hồ sơ đã đủ"},
    {"choice": "pf:done"},
    {"choice": "pf:commune:none"},
    {"choice": "pf:public:0"},
    {"choice": "pf:consent:0"},
    {"choice": "pf:submit", "expect": "PA-"},
)


def booking(tax_code: str) -> tuple[Step, ...]:
    return (
        {"text": "/dangky", "pick": "book:s:"},
        {"choice": "{picked}"},
        {"choice": "book:consent:yes"},
        {"text": tax_code},
        {"text": "Công ty TNHH Sông Mã"},
        {"text": "Lê Văn Bình"},
        {"text": "0912 345 678"},
        {"choice": "book:t:datdai"},
        {"text": "Dự án chậm được giao đất dù đã có quyết định chủ trương đầu tư"},
        {"choice": "book:keep:no"},
        {"choice": "book:confirm", "expect": "DT-"},
    )


@dataclass
class Soak:
    """What the soak saw."""

    latencies: list[tuple[float, float]] = field(default_factory=list)  # (at, seconds)
    errors: list[str] = field(default_factory=list)
    sent: int = 0
    repeated: int = 0
    codes: dict[str, int] = field(default_factory=dict)
    rss: list[tuple[float, int]] = field(default_factory=list)  # (at, kB)


def _choices(reply: dict[str, Any]) -> list[str]:
    found = []
    for row in reply.get("buttons", []) or []:
        for button in row if isinstance(row, list) else [row]:
            if isinstance(button, dict) and button.get("choice"):
                found.append(str(button["choice"]))
    return found


def _rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


async def run(args: argparse.Namespace) -> Soak:
    questions = load_questions()
    taxes = _tax_codes()
    soak = Soak()
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "soak.db")
        async with app_server(db, None, in_process=False, profile=None) as served:
            limits = httpx.Limits(max_connections=args.users + 10)
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{served.port}", timeout=30, limits=limits
            ) as client:
                start = time.perf_counter()
                end = start + args.minutes * 60

                async def user(u: int) -> None:
                    session = f"soak-{u}"
                    tick = start + u / args.users  # spread the users over the second
                    next_poll = start + 15 + u * 15 / args.users
                    for n in itertools.count():
                        kind = n % 10
                        script: tuple[Step, ...]
                        if kind == 3:
                            script = PETITION
                        elif kind == 7:
                            script = booking(next(taxes))
                        else:
                            script = ({"text": questions[(u * 31 + n) % len(questions)]},)
                        picked = ""
                        for i, step in enumerate(script):
                            await asyncio.sleep(max(0.0, tick - time.perf_counter()))
                            tick += 1.0
                            if time.perf_counter() >= end:
                                return
                            body: dict[str, Any] = {"session": session, "mid": f"{u}-{n}-{i}"}
                            if "text" in step:
                                body["text"] = step["text"]
                            else:
                                body["choice"] = step["choice"].replace("{picked}", picked)
                            soak.sent += 1
                            sent = time.perf_counter()
                            try:
                                response = await client.post("/api/chat", json=body)
                            except httpx.HTTPError as exc:
                                soak.errors.append(f"transport: {type(exc).__name__}")
                                break
                            took = time.perf_counter() - sent
                            if response.status_code != 200:
                                soak.errors.append(f"HTTP {response.status_code}")
                                break
                            replies = response.json().get("replies", [])
                            if not replies:
                                soak.errors.append("no reply")
                                break
                            soak.latencies.append((sent - start, took))
                            if "pick" in step:
                                options = [
                                    c
                                    for r in replies
                                    for c in _choices(r)
                                    if c.startswith(step["pick"])
                                ]
                                if not options:
                                    soak.errors.append("booking: no open session offered")
                                    break
                                picked = options[0]
                            if "expect" in step:
                                text = " ".join(r.get("text", "") for r in replies)
                                if step["expect"] not in text:
                                    soak.errors.append(f"no {step['expect']} code at the end")
                                    break
                                soak.codes[step["expect"]] = soak.codes.get(step["expect"], 0) + 1
                            if time.perf_counter() >= next_poll:
                                next_poll += 15
                                pending = await client.post(
                                    "/api/chat/pending", json={"session": session}
                                )
                                soak.repeated += len(pending.json().get("replies", []))

                async def memory() -> None:
                    while time.perf_counter() < end:
                        if served.pid is not None:
                            kb = _rss_kb(served.pid)
                            if kb is not None:
                                soak.rss.append((time.perf_counter() - start, kb))
                        await asyncio.sleep(10)

                await asyncio.gather(memory(), *(user(u) for u in range(args.users)))
    return soak


def report(soak: Soak, args: argparse.Namespace) -> None:
    seconds = args.minutes * 60
    done = len(soak.latencies)
    print(
        f"soak: {args.users} web users, 1 message/s each, {args.minutes:g} min, one worker "
        f"on SQLite; machine: {os.cpu_count()} cores, 1-minute load {os.getloadavg()[0]:.2f}"
    )
    print(
        f"  messages sent {soak.sent}, answered {done} ({done / seconds:.1f}/s), "
        f"errors {len(soak.errors)}, repeated replies {soak.repeated}, codes {soak.codes}"
    )
    for minute in range(int(args.minutes + 0.999)):
        lat = sorted(t for at, t in soak.latencies if minute * 60 <= at < (minute + 1) * 60)
        if lat:
            print(
                f"  minute {minute + 1}: {len(lat)} answered, p50 {_pct(lat, 0.5) * 1000:.0f} ms,"
                f" p99 {_pct(lat, 0.99) * 1000:.0f} ms"
            )
    after_first = [kb for at, kb in soak.rss if at >= 60]
    if after_first:
        base, last, peak = after_first[0], after_first[-1], max(after_first)
        print(
            f"  app RSS after the first minute {base / 1024:.0f} MB, at the end "
            f"{last / 1024:.0f} MB ({(last - base) / base:+.1%}), peak {peak / 1024:.0f} MB"
        )
    counts: dict[str, int] = {}
    for error in soak.errors:
        counts[error] = counts.get(error, 0) + 1
    for error, n in sorted(counts.items(), key=lambda kv: -kv[1])[:8]:
        print(f"  error: {n} x {error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--users", type=int, default=50)
    args = parser.parse_args()
    report(asyncio.run(run(args)), args)


if __name__ == "__main__":
    main()

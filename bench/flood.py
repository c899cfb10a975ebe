"""Other people's web-chat latency with and without one flooder, and what the limit buys.

Starts ``troly serve`` (one worker, SQLite, a fresh database per run, the default settings) in
a child process and runs three scenarios of the same length against ``POST /api/chat``:

* quiet: N people, each asking a procedure question every ``--gap`` seconds (within their
  budget of 20 a minute), on their own sessions;
* flooder: the same, plus one session sending ``--flood-rate`` messages a second (0: as fast
  as it is answered), with the per-person limits on (the defaults);
* flooder, limits off: the same with ``TROLY_RATE_PER_MINUTE=0``, for comparison.

The flooder runs in a process of its own, niced (its client work stands for another
machine's). It reports the people's p50/p95/p99 (their 429s too: there must be none), how
many of the flooder's messages were taken and turned away, the app's CPU (share of one core)
and the machine's load before each run. It prints numbers; it asserts nothing.

    python3 bench/flood.py [--people 40] [--gap 3.5] [--seconds 30] [--flood-rate 50]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import random
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "tests" / "data" / "heldout_questions.jsonl"
STARTUP_TIMEOUT = 60.0


@dataclass
class Run:
    """What one scenario measured."""

    name: str
    load_before: tuple[float, float, float]
    latencies: list[float] = field(default_factory=list)
    people_refused: int = 0
    people_failed: int = 0
    flood_taken: int = 0
    flood_refused: int = 0
    flood_failed: int = 0
    seconds: float = 0.0
    server_cpu: float = 0.0
    rounds: int = 0

    def add(self, other: Run) -> None:
        """Pools another run of the same scenario into this one."""
        runs = self.rounds
        self.load_before = tuple(  # type: ignore[assignment]
            (mine * runs + theirs) / (runs + 1)
            for mine, theirs in zip(self.load_before, other.load_before, strict=True)
        )
        self.rounds += 1
        self.latencies += other.latencies
        self.people_refused += other.people_refused
        self.people_failed += other.people_failed
        self.flood_taken += other.flood_taken
        self.flood_refused += other.flood_refused
        self.flood_failed += other.flood_failed
        self.seconds += other.seconds
        self.server_cpu += other.server_cpu

    def line(self) -> str:
        """One row of the report."""
        ms = sorted(x * 1000 for x in self.latencies)

        def pct(p: float) -> float:
            return ms[min(len(ms) - 1, int(p * len(ms)))] if ms else float("nan")

        flood = (
            f"{self.flood_taken} taken, {self.flood_refused} turned away (429)"
            if self.flood_taken or self.flood_refused
            else "-"
        )
        return (
            f"| {self.name} | {len(ms)} | {pct(0.5):.0f} ms | {pct(0.95):.0f} ms | "
            f"{pct(0.99):.0f} ms | {self.people_refused} / {self.people_failed} | {flood} | "
            f"{100 * self.server_cpu / self.seconds:.0f}% | {self.load_before[0]:.2f} |"
        )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def serving(limits_on: bool) -> AsyncIterator[tuple[str, int]]:
    """``troly serve`` on a free port and a fresh database, until the block ends."""
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT / "src"),
            "TROLY_ENVIRONMENT": "test",
            "TROLY_DATABASE_URL": f"sqlite:///{tmp}/flood.db",
            "TROLY_PORT": str(port),
        }
        for name in ("TROLY_TELEGRAM_TOKEN", "TROLY_ZALO_BOT_TOKEN", "TROLY_ZALO_OA_APP_ID"):
            env.pop(name, None)
        if not limits_on:
            env["TROLY_RATE_PER_MINUTE"] = "0"
        else:
            env.pop("TROLY_RATE_PER_MINUTE", None)
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "troly.handlers.cli",
            "serve",
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                deadline = time.monotonic() + STARTUP_TIMEOUT
                while True:
                    with contextlib.suppress(httpx.HTTPError):
                        if (await client.get(base + "/healthz")).status_code == 200:
                            break
                    if time.monotonic() > deadline or proc.returncode is not None:
                        raise RuntimeError("troly serve did not start")
                    await asyncio.sleep(0.2)
            yield base, proc.pid
        finally:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 20)
            except TimeoutError:
                proc.kill()
                await proc.wait()


def _questions() -> list[str]:
    lines = QUESTIONS.read_text("utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


async def _person(
    client: httpx.AsyncClient, base: str, n: int, run: Run, args: argparse.Namespace, end: float
) -> None:
    rng = random.Random(n)
    questions = _questions()
    session = f"person{n:04d}" + "x" * 20
    await asyncio.sleep(rng.uniform(0, args.gap))  # spread the people over the first gap
    sent = 0
    while time.monotonic() < end:
        sent += 1
        body = {"session": session, "text": rng.choice(questions), "mid": f"m{n}_{sent}"}
        started = time.monotonic()
        try:
            response = await client.post(base + "/api/chat", json=body)
        except httpx.HTTPError:
            run.people_failed += 1
        else:
            if response.status_code == 200:
                run.latencies.append(time.monotonic() - started)
            elif response.status_code == 429:
                run.people_refused += 1
            else:
                run.people_failed += 1
        await asyncio.sleep(max(0.0, args.gap * rng.uniform(0.9, 1.1)))


async def _flood(base: str, seconds: float, rate: float) -> tuple[int, int, int]:
    """One session sending ``rate`` messages a second (0: as fast as it is answered), one at
    a time; (taken, turned away, failed)."""
    counts = [0, 0, 0]
    start = time.monotonic()
    end = start + seconds
    rng = random.Random(10_000)
    questions = _questions()
    sent = 0
    async with httpx.AsyncClient(timeout=30) as client:
        while time.monotonic() < end:
            if rate > 0:
                await asyncio.sleep(max(0.0, start + sent / rate - time.monotonic()))
            sent += 1
            body = {"session": "flooder" + "f" * 25, "text": rng.choice(questions)}
            try:
                response = await client.post(base + "/api/chat", json=body)
            except httpx.HTTPError:
                counts[2] += 1
                continue
            status = response.status_code
            counts[0 if status == 200 else 1 if status == 429 else 2] += 1
    return counts[0], counts[1], counts[2]


def _flooder_process(base: str, seconds: float, rate: float, conn: Connection) -> None:
    """The flooder in a process of its own, its client work niced: a real flooder's client
    runs on its own machine, not on the server's cores."""
    os.nice(10)
    conn.send(asyncio.run(_flood(base, seconds, rate)))


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def scenario(name: str, args: argparse.Namespace, *, flood: bool, limits_on: bool) -> Run:
    """One run: the people for ``args.seconds``, and the flooder when asked."""
    async with serving(limits_on) as (base, pid):
        run = Run(name, os.getloadavg())
        limits = httpx.Limits(max_connections=args.people + 5)
        async with httpx.AsyncClient(timeout=30, limits=limits) as client:
            # Warm up: the first answers build caches.
            for i in range(5):
                await client.post(base + "/api/chat", json={"session": f"warm{i}", "text": "mst"})
            flooder = parent = None
            if flood:
                parent, child = mp.get_context("spawn").Pipe()
                flooder = mp.get_context("spawn").Process(
                    target=_flooder_process,
                    args=(base, args.seconds, args.flood_rate, child),
                )
                flooder.start()
            cpu_before = _cpu_seconds(pid)
            end = time.monotonic() + args.seconds
            started = time.monotonic()
            await asyncio.gather(
                *(_person(client, base, n, run, args, end) for n in range(args.people))
            )
            run.seconds = time.monotonic() - started
            run.server_cpu = _cpu_seconds(pid) - cpu_before
            if flooder is not None and parent is not None:
                loop = asyncio.get_running_loop()
                if await loop.run_in_executor(None, parent.poll, 60):
                    run.flood_taken, run.flood_refused, run.flood_failed = parent.recv()
                await loop.run_in_executor(None, flooder.join, 10)
        return run


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=40)
    parser.add_argument("--gap", type=float, default=3.5, help="seconds between one's messages")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument(
        "--flood-rate", type=float, default=50.0, help="the flooder's messages/s (0: unbounded)"
    )
    parser.add_argument("--rounds", type=int, default=1, help="each scenario this many times")
    args = parser.parse_args()
    print(
        f"{os.cpu_count()} CPUs; {args.people} people, one message each every {args.gap} s, "
        f"{args.seconds:.0f} s per run; the flooder offers "
        f"{args.flood_rate or 'as many as answered'} messages/s"
    )
    scenarios = (
        ("quiet", False, True),
        ("one flooder, limits on", True, True),
        ("one flooder, limits off", True, False),
    )
    runs = [Run(name, (0.0, 0.0, 0.0)) for name, _, _ in scenarios]
    # Rounds interleave the scenarios, so a change in the machine's load hits each alike.
    for _ in range(args.rounds):
        for pooled, (name, flood, limits_on) in zip(runs, scenarios, strict=True):
            one = await scenario(name, args, flood=flood, limits_on=limits_on)
            print(one.line(), flush=True)
            pooled.add(one)
    print()
    print(
        "| run | people's answers | p50 | p95 | p99 | people 429 / errors | flooder "
        + "| app CPU | load (1 min) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for run in runs:
        print(run.line())
    quiet = runs[0].latencies
    if quiet:
        base95 = statistics.quantiles(quiet, n=20)[-1]
        for run in runs[1:]:
            if run.latencies:
                p95 = statistics.quantiles(run.latencies, n=20)[-1]
                print(f"{run.name}: people's p95 {100 * (p95 / base95 - 1):+.0f}% against quiet")


if __name__ == "__main__":
    asyncio.run(main())

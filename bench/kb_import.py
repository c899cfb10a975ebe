"""Importing 2,642 procedure records: check, diff and store times, the swap, and what a
question's latency does while a worker rebuilds its index.

In one process (one event loop, as a worker runs): the app's runtime on an SQLite file, with
the bundled index. Simulated users ask dev questions through the dialogue at a fixed offered
rate (paced, not closed-loop: the latency a person sees). First a normal period; then the
export (the bundled one with one record added, one removed, one renamed) is imported
(``check_export``, the diff against the set in use, ``store_import`` with its commit) and the
worker's reloader rebuilds its index in slices on the event loop, swaps it and frees the old
one, while the questions go on. The
p99 of the questions asked during the rebuild is compared with the normal p99 (target: at
most 2x), and no question may fail. It prints numbers; it asserts nothing.

    python bench/kb_import.py [--rate 20] [--users 10] [--seconds 8]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
DEV = ROOT.parent / "shared" / "data" / "dev_questions.jsonl"


def _export() -> bytes:
    """The bundled export with one record added, one removed and one renamed (gzipped)."""
    raw = resources.files("troly.knowledge").joinpath("data/procedures.jsonl.gz").read_bytes()
    records = [json.loads(line) for line in gzip.decompress(raw).decode().splitlines()]
    records = [r for r in records if r["ma_thu_tuc"] != "1.001612"]
    for record in records:
        if record["ma_thu_tuc"] == "2.002043":
            record["ten_thu_tuc"] += " (mẫu mới)"
    records.append({**records[0], "ma_thu_tuc": "9.000001", "ten_thu_tuc": "Thủ tục mới"})
    text = "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n"
    return gzip.compress(text.encode())


@dataclass
class Latencies:
    """Each question's start (monotonic) and latency in ms; failures counted."""

    samples: list[tuple[float, float]] = field(default_factory=list)
    failures: int = 0

    def between(self, start: float, end: float) -> list[float]:
        """Latencies of the questions asked in [start, end)."""
        return [ms for at, ms in self.samples if start <= at < end]


def p(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))] if ordered else 0.0


async def _user(
    runtime: object, number: int, questions: list[str], every: float, stop: float, out: Latencies
) -> None:
    from troly.bot.messages import Incoming

    dialogue = runtime.dialogue  # type: ignore[attr-defined]
    at = time.monotonic() + (number * every) / 10
    i = number
    while at < stop:
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        started = time.monotonic()
        try:
            text = questions[i % len(questions)]
            await dialogue.handle(Incoming(channel="web", user_id=f"u{number}", text=text))
            out.samples.append((started, (time.monotonic() - started) * 1000))
        except Exception:
            out.failures += 1
        i += 7
        at += every


async def main(rate: float, users: int, seconds: float, gap: float = 0.0) -> None:
    from troly.bot.knowledge import imports
    from troly.bot.settings import Settings
    from troly.bot.storage.database import upgrade
    from troly.handlers.app import build_runtime
    from troly.knowledge.record_diff import diff_records

    load_before = os.getloadavg()
    questions = [json.loads(line)["question"] for line in DEV.read_text().splitlines()]
    data = _export()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            environment="test", database_url=f"sqlite:///{tmp}/kb.db", rate_per_minute=0
        )
        runtime = build_runtime(settings)
        await upgrade(runtime.engine)
        every = users / rate
        out = Latencies()
        start = time.monotonic()
        # Warm up (first questions build caches), then a normal period, then the import.
        load = [
            asyncio.create_task(_user(runtime, n, questions, every, start + 3 * seconds + 30, out))
            for n in range(users)
        ]
        await asyncio.sleep(seconds)
        normal_from = time.monotonic()
        await asyncio.sleep(seconds)
        normal_to = time.monotonic()

        peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        checked = await asyncio.to_thread(imports.check_export, data)
        t1 = time.perf_counter()
        async with runtime.sessions() as session:
            in_use = await runtime.reloader.records.load(session)
        diff = await asyncio.to_thread(diff_records, in_use, checked.kb)
        t2 = time.perf_counter()
        store_from = time.monotonic()
        async with runtime.sessions.begin() as session:
            await imports.store_import(
                session, checked, diff, filename="bench.jsonl.gz", by="bench", now=runtime.clock()
            )
        t3 = time.perf_counter()
        store_to = time.monotonic()
        # The questions asked during the store are on their own line. A worker notices an
        # import at its next knowledge check (0-15 s later; at once where the console's page
        # confirmed it): ``--gap`` seconds after the commit (default 0: at once).
        await asyncio.sleep(gap)
        swap_from = time.monotonic()
        swapped = await runtime.reloader.check()
        # Until the replaced index is freed too (in slices, once no question holds it).
        await runtime.reloader.settled()
        swap_to = time.monotonic()
        after_to = swap_to + seconds
        await asyncio.sleep(max(0.0, after_to - time.monotonic()))
        for task in load:
            task.cancel()
        await asyncio.gather(*load, return_exceptions=True)
        await runtime.engine.dispose()

    normal = out.between(normal_from, normal_to)
    storing = out.between(store_from, store_to)
    during = out.between(swap_from, swap_to)
    after = out.between(swap_to, after_to)
    print(f"load before: {' '.join(f'{x:.2f}' for x in load_before)}  cpus: {os.cpu_count()}")
    print(f"records: {len(checked.kb)}  diff: {diff.counts()}  swapped: {swapped}")
    print(
        f"check {1000 * (t1 - t0):.0f} ms, diff {1000 * (t2 - t1):.0f} ms, "
        f"store+commit {1000 * (t3 - t2):.0f} ms, total {1000 * (t3 - t0):.0f} ms"
    )
    print(
        f"swap (read import, rebuild in slices, swap, free the old): {swap_to - swap_from:.2f} s "
        f"(rebuild {runtime.reloader.last_rebuild_seconds or 0:.2f} s)"
    )
    periods = (("normal", normal), ("during store", storing), ("during swap", during))
    for label, values in (*periods, ("after", after)):
        if values:
            print(
                f"{label:12} n={len(values):4}  p50 {p(values, 0.5):6.1f} ms  "
                f"p99 {p(values, 0.99):6.1f} ms  max {max(values):6.1f} ms  "
                f"mean {statistics.fmean(values):6.1f} ms"
            )
    if normal and during:
        ratio = p(during, 0.99) / max(p(normal, 0.99), 0.001)
        print(
            f"p99 during swap / normal p99: {ratio:.2f}x (target <= 2x)  failures: {out.failures}"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"memory peak (max RSS): {peak_before / 1024:.0f} MB before the import, "
        f"{peak / 1024:.0f} MB after"
    )
    print(f"load after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=20.0, help="questions per second offered")
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each period")
    parser.add_argument(
        "--gap", type=float, default=0.0, help="seconds from the import's commit to the reload"
    )
    parser.add_argument("--switch-interval", type=float, help="sys.setswitchinterval (s)")
    parser.add_argument(
        "--plain-rebuild",
        action="store_true",
        help="rebuild without the reloader's gentle mode (for comparison)",
    )
    options = parser.parse_args()
    if options.plain_rebuild:
        import contextlib

        from troly.bot.knowledge import live

        live.gentle_rebuild = contextlib.nullcontext  # type: ignore[assignment]
    if options.switch_interval:
        sys.setswitchinterval(options.switch_interval)
    asyncio.run(main(options.rate, options.users, options.seconds, options.gap))

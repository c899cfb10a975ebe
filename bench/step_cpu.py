"""Where one worker's CPU goes per web message: a procedure question, a petition step and a
booking step, each measured alone under py-spy.

``troly serve`` (one worker, SQLite, the per-person limits off) in its own process; this
process plays N users (closed loop, httpx) for a fixed time per kind of message:

* question: in-scope questions of the dev and held-out sets, one message each;
* petition: the short anonymous petition (``bench/soak.py``'s eight steps, ending with a code);
* booking: a booking for the next dialogue session (eleven steps, ending with a code).

For each kind: the server's CPU per message (its process, all threads), and py-spy's samples
of it sorted into where they went (the matcher, SQLAlchemy, SQLite itself, the HTTP stack and
JSON, the flows and effects, the rest). py-spy samples the stack 100 times a second without
stopping the process. Prints numbers, asserts nothing.

    python bench/step_cpu.py [--users 20] [--seconds 15] [--only question] [--samples PREFIX]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from soak import PETITION, Step, _choices, _tax_codes, booking
from throughput import load_questions
from wrk_chat import Cpu, troly_serve

# Where a py-spy sample went, by the frames on its stack (first rule that matches).
PLACES = (
    ("matcher (knowledge/)", lambda frames, leaf: any("troly/knowledge/" in f for f in frames)),
    ("SQLite itself", lambda frames, leaf: "aiosqlite" in leaf or "storage/database.py" in leaf),
    (
        "SQLAlchemy (Core, ORM, session)",
        lambda frames, leaf: any("sqlalchemy/" in f for f in frames),
    ),
    ("flows, effects, texts (bot/)", lambda frames, leaf: any("troly/bot/" in f for f in frames)),
    (
        "HTTP, JSON, web door",
        lambda frames, leaf: any(
            m in f for f in frames for m in ("uvicorn/", "starlette/", "httptools", "json")
        ),
    ),
)
TAX_CODES = _tax_codes()
IDLE = ("select (", "_connection_worker_thread (aiosqlite/core.py", "SimpleQueue", "poll (")


def place(stack: str) -> str | None:
    frames = stack.split(";")
    leaf = frames[-1]
    if any(i in leaf for i in IDLE):
        return None
    for name, test in PLACES:
        if test(frames, leaf):
            return name
    return "the rest (event loop, logging, other)"


def read_samples(path: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for line in Path(path).read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        where = place(stack)
        if where is not None:
            counts[where] += int(n)
    return counts


async def walk(
    client: httpx.AsyncClient, user: int, kind: str, end: float, questions: list[str], tag: str
) -> tuple[int, int]:
    """One user's messages of one kind until ``end``: (messages answered, errors)."""
    done = errors = 0
    for n in range(10**6):
        if kind == "question":
            script: tuple[Step, ...] = ({"text": questions[(user * 31 + n) % len(questions)]},)
        elif kind == "petition":
            script = PETITION
        else:
            script = booking(next(TAX_CODES))  # each booking its own business
        picked = ""
        for i, step in enumerate(script):
            if time.perf_counter() >= end:
                return done, errors
            # A new session per petition or booking; message ids are unique across sessions.
            session = f"{tag}-{user}" if kind == "question" else f"{tag}-{user}-{n}"
            body: dict[str, Any] = {"session": session, "mid": f"{tag}-{user}-{n}-{i}"}
            if "text" in step:
                body["text"] = step["text"]
            else:
                body["choice"] = step["choice"].replace("{picked}", picked)
            response = await client.post("/api/chat", json=body)
            replies = response.json().get("replies", []) if response.status_code == 200 else []
            if not replies:
                errors += 1
                break
            done += 1
            if "pick" in step:
                options = [c for r in replies for c in _choices(r) if c.startswith(step["pick"])]
                if not options:
                    errors += 1
                    break
                picked = options[0]
            if "expect" in step and step["expect"] not in " ".join(r["text"] for r in replies):
                errors += 1
    return done, errors


def measure(port: int, pid: int, kind: str, args: argparse.Namespace, questions: list[str]) -> None:
    cpu = Cpu(pid)
    worker = cpu.worker_pids()[0]
    with tempfile.NamedTemporaryFile(suffix=".txt", delete=False) as f:
        samples = f.name

    async def run(seconds: float, tag: str) -> tuple[int, int]:
        limits = httpx.Limits(max_connections=args.users)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=30, trust_env=False
        ) as client:
            end = time.perf_counter() + seconds
            results = await asyncio.gather(
                *(walk(client, u, kind, end, questions, tag) for u in range(args.users))
            )
        return sum(r[0] for r in results), sum(r[1] for r in results)

    asyncio.run(
        run(2.0, f"{kind[0]}w")
    )  # warm-up: the paths' first statements compiled, caches filled
    cpu.take()
    command = ["py-spy", "record", "-p", str(worker), "-r", "100", "--nonblocking"]
    command += ["-f", "raw", "-o", samples, "-d", str(int(args.seconds))]
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = time.perf_counter()
    done, errors = asyncio.run(run(args.seconds, f"{kind[0]}m"))
    wall = time.perf_counter() - started
    used = cpu.take()
    spy.wait()
    counts = read_samples(samples)
    if args.samples:
        shutil.move(samples, f"{args.samples}.{kind}.txt")
    else:
        os.unlink(samples)
    total = sum(counts.values()) or 1
    per = used / max(done, 1) * 1000
    print(
        f"\n== {kind} step: {done} messages in {wall:.1f} s ({done / wall:.0f}/s), errors "
        f"{errors}; server CPU {per:.2f} ms per message; load "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    for name, _ in (*PLACES, ("the rest (event loop, logging, other)", None)):
        share = counts.get(name, 0) / total
        print(f"  {name:38} {share:6.1%}  {share * per:5.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--only", choices=["question", "petition", "booking"])
    parser.add_argument(
        "--samples", metavar="PREFIX", help="keep py-spy's raw stacks in PREFIX.KIND.txt"
    )
    args = parser.parse_args()
    if shutil.which("py-spy") is None:
        raise SystemExit("py-spy is not installed (pip install py-spy)")
    questions = load_questions()
    with (
        tempfile.TemporaryDirectory(prefix="troly-steps-") as tmp,
        troly_serve(f"sqlite:///{tmp}/steps.db", 1) as (port, pid),
    ):
        for kind in ("question", "petition", "booking"):
            if args.only in (None, kind):
                measure(port, pid, kind, args, questions)


if __name__ == "__main__":
    main()

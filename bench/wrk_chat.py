"""Web chat throughput measured with wrk (C, one connection per simulated user) against
``troly serve``, and against a bare endpoint on the same HTTP stack in the same run, for the
ratio.

50 users by default, closed loop: wrk runs one thread per user with one kept-alive connection
each, so user ``i`` always writes as session ``i`` and sends its next message as soon as it
has its reply. Each message has a fresh message id, as the chat page sends. The questions are
the in-scope ones of the dev and held-out sets (as ``bench/throughput.py``).

1. the app: ``troly serve`` (``--workers N``; SQLite, or PostgreSQL with ``--postgres``, a
   fresh database per run) in its own process(es), the per-person limits off; a warm-up that
   opens every user's conversation, then the measured run. Afterwards the database is read:
   for every session, its messages were handled in the order sent, once each (the message
   ids' order, one question log and one reply per message, the conversation's version);
2. a bare endpoint: a Starlette app with one ``POST /api/chat`` that reads the JSON body and
   answers a JSON reply of about the size of an answer, on uvicorn with the same loop and HTTP
   parser, with the same wrk.

Printed for each: messages/s, latency p50/p90/p99 (wrk's), CPU per message of the app's
processes (all their threads) and of wrk, and the machine's load. Prints numbers, asserts
nothing.

    python bench/wrk_chat.py [--users 50] [--seconds 20] [--workers 1,2] [--postgres]
                             [--only app|bare] [--spy FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import load_questions

PG_SERVER = os.environ.get("TROLY_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
BARE_REPLY_CHARS = 900  # about an answer card's JSON
STARTUP_SECONDS = 60.0

LUA = r"""
-- One wrk thread per user, one connection each: the thread's id is the user's session.
local next_id = 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

local sent = 0
function request()
  sent = sent + 1
  local q = questions[((id * 7 + sent) % #questions) + 1]
  local body = '{"session":"' .. prefix .. id .. '","text":' .. q ..
    ',"mid":"' .. run .. id .. '-' .. sent .. '"}'
  return wrk.format("POST", "/api/chat", {["Content-Type"] = "application/json"}, body)
end
"""


def lua_script(questions: list[str], *, prefix: str, run: str) -> str:
    """The wrk script: the questions as JSON strings in Lua long brackets, then ``LUA``."""
    quoted = ",\n".join(f"[==[{json.dumps(q)}]==]" for q in questions)
    return f'prefix = "{prefix}"\nrun = "{run}"\nquestions = {{\n{quoted}\n}}\n{LUA}'


# --------------------------------------------------------------------------- processes


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("the server did not start")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:13]) / os.sysconf("SC_CLK_TCK")


def _named(name: str) -> list[int]:
    """The processes whose command is ``name`` (PostgreSQL's server and its backends)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == name:
                    found.append(int(entry.name))
    return found


def _machine_busy() -> float:
    """CPU seconds all cores spent busy since boot (/proc/stat: all but idle and iowait)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    """A process and its descendants (uvicorn's supervisor and workers)."""
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True)
    children: dict[int, list[int]] = defaultdict(list)
    for line in out.stdout.splitlines():
        p, pp = (int(x) for x in line.split())
        children[pp].append(p)
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo += children.get(p, [])
    return found


class Cpu:
    """CPU seconds used by a process tree since the last ``take`` (processes may come and go)."""

    def __init__(self, pid: int | None = None, *, name: str | None = None) -> None:
        self._pid = pid
        self._name = name
        self._seen: dict[int, float] = {}

    def take(self) -> float:
        used = 0.0
        pids = _tree(self._pid) if self._pid is not None else _named(self._name or "")
        for p in pids:
            with contextlib.suppress(OSError, IndexError):
                now = _cpu_seconds(p)
                used += now - self._seen.get(p, 0.0)
                self._seen[p] = now
        return used

    def worker_pids(self) -> list[int]:
        assert self._pid is not None
        return [p for p in _tree(self._pid) if p != self._pid] or [self._pid]


@contextlib.contextmanager
def troly_serve(database_url: str, workers: int) -> Any:
    """``troly serve`` on a free port, until the block ends (then SIGTERM)."""
    port = _free_port()
    env = {
        **os.environ,
        "TROLY_DATABASE_URL": database_url,
        "TROLY_PORT": str(port),
        "TROLY_HOST": "127.0.0.1",
        # Each simulated user sends as fast as it is answered: the per-person limits are off.
        "TROLY_RATE_PER_MINUTE": "0",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(_src()), os.environ.get("PYTHONPATH")])),
    }
    for name in ("TROLY_TELEGRAM_TOKEN", "TROLY_ZALO_BOT_TOKEN", "TROLY_ZALO_OA_APP_ID"):
        env.pop(name, None)
    command = [sys.executable, "-m", "troly.handlers.cli", "serve", "--workers", str(workers)]
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(command, env=env, stdout=log, stderr=log)
        try:
            _wait_for_port(port, proc)
            time.sleep(1.0 + workers)  # every worker up (the port answers with the first)
            yield port, proc.pid
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.seek(0)
            tail = log.read().decode(errors="replace").splitlines()
            errors = [line for line in tail if "Traceback" in line or " ERROR " in line]
            if errors:
                print(f"  server log: {len(errors)} error lines, e.g. {errors[0][:160]}")


def _src() -> Path:
    return Path(__file__).resolve().parents[1] / "src"


def _bare_app() -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def chat(request: Request) -> JSONResponse:
        body = json.loads(await request.body())
        reply = {"text": "x" * BARE_REPLY_CHARS, "kind": "answer", "buttons": [], "rows": []}
        return JSONResponse({"replies": [reply], "session": body.get("session")})

    return Starlette(routes=[Route("/api/chat", chat, methods=["POST"])])


@contextlib.contextmanager
def bare_serve() -> Any:
    """The bare endpoint on uvicorn (loop and HTTP parser "auto", as ``troly serve``)."""
    port = _free_port()
    code = (
        "import sys, uvicorn; sys.path.insert(0, sys.argv[2]); import wrk_chat; "
        "uvicorn.run(wrk_chat._bare_app(), host='127.0.0.1', port=int(sys.argv[1]), "
        "log_level='warning', lifespan='off')"
    )
    here = str(Path(__file__).resolve().parent)
    proc = subprocess.Popen([sys.executable, "-c", code, str(port), here])
    try:
        _wait_for_port(port, proc)
        yield port, proc.pid
    finally:
        proc.terminate()
        proc.wait(10)


# --------------------------------------------------------------------------- wrk


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(value: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    return float(found.group(1)) * _UNITS[found.group(2)] if found else float("nan")


def run_wrk(port: int, script: str, *, users: int, seconds: float) -> dict[str, Any]:
    """Runs wrk once; returns its numbers and its own CPU seconds."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    command = ["wrk", f"-t{users}", f"-c{users}", f"-d{seconds:g}s", "--timeout", "15s"]
    command += ["--latency", "-s", f.name, f"http://127.0.0.1:{port}/api/chat"]
    out = subprocess.run(command, capture_output=True, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    os.unlink(f.name)
    text = out.stdout
    found: dict[str, Any] = {"raw": text + out.stderr}
    for q in ("50", "90", "99"):
        m = re.search(rf"^\s+{q}%\s+(\S+)", text, re.M)
        found[f"p{q}"] = _ms(m.group(1)) if m else float("nan")
    m = re.search(r"(\d+) requests in", text)
    found["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    found["rate"] = float(m.group(1)) if m else 0.0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    found["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: (.*)", text)
    found["socket_errors"] = m.group(1) if m else "none"
    found["wrk_cpu"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return found


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def report(name: str, found: dict[str, Any], app_cpu: float, db_cpu: float = 0.0) -> None:
    n = max(found["requests"], 1)
    seconds = found["requests"] / found["rate"] if found["rate"] else float("nan")
    print(f"\n== {name}")
    print(
        f"{found['rate']:.1f} messages/s ({found['requests']} in the run), "
        f"p50 {found['p50']:.1f} ms  p90 {found['p90']:.1f} ms  p99 {found['p99']:.1f} ms; "
        f"non-2xx {found['non2xx']}, socket errors {found['socket_errors']}"
    )
    print(
        f"CPU: app {app_cpu / n * 1000:.2f} ms per message ({app_cpu / seconds:.0%} of one "
        f"core); wrk {found['wrk_cpu'] / n * 1000:.2f} ms per message "
        f"({found['wrk_cpu'] / seconds:.0%}); load {_load()}"
    )
    if "machine_busy" in found:
        others = found["machine_busy"] - app_cpu - db_cpu - found["wrk_cpu"]
        print(
            f"     machine: {found['machine_busy'] / seconds:.2f} of {os.cpu_count()} cores busy, "
            f"of which other work (not the app, wrk or PostgreSQL) {others / seconds:.2f}"
        )
    if db_cpu:
        print(
            f"     PostgreSQL (all its processes) {db_cpu / n * 1000:.2f} ms per message "
            f"({db_cpu / seconds:.0%} of one core)"
        )
    if found["requests"] == 0:
        print(found["raw"])


def measured(
    port: int, pid: int, script: str, args: argparse.Namespace, spy_to: str | None = None
) -> tuple[dict[str, Any], float, float]:
    """One wrk run, with the CPU the server's processes and PostgreSQL's used meanwhile (and
    py-spy's samples, if asked)."""
    cpu, db = Cpu(pid), Cpu(name="postgres")
    cpu.take()
    db.take()
    busy = _machine_busy()
    spies = []
    if spy_to:
        for n, worker in enumerate(cpu.worker_pids()):
            command = ["py-spy", "record", "-p", str(worker), "-r", "100", "--nonblocking"]
            command += ["-f", "raw", "-o", f"{spy_to}.{n}", "-d", str(int(args.seconds))]
            spies.append(
                subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )
    found = run_wrk(port, script, users=args.users, seconds=args.seconds)
    used, db_used = cpu.take(), db.take()
    found["machine_busy"] = _machine_busy() - busy
    for spy in spies:
        spy.wait()
    return found, used, db_used


# --------------------------------------------------------------------------- order check


async def check_order(url: str, run: str) -> str:
    """Reads what the run left: per session, its messages in order and each handled once."""
    from sqlalchemy import select

    from troly.bot.storage.database import create_engine
    from troly.bot.storage.models import Conversation, OutboxMessage, ProcessedEvent

    engine = create_engine(url)
    try:
        async with engine.connect() as db:
            events = (
                await db.execute(
                    select(ProcessedEvent.event_id, ProcessedEvent.received_at).where(
                        ProcessedEvent.channel == "web"
                    )
                )
            ).all()
            replies = (
                await db.execute(
                    select(OutboxMessage.recipient, OutboxMessage.id, OutboxMessage.created_at)
                    .where(OutboxMessage.channel == "web")
                    .order_by(OutboxMessage.id)
                )
            ).all()
            versions = dict(
                (
                    await db.execute(
                        select(Conversation.user_id, Conversation.version).where(
                            Conversation.channel == "web"
                        )
                    )
                ).all()
            )
    finally:
        await engine.dispose()
    sent: dict[str, list[tuple[int, Any]]] = defaultdict(list)
    handled: dict[str, int] = defaultdict(int)
    for event_id, at in events:
        found = re.fullmatch(r"([a-z])(\d+)-(\d+)", event_id)
        if found is None:
            continue
        session = f"u{found.group(2)}"
        handled[session] += 1
        if found.group(1) == run:
            sent[session].append((int(found.group(3)), at))
    by_session: dict[str, list[tuple[int, Any]]] = defaultdict(list)
    for recipient, row_id, at in replies:
        by_session[recipient].append((row_id, at))
    out_of_order = 0
    for session, items in sent.items():
        items.sort()
        moments = [at for _, at in items]
        numbers = [n for n, _ in items]
        # (wrk builds thread 0's first request once before it starts: it is never sent)
        gapless = numbers == list(range(numbers[0], numbers[0] + len(numbers)))
        if moments != sorted(moments) or not gapless:
            out_of_order += 1
        # The run's replies, in the order they were written, answer its messages in order.
        run_moments = set(moments)
        rows = [at for _, at in by_session.get(session, []) if at in run_moments]
        if rows != moments:
            out_of_order += 1
    wrong_version = sum(1 for s, n in handled.items() if versions.get(s) != n)
    replies_off = sum(1 for s, n in handled.items() if len(by_session.get(s, [])) != n)
    return (
        f"order check: {len(sent)} sessions, {sum(len(v) for v in sent.values())} messages "
        f"of the run; sessions out of order {out_of_order}, with a conversation version not "
        f"equal to their messages {wrong_version}, with replies not one per message {replies_off}"
    )


# --------------------------------------------------------------------------- main


async def _fresh_postgres() -> str:
    import asyncpg

    admin = await asyncpg.connect(f"{PG_SERVER}/postgres", timeout=5)
    name = f"troly_bench_{secrets.token_hex(4)}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    return f"{PG_SERVER}/{name}"


async def _drop_postgres(url: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(f"{PG_SERVER}/postgres", timeout=5)
    await admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    await admin.close()


def bench_app(args: argparse.Namespace, questions: list[str], workers: int, tmp: str) -> None:
    url = asyncio.run(_fresh_postgres()) if args.postgres else f"sqlite:///{tmp}/wrk-{workers}.db"
    where = "PostgreSQL" if args.postgres else "SQLite"
    try:
        with troly_serve(url, workers) as (port, pid):
            warm = lua_script(questions, prefix="u", run="w")
            run_wrk(port, warm, users=args.users, seconds=args.warmup)
            # wrk leaves the warm-up's last messages in flight: they finish before the run.
            time.sleep(2)
            script = lua_script(questions, prefix="u", run="m")
            found, cpu, db_cpu = measured(port, pid, script, args, args.spy)
        report(f"app: troly serve --workers {workers}, {where}", found, cpu, db_cpu)
        print("  " + asyncio.run(check_order(url, "m")))
    finally:
        if args.postgres:
            asyncio.run(_drop_postgres(url))


def bench_bare(args: argparse.Namespace, questions: list[str]) -> None:
    with bare_serve() as (port, pid):
        script = lua_script(questions, prefix="u", run="b")
        run_wrk(port, script, users=args.users, seconds=2)
        found, cpu, _ = measured(port, pid, script, args)
    report("bare endpoint: Starlette on uvicorn, one process", found, cpu)


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=4.0)
    parser.add_argument("--workers", default="1", help="comma-separated: one run each")
    parser.add_argument("--postgres", action="store_true", help=f"a fresh database on {PG_SERVER}")
    parser.add_argument("--only", choices=["app", "bare"])
    parser.add_argument("--spy", help="py-spy raw samples of each worker to FILE.N")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed")
    questions = load_questions()
    print(
        f"cpus {os.cpu_count()}, {len(questions)} questions, {args.users} users "
        f"(wrk -t{args.users} -c{args.users}), {args.seconds:g} s per run; event loop "
        f"{'uvloop' if _has('uvloop') else 'asyncio'}, HTTP "
        f"{'httptools' if _has('httptools') else 'h11'}; load {_load()}"
    )
    with tempfile.TemporaryDirectory(prefix="troly-wrk-") as tmp:
        if args.only in (None, "app"):
            for workers in (int(w) for w in args.workers.split(",")):
                bench_app(args, questions, workers, tmp)
        if args.only in (None, "bare"):
            bench_bare(args, questions)


if __name__ == "__main__":
    main()

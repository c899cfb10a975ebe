"""Web chat throughput measured with wrk (C, one connection per simulated user), against a bare
endpoint on the same HTTP stack in the same run, for the ratio.

50 users by default, closed loop: wrk runs one thread per user with one kept-alive connection
each, so user ``i`` always writes as session ``i`` and sends its next message as soon as it
has its reply. Each message has a fresh message id, as the chat page sends. The questions are
the in-scope ones of the dev and held-out sets (as ``bench/throughput.py``).

1. the app (``create_app``, one uvicorn worker on SQLite, in a child process): a warm-up that
   opens every user's conversation, then the measured run;
2. a bare endpoint: a Starlette app with one ``POST /api/chat`` that reads the JSON body and
   answers a JSON reply of the same size, on the same uvicorn settings, with the same wrk.

Printed for each: messages/s, latency p50/p90/p99 (wrk's), the app's CPU per message (all its
threads), wrk's own CPU per message, and the machine's load. ``--workers N`` (PostgreSQL,
``--database``) serves the app with ``troly serve --workers N`` instead, and ``--order``
then checks afterwards that every conversation's question log and replies are in the order
sent. Prints numbers, asserts nothing.

    python bench/wrk_chat.py [--users 50] [--seconds 20] [--only app|bare]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import _bind, app_server, load_questions

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

BARE_REPLY_CHARS = 900  # about an answer card's JSON


def lua_script(questions: list[str], *, prefix: str, run: str) -> str:
    """The wrk script: the questions as JSON strings in Lua long brackets, then ``LUA``."""
    quoted = ",\n".join(f"[==[{json.dumps(q)}]==]" for q in questions)
    return f'prefix = "{prefix}"\nrun = "{run}"\nquestions = {{\n{quoted}\n}}\n{LUA}'


def _bare_app() -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def chat(request: Request) -> JSONResponse:
        body = json.loads(await request.body())
        text = "x" * BARE_REPLY_CHARS
        reply = {"text": text, "kind": "answer", "buttons": [], "rows": []}
        return JSONResponse({"replies": [reply], "session": body.get("session")})

    return Starlette(routes=[Route("/api/chat", chat, methods=["POST"])])


def _bare_child(conn: Any) -> None:
    import uvicorn

    sock = _bind()
    conn.send(sock.getsockname()[1])
    config = uvicorn.Config(_bare_app(), lifespan="off", log_level="warning", log_config=None)
    uvicorn.Server(config).run(sockets=[sock])


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its reaped children (all threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(x) for x in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    """A process and its descendants (uvicorn's supervisor and workers)."""
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True)
    children: dict[int, list[int]] = {}
    for line in out.stdout.splitlines():
        p, pp = (int(x) for x in line.split())
        children.setdefault(pp, []).append(p)
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo += children.get(p, [])
    return found


def _tree_cpu(pid: int) -> float:
    total = 0.0
    for p in _tree(pid):
        with contextlib.suppress(OSError, IndexError):
            total += _cpu_seconds(p)
    return total


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def run_wrk(port: int, script: str, *, users: int, seconds: float) -> dict[str, Any]:
    """Runs wrk once; returns its numbers and its own CPU seconds."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        [
            "wrk",
            f"-t{users}",
            f"-c{users}",
            f"-d{seconds:g}s",
            "--timeout",
            "15s",
            "--latency",
            "-s",
            f.name,
            f"http://127.0.0.1:{port}/api/chat",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    os.unlink(f.name)
    text = out.stdout
    found: dict[str, Any] = {"raw": text + out.stderr}
    for q in ("50", "90", "99"):
        m = re.search(rf"^\s+{q}%\s+(\S+)", text, re.M)
        found[f"p{q}"] = _ms(m.group(1)) if m else float("nan")
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+)", text)
    found["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    found["rate"] = float(m.group(1)) if m else 0.0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    found["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: (.*)", text)
    found["socket_errors"] = m.group(1) if m else "none"
    found["wrk_cpu"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return found


def report(name: str, found: dict[str, Any], app_cpu: float | None) -> None:
    n = max(found["requests"], 1)
    print(f"\n== {name}")
    print(
        f"{found['rate']:.1f} messages/s ({found['requests']} in the run), "
        f"p50 {found['p50']:.1f} ms  p90 {found['p90']:.1f} ms  p99 {found['p99']:.1f} ms; "
        f"non-2xx {found['non2xx']}, socket errors {found['socket_errors']}"
    )
    cpu = f"app {app_cpu / n * 1000:.2f} ms per message" if app_cpu is not None else "app n/a"
    print(
        f"CPU: {cpu}; wrk {found['wrk_cpu'] / n * 1000:.2f} ms per message; "
        f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )


async def bench_app(args: argparse.Namespace, questions: list[str], tmp: str) -> None:
    db = os.path.join(tmp, "wrk.db")
    async with app_server(db, None, in_process=False, profile=None) as served:
        assert served.pid is not None
        await _measure_app(args, questions, served.port, served.pid, "app: one worker, SQLite")


async def _measure_app(
    args: argparse.Namespace, questions: list[str], port: int, pid: int, name: str
) -> None:
    loop = asyncio.get_running_loop()
    warm = lua_script(questions, prefix="u", run="w")
    await loop.run_in_executor(
        None, lambda: run_wrk(port, warm, users=args.users, seconds=args.warmup)
    )
    script = lua_script(questions, prefix="u", run="m")
    found, cpu = await loop.run_in_executor(None, _measured, args, port, pid, script, args.spy)
    report(name, found, cpu)
    if found["requests"] == 0:
        print(found["raw"])


def _measured(
    args: argparse.Namespace, port: int, pid: int, script: str, spy_to: str | None = None
) -> tuple[dict[str, Any], float]:
    """One wrk run, with the CPU the app's processes used meanwhile (and py-spy, if asked)."""
    cpu0 = _tree_cpu(pid)
    spy = None
    if spy_to:
        command = ["py-spy", "record", "-p", str(pid), "-r", "100", "--nonblocking"]
        command += ["-f", "raw", "-o", spy_to, "-d", str(int(args.seconds))]
        spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    found = run_wrk(port, script, users=args.users, seconds=args.seconds)
    cpu = _tree_cpu(pid) - cpu0
    if spy is not None:
        spy.wait()
    return found, cpu


async def bench_bare(args: argparse.Namespace, questions: list[str]) -> None:
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_bare_child, args=(child,), daemon=True)
    proc.start()
    try:
        port = parent.recv()
        for _ in range(200):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            await asyncio.sleep(0.05)
        loop = asyncio.get_running_loop()
        script = lua_script(questions, prefix="u", run="b")
        await loop.run_in_executor(None, lambda: run_wrk(port, script, users=args.users, seconds=2))
        assert proc.pid is not None
        found, cpu = await loop.run_in_executor(None, _measured, args, port, proc.pid, script)
        report("bare endpoint: Starlette + uvicorn, same settings", found, cpu)
    finally:
        proc.terminate()
        proc.join(5)


async def main_async(args: argparse.Namespace) -> None:
    questions = load_questions()
    import uvicorn.config as uc

    loop_impl = "uvloop" if _has("uvloop") else "asyncio"
    http_impl = "httptools" if _has("httptools") else "h11"
    print(
        f"cpus {os.cpu_count()}, {len(questions)} questions, {args.users} users (wrk -t{args.users}"
        f" -c{args.users}), {args.seconds:g} s per run; uvicorn {uc.__name__} loop {loop_impl}, "
        f"http {http_impl}; load {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    with tempfile.TemporaryDirectory(prefix="troly-wrk-") as tmp:
        if args.only in (None, "app"):
            await bench_app(args, questions, tmp)
        if args.only in (None, "bare"):
            await bench_bare(args, questions)


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=4.0)
    parser.add_argument("--only", choices=["app", "bare"])
    parser.add_argument("--spy", help="py-spy raw (collapsed) samples of the app to this file")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed")
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()

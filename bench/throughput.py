"""Messages per second and reply latency through the whole path, at N concurrent users.

One app worker (uvicorn, one event loop) on SQLite, over loopback only. Two runs per door:
closed loop (each user sends its next message as soon as it has its reply: the throughput
ceiling) and paced (the users together offer a fixed rate below it: the latency a user sees).

* web: ``POST /api/chat`` (with a message id, as the chat page sends) from N sessions asking
  in-scope knowledge questions of the dev and held-out sets; latency = request -> response.
* telegram: the fake Bot API server (tests/fakes/telegram_server.py) queues each user's
  message and POSTs it to the app's ``/telegram/webhook``; the app answers with
  ``sendMessage`` on the fake. Latency = the fake queueing the update -> the fake answering
  the bot's first ``sendMessage`` to that chat. The fake's flood control is off: the app
  paces itself (1 message/s per chat, 30/s in all), which bounds the closed-loop run.

By default the app runs in a child process (its own core) and the load generator and the fake
in this one, so the client's CPU is not charged to the app; ``--in-process`` runs everything
in one event loop, as the end-to-end tests do. Every run stops by itself (message count and
time limits); the whole thing takes under two minutes. It prints numbers; it asserts nothing.

    python bench/throughput.py [--users 50] [--messages 2000] [--only web|telegram]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import json
import math
import multiprocessing as mp
import os
import platform
import socket
import sqlite3
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

QUESTION_FILES = (
    ROOT.parent / "shared" / "data" / "dev_questions.jsonl",
    ROOT / "tests" / "data" / "heldout_questions.jsonl",
)
TARGET_RATE = 200.0  # messages/s
TARGET_P99_MS = 150.0
WEB_SECONDS = 30.0  # per run: no message is sent after this; the ones in flight finish
TG_SECONDS = 25.0
RAMP_SECONDS = 1.0
REPLY_TIMEOUT = 15.0  # one message's reply, at most
STARTUP_TIMEOUT = 30.0


# --------------------------------------------------------------------------- the app server


def _settings(db: str, port: int, telegram: dict[str, str] | None) -> Any:
    from pydantic import SecretStr

    from troly.bot.settings import Settings

    extra: dict[str, Any] = {}
    if telegram is not None:
        extra = {
            "telegram_token": SecretStr(telegram["token"]),
            "telegram_api_url": telegram["api_url"],
            "public_url": f"http://127.0.0.1:{port}",
        }
    # Each simulated user sends as fast as it is answered: the per-person limits are off.
    return Settings(environment="test", database_url=f"sqlite:///{db}", rate_per_minute=0, **extra)


def _bind() -> socket.socket:
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets whose proto says TCP,
    # and an accepted connection inherits the listening socket's. With proto 0 (what
    # socket.socket(AF_INET, SOCK_STREAM) gives) every response pays Nagle + delayed ACK, 40 ms.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


async def _serve(
    db: str,
    telegram: dict[str, str] | None,
    started: Callable[[int], None],
    commands: Callable[[], Awaitable[str]],
    reply: Callable[[object], None],
    profile: str | None = None,
) -> None:
    """Serves the app on a free port, answering "cpu" commands until the "stop" one."""
    import uvicorn

    from troly.handlers.app import create_app

    sock = _bind()
    port = sock.getsockname()[1]
    app, _ = create_app(_settings(db, port, telegram), scheduler=False)
    config = uvicorn.Config(app, lifespan="on", log_level="warning", log_config=None)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    deadline = time.monotonic() + STARTUP_TIMEOUT
    # uvicorn exposes no startup event
    while not server.started and not task.done() and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.02)
    if not server.started:
        server.should_exit = True
        await task
        raise RuntimeError("the app did not start")
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    started(port)
    try:
        for _ in range(1000):
            command = await commands()
            if command != "cpu":
                break
            reply(time.process_time())  # every thread of this process: the loop and SQLite's
    finally:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(profile)  # type: ignore[arg-type]
        server.should_exit = True
        await asyncio.wait_for(task, 20)


def _child(db: str, telegram: dict[str, str] | None, conn: Connection, profile: str | None) -> None:
    """The app's process: reports its port, serves until the parent says stop."""

    async def command() -> str:
        return str(await asyncio.get_running_loop().run_in_executor(None, conn.recv))

    asyncio.run(_serve(db, telegram, conn.send, command, conn.send, profile))


@dataclass
class Served:
    """The running app: its port, and its process's CPU clock when it has its own."""

    port: int
    cpu: Callable[[], Awaitable[float | None]]
    pid: int | None = None  # the app's process, when it has its own (its memory can be read)


async def _no_cpu() -> float | None:
    return None


@contextlib.asynccontextmanager
async def app_server(
    db: str, telegram: dict[str, str] | None, *, in_process: bool, profile: str | None
) -> AsyncIterator[Served]:
    """Serves the app (in a child process, or as a task in this loop) until the block ends."""
    loop = asyncio.get_running_loop()
    if in_process:
        port: asyncio.Future[int] = loop.create_future()
        stop: asyncio.Future[str] = loop.create_future()
        task = asyncio.create_task(
            _serve(db, telegram, port.set_result, lambda: stop, lambda _: None, profile)
        )
        await asyncio.wait({port, task}, timeout=STARTUP_TIMEOUT, return_when="FIRST_COMPLETED")
        if not port.done():
            task.cancel()
            raise RuntimeError("the app did not start")
        try:
            yield Served(port.result(), _no_cpu)
        finally:
            stop.set_result("stop")
            await task
        return
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_child, args=(db, telegram, child, profile), daemon=True)
    proc.start()

    async def cpu() -> float | None:
        parent.send("cpu")
        ready = await loop.run_in_executor(None, parent.poll, 10)
        return float(parent.recv()) if ready else None

    try:
        if not await loop.run_in_executor(None, parent.poll, STARTUP_TIMEOUT):
            raise RuntimeError("the app process did not start")
        yield Served(int(parent.recv()), cpu, proc.pid)
    finally:
        with contextlib.suppress(OSError):
            parent.send("stop")
        await loop.run_in_executor(None, proc.join, 25)
        if proc.is_alive():
            proc.terminate()
            await loop.run_in_executor(None, proc.join, 5)


# --------------------------------------------------------------------------- measurements


@dataclass
class Run:
    """What one measured run saw."""

    name: str
    latencies: list[float] = field(default_factory=list)  # seconds
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    sent: int = 0
    notes: list[str] = field(default_factory=list)
    offered: float | None = None  # messages/s offered, for a paced run
    load: float = 0.0  # the machine's 1-minute load average at the run's end
    app_cpu: float | None = None  # CPU seconds of the app's process during the run
    client_cpu: float = 0.0  # CPU seconds of this process (load generator, fake) during the run

    def report(self) -> None:
        done = len(self.latencies)
        lat = sorted(self.latencies)
        rate = done / self.seconds if self.seconds else 0.0
        p50, p99 = _pct(lat, 0.50) * 1000, _pct(lat, 0.99) * 1000
        print(f"\n== {self.name}")
        print(
            f"messages sent {self.sent}, replied {done}, errors {len(self.errors)}, "
            f"wall {self.seconds:.1f} s"
        )
        if self.offered is not None:  # the rate is the one offered; latency is what it shows
            verdict = "kept up" if rate >= 0.95 * self.offered else "fell behind: overloaded"
            print(f"throughput {rate:.1f} messages/s (offered {self.offered:g}: {verdict})")
        else:
            print(
                f"throughput {rate:.1f} messages/s (target >= {TARGET_RATE:.0f}: "
                f"{'met' if rate >= TARGET_RATE else 'NOT met'})"
            )
        print(
            f"latency p50 {p50:.1f} ms  p90 {_pct(lat, 0.90) * 1000:.1f} ms  "
            f"p99 {p99:.1f} ms  max {(lat[-1] if lat else 0) * 1000:.1f} ms "
            f"(p99 target <= {TARGET_P99_MS:.0f} ms: "
            f"{'met' if lat and p99 <= TARGET_P99_MS else 'NOT met'})"
        )
        if done:
            app = (
                "n/a (in-process)"
                if self.app_cpu is None
                else (
                    f"{self.app_cpu / done * 1000:.1f} ms per message, "
                    f"{self.app_cpu / self.seconds:.0%} of one core"
                )
            )
            print(
                f"CPU: app {app}; load generator{' + fake' if 'telegram' in self.name else ''} "
                f"{self.client_cpu / done * 1000:.1f} ms per message; machine load {self.load:.1f}"
            )
        for note in self.notes:
            print(f"  {note}")
        for error in _count(self.errors)[:8]:
            print(f"  error: {error}")


@contextlib.asynccontextmanager
async def measuring(run: Run, served: Served) -> AsyncIterator[None]:
    """Times the block (wall and CPU, this process and the app's) into ``run``."""
    app_cpu = await served.cpu()
    client_cpu = time.process_time()
    start = time.perf_counter()
    yield
    if not run.seconds:
        run.seconds = time.perf_counter() - start
    run.client_cpu = time.process_time() - client_cpu
    run.load = os.getloadavg()[0]
    app_end = await served.cpu()
    if app_cpu is not None and app_end is not None:
        run.app_cpu = app_end - app_cpu


def _pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not values:
        return 0.0
    return values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))]


def _count(items: list[str]) -> list[str]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return [f"{n} x {item}" for item, n in sorted(counts.items(), key=lambda kv: -kv[1])]


def load_questions() -> list[str]:
    """In-scope questions (an expected procedure) of the dev and held-out sets."""
    questions: list[str] = []
    for path in QUESTION_FILES:
        if not path.exists():
            print(f"(missing {path}, skipped)")
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                if row.get("expected"):
                    questions.append(row["question"])
    if not questions:
        raise SystemExit("no questions found")
    return questions


def _shares(total: int, users: int) -> list[int]:
    return [total // users + (1 if i < total % users else 0) for i in range(users)]


@dataclass
class Load:
    """How a run offers its messages.

    ``rate`` None: closed loop, each user sends its next message as soon as it has its reply
    (the users' first messages spread over ``RAMP_SECONDS``).
    Otherwise user ``i`` sends its ``j``-th message at ``start + (i + j * users) / rate`` (or
    when it has its previous reply, if later): the users are staggered, the total offered
    rate is ``rate``.
    """

    users: int
    messages: int
    seconds: float  # no message is sent after this; the ones in flight finish
    rate: float | None = None

    def plan(self) -> list[int]:
        return _shares(self.messages, self.users)

    async def wait_turn(self, start: float, user: int, j: int) -> bool:
        """Waits for the message's slot; False once the run's time is up."""
        if self.rate is not None:
            at = start + (user + j * self.users) / self.rate
            if at - start > self.seconds:
                return False
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
        elif j == 0:
            # Users starting in lock-step queue in lock-step, which for the first seconds
            # gives a few of them second-long waits: ramp up over RAMP_SECONDS instead.
            await asyncio.sleep(user * RAMP_SECONDS / self.users)
        return time.perf_counter() - start <= self.seconds


def _describe(load: Load) -> str:
    if load.rate is None:
        return f"{load.users} users, closed loop (next message as soon as the reply arrives)"
    return (
        f"{load.users} users, offered {load.rate:g} messages/s in all "
        f"(each user every {load.users / load.rate:.2f} s)"
    )


# --------------------------------------------------------------------------- (a) web chat


async def bench_web(args: argparse.Namespace, questions: list[str], tmp: str) -> list[Run]:
    runs: list[Run] = []
    db = os.path.join(tmp, "web.db")
    async with app_server(db, None, in_process=args.in_process, profile=args.profile) as served:
        url = f"http://127.0.0.1:{served.port}/api/chat"
        limits = httpx.Limits(max_connections=args.users, max_keepalive_connections=args.users)
        async with httpx.AsyncClient(limits=limits, timeout=REPLY_TIMEOUT, trust_env=False) as c:

            async def user(
                run: Run | None, i: int, session: str, load: Load, start: float, replies: list[int]
            ) -> None:
                for j in range(load.plan()[i]):
                    if not await load.wait_turn(start, i, j):
                        return
                    text = questions[(i * 7 + j) % len(questions)]
                    sent = time.perf_counter()
                    try:
                        # With a message id, as the chat page sends (retries are de-duplicated).
                        mid = f"{session}-{'m' if run else 'w'}{j}"
                        body = {"session": session, "text": text, "mid": mid}
                        if args.no_mid:
                            del body["mid"]
                        response = await c.post(url, json=body)
                    except httpx.HTTPError as exc:
                        if run is not None:
                            run.sent += 1
                            run.errors.append(type(exc).__name__)
                        continue
                    took = time.perf_counter() - sent
                    if run is None:
                        continue
                    run.sent += 1
                    if response.status_code != 200:
                        run.errors.append(f"HTTP {response.status_code}")
                        continue
                    run.latencies.append(took)
                    replies.append(len(response.json().get("replies", [])))

            async def phase(load: Load, tag: str) -> Run:
                run = Run(f"web  POST /api/chat, {_describe(load)}", offered=load.rate)
                replies: list[int] = []
                warm = Load(load.users, 2 * load.users, 20.0)  # new sessions, cold paths
                now = time.perf_counter()
                await asyncio.gather(
                    *(user(None, i, f"{tag}{i}", warm, now, []) for i in range(load.users))
                )
                async with measuring(run, served):
                    now = time.perf_counter()
                    await asyncio.gather(
                        *(user(run, i, f"{tag}{i}", load, now, replies) for i in range(load.users))
                    )
                if replies:
                    run.notes.append(f"replies per message: {sum(replies) / len(replies):.2f}")
                return run

            runs.append(await phase(Load(args.users, args.messages, WEB_SECONDS), "closed-"))
            runs[-1].notes.append(
                f"closed loop: mean latency = users / throughput (Little), so p99 <= "
                f"{TARGET_P99_MS:.0f} ms at {args.users} users would need >= "
                f"{args.users / TARGET_P99_MS * 1000:.0f} messages/s"
            )
            paced = Load(args.users, args.messages, WEB_SECONDS, rate=args.web_rate)
            runs.append(await phase(paced, "paced-"))
    return runs


# --------------------------------------------------------------------------- (b) telegram


class ReplyClock:
    """Wraps the fake's sendMessage so each delivered reply is time-stamped per chat."""

    def __init__(self, fake: Any) -> None:
        self.arrivals: dict[int, asyncio.Queue[float]] = {}
        name, original = fake._handlers["sendmessage"]

        async def timed(p: dict[str, Any], request: Any) -> Any:
            result = await original(p, request)
            chat = result.get("chat", {}).get("id") if isinstance(result, dict) else None
            if chat is not None:
                self.queue(int(chat)).put_nowait(time.perf_counter())
            return result

        fake._handlers["sendmessage"] = (name, timed)

    def queue(self, chat: int) -> asyncio.Queue[float]:
        return self.arrivals.setdefault(chat, asyncio.Queue())


class _TcpSockets:
    """The ``socket`` module, except that TCP sockets say proto=IPPROTO_TCP (see ``_bind``).

    The fake's server makes its listening socket with proto 0, so every Bot API answer to the
    app would wait 40 ms for a delayed ACK; this bench does not want to measure that.
    """

    def __getattr__(self, name: str) -> Any:
        return getattr(socket, name)

    @staticmethod
    def socket(
        family: int = socket.AF_INET, kind: int = socket.SOCK_STREAM, proto: int = 0
    ) -> socket.socket:
        if family in (socket.AF_INET, socket.AF_INET6) and kind == socket.SOCK_STREAM:
            proto = proto or socket.IPPROTO_TCP
        return socket.socket(family, kind, proto)


async def bench_telegram(args: argparse.Namespace, questions: list[str], tmp: str) -> list[Run]:
    from fakes import telegram_server
    from fakes.telegram_server import FloodLimits, TelegramFake

    telegram_server.socket = _TcpSockets()  # type: ignore[assignment]
    runs: list[Run] = []
    # The app paces itself (a burst of 3 then 1 message/s per chat, 30/s overall); the fake's
    # own flood control is off so that what is measured is the app, not 429 retries, unless
    # --tg-flood asks it to answer 429 to anything over Telegram's limits (the count shows).
    flood = FloodLimits(enabled=args.tg_flood)
    async with TelegramFake(local_mode=True, flood=flood) as fake:
        clock = ReplyClock(fake)
        telegram = {"token": fake.token, "api_url": fake.base_url.removesuffix("/bot")}
        db = os.path.join(tmp, "tg.db")
        async with app_server(
            db, telegram, in_process=args.in_process, profile=args.profile
        ) as served:
            await fake.wait_until(lambda: fake.webhook.url, timeout=10, what="the webhook")
            if not fake.webhook.url.endswith(f":{served.port}/telegram/webhook"):
                raise RuntimeError(f"unexpected webhook {fake.webhook.url}")
            last = [0.0]  # the latest reply's time, for the run's wall time

            async def user(run: Run | None, i: int, uid: int, load: Load, start: float) -> None:
                arrivals = clock.queue(uid)
                for j in range(load.plan()[i]):
                    if not await load.wait_turn(start, i, j):
                        return
                    while not arrivals.empty():  # the later pieces of a long answer
                        arrivals.get_nowait()
                    text = questions[(uid * 7 + j) % len(questions)]
                    if run is not None:
                        run.sent += 1
                    sent = time.perf_counter()
                    await fake.user_says(uid, text)
                    try:
                        arrived = await asyncio.wait_for(arrivals.get(), REPLY_TIMEOUT)
                    except TimeoutError:
                        if run is not None:
                            run.errors.append(f"no reply within {REPLY_TIMEOUT:.0f} s")
                        continue
                    if run is not None:
                        run.latencies.append(arrived - sent)
                        last[0] = max(last[0], arrived)

            async def phase(load: Load, first_uid: int) -> Run:
                run = Run(f"telegram webhook -> fake Bot API, {_describe(load)}", offered=load.rate)
                errors_before = len(fake.errors)
                attempts_before = len(fake.webhook.attempts)
                sends_before = len(fake.sent)
                uids = [first_uid + i for i in range(load.users)]
                # Warm-up, not measured: one message per user (new conversations), then a rest
                # so that the per-chat pacing starts from zero.
                warm = Load(load.users, load.users, 20.0)
                now = time.perf_counter()
                await asyncio.gather(*(user(None, i, u, warm, now) for i, u in enumerate(uids)))
                await asyncio.sleep(1.1)
                async with measuring(run, served):
                    now = last[0] = time.perf_counter()
                    await asyncio.gather(*(user(run, i, u, load, now) for i, u in enumerate(uids)))
                    run.seconds = last[0] - now  # to the last reply
                attempts = fake.webhook.attempts[attempts_before:]
                bad = [a for a in attempts if not a.ok]
                run.errors += [
                    f"fake: {e.method} {e.status} {e.description}"
                    for e in fake.errors[errors_before:]
                ]
                run.errors += [f"webhook: {a.error}" for a in bad]
                run.notes.append(
                    f"webhook POSTs {len(attempts)} (failed {len(bad)}); bot sendMessage calls "
                    f"{len(fake.sent) - sends_before} incl. {load.users} warm-up; latency is to "
                    "an answer's first message"
                )
                return run

            runs.append(await phase(Load(args.users, args.messages, TG_SECONDS), 10_000))
            runs[-1].notes.append(
                "the app sends at most a burst of 3 then 1 message/s per chat and 30/s in all "
                "(handlers/pacing.py, PTB's rate limiter), as Telegram asks"
            )
            paced = Load(args.users, args.messages, TG_SECONDS, rate=args.tg_rate)
            runs.append(await phase(paced, 20_000))
    return runs


# --------------------------------------------------------------------------- main


def _environment(args: argparse.Namespace) -> None:
    print(
        f"cpus {os.cpu_count()}, Python {platform.python_version()} "
        f"({platform.python_implementation()}), SQLite {sqlite3.sqlite_version}, "
        f"{platform.system()} {platform.machine()}, load average {os.getloadavg()[0]:.1f} "
        "(other work on the machine skews the numbers)"
    )
    where = "in this process" if args.in_process else "in a child process (one worker)"
    print(
        f"app: one uvicorn worker {where}, SQLite file in a temporary folder; "
        f"{args.users} users, up to {args.messages} measured messages per run"
    )


async def main_async(args: argparse.Namespace) -> None:
    questions = load_questions()
    print(f"{len(questions)} in-scope questions (dev + held-out)")
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="troly-bench-") as tmp:
        if args.only in (None, "web"):
            for run in await bench_web(args, questions, tmp):
                runs.append(run)
                run.report()
        if args.only in (None, "telegram"):
            for run in await bench_telegram(args, questions, tmp):
                runs.append(run)
                run.report()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--messages", type=int, default=2000, help="per run")
    parser.add_argument("--only", choices=["web", "telegram"])
    parser.add_argument(
        "--web-rate", type=float, default=100.0, help="offered messages/s of the paced web run"
    )
    parser.add_argument(
        "--tg-rate", type=float, default=20.0, help="offered messages/s of the paced telegram run"
    )
    parser.add_argument("--no-mid", action="store_true", help="web messages without a message id")
    parser.add_argument(
        "--tg-flood",
        action="store_true",
        help="the fake Bot API answers 429 over Telegram's limits",
    )
    parser.add_argument("--in-process", action="store_true", help="serve the app in this loop")
    parser.add_argument("--profile", help="write the app's cProfile stats to this file")
    args = parser.parse_args()
    if min(args.users, args.messages, args.web_rate, args.tg_rate) <= 0:
        parser.error("--users, --messages and the rates must be positive")
    _environment(args)
    started = time.monotonic()
    asyncio.run(main_async(args))
    print(f"\ntotal {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()

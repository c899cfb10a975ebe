"""The ``troly`` command line: ask, chat, serve, kb, db, staff."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import NoReturn, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from troly.bot.answers import reply_for, search_and_log
from troly.bot.knowledge.source import index_from_database
from troly.bot.messages import Reply
from troly.bot.settings import Settings
from troly.bot.settings_problems import SettingsProblem, load_settings
from troly.bot.storage.database import create_engine, current_revision, session_factory, upgrade
from troly.bot.texts import normalise_locale, t
from troly.handlers import console_cli, kb_cli, kb_records_cli, sessions_cli, staff_cli
from troly.knowledge.index import SearchResult
from troly.knowledge.records import load_knowledge

logger = logging.getLogger("troly")
_USE_DATABASE = frozenset({"ask", "chat", "serve", "db", "staff", "sessions", "console"})


def render_plain(reply: Reply) -> str:
    """A reply as terminal text, buttons as numbered lines."""
    lines = [reply.text]
    buttons = reply.all_buttons()
    if buttons:
        lines.append("")
        for number, button in enumerate(buttons, start=1):
            target = button.url if button.url else ""
            lines.append(f"  [{number}] {button.label} {target}".rstrip())
    return "\n".join(lines)


def result_json(result: SearchResult, reply: Reply) -> dict[str, object]:
    """The JSON shape of ``troly ask --json`` (other checks rely on it)."""
    return {
        "question": result.question,
        "decision": result.decision.value,
        "matches": [
            {"code": m.code, "name": m.procedure.name, "score": m.score} for m in result.matches
        ],
        "reply": reply.text,
    }


def _questions(args: argparse.Namespace, stdin: TextIO) -> Iterator[str]:
    if args.question == ["-"]:
        for line in stdin:
            yield line.rstrip("\n")
    else:
        yield " ".join(args.question)


async def _ask(args: argparse.Namespace, settings: Settings, out: TextIO, stdin: TextIO) -> int:
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        sessions = session_factory(engine)
        # What staff taught answers here too, as in the running workers.
        index, _generation = await index_from_database(sessions, settings)
        zone = ZoneInfo(settings.timezone)
        locale = normalise_locale(args.locale or settings.default_locale)
        async with sessions.begin() as session:
            for question in _questions(args, stdin):
                result = search_and_log(
                    session,
                    index,
                    question[: settings.max_question_chars],
                    channel="cli",
                    now=datetime.now(zone),
                    k=args.k,
                )
                reply = reply_for(result, locale)
                if len(question) > settings.max_question_chars:
                    limit = settings.max_question_chars
                    reply = Reply(t("ask.too_long", locale, length=len(question), limit=limit))
                if args.json:
                    out.write(json.dumps(result_json(result, reply), ensure_ascii=False) + "\n")
                else:
                    out.write(render_plain(reply) + "\n")
                out.flush()
    finally:
        await engine.dispose()
    return 0


def _kb_stats(settings: Settings, out: TextIO) -> int:
    kb = load_knowledge(settings.knowledge_path)
    levels: Counter[str] = Counter(level for p in kb for level in p.levels)
    fields: Counter[str] = Counter(p.field or "(không ghi)" for p in kb)
    no_time = sum(
        1 for p in kb if not any(c.time_text or c.working_days is not None for c in p.channels)
    )
    no_fee = sum(1 for p in kb if not any(f.known for c in p.channels for f in c.fees))
    out.write(f"Thủ tục / procedures: {len(kb)}\n")
    out.write(f"Bản ghi lỗi bị bỏ qua / malformed records skipped: {len(kb.problems)}\n")
    for problem in kb.problems:
        out.write(f"  - {problem.code} ({problem.field}): {problem.message}\n")
    out.write("Theo cấp / by level:\n")
    for level, count in levels.most_common():
        out.write(f"  {level:6} {count}\n")
    out.write(f"Thiếu thời hạn / missing processing time: {no_time}\n")
    out.write(f"Thiếu phí / missing fee: {no_fee}\n")
    out.write(f"Lĩnh vực / fields ({len(fields)}), top 20:\n")
    for name, count in fields.most_common(20):
        out.write(f"  {count:5}  {name}\n")
    return 0


async def _db(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    engine = create_engine(settings.database_url)
    try:
        if args.db_command == "upgrade":
            await upgrade(engine)
        revision = await current_revision(engine)
        out.write(f"database at revision {revision}\n")
    finally:
        await engine.dispose()
    return 0


async def _serve(settings: Settings) -> int:
    import uvicorn

    from troly.handlers.app import create_app

    app, _runtime = create_app(settings)
    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, log_level="info", lifespan="on"
    )
    server = uvicorn.Server(config)
    channels = ["web"] + [
        name
        for name, on in (
            ("telegram", settings.telegram_token is not None),
            ("zalo bot", settings.zalo_bot_token is not None),
            ("zalo oa", settings.zalo_oa_configured),
        )
        if on
    ]
    logger.warning(
        "Trợ lý Doanh nghiệp on http://%s:%s (channels: %s; kiosk: /?kiosk=1)",
        settings.host,
        settings.port,
        ", ".join(channels),
    )
    if settings.staff_chat_id is None:
        logger.warning(
            "TROLY_STAFF_CHAT_ID is not set: petitions and bookings are recorded, but no staff "
            "group is told of them (set it to the staff supergroup's id; see README)"
        )
    # uvicorn handles SIGINT/SIGTERM: it stops accepting, lets requests finish, then runs the
    # lifespan shutdown (scheduler, Telegram, engine).
    await server.serve()
    return 0


def _fast_loop() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop when installed (as uvicorn's workers use), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def _serve_workers(settings: Settings, workers: int) -> int:
    """Runs ``workers`` processes on one address: migrations and the calendar set up once here,
    then uvicorn's supervisor starts each worker from the environment's settings."""
    import uvicorn

    from troly.handlers.app import prepare_database

    if settings.database_url.startswith("sqlite"):
        logger.warning(
            "%s workers on SQLite take turns at one writer: use PostgreSQL "
            "(TROLY_DATABASE_URL=postgresql://…) for several workers",
            workers,
        )
    asyncio.run(prepare_database(settings))
    logger.warning(
        "Trợ lý Doanh nghiệp on http://%s:%s with %s workers", settings.host, settings.port, workers
    )
    # The workers read their settings from the environment: each paces its share of what
    # Telegram allows the bot as a whole.
    os.environ["TROLY_WORKERS"] = str(workers)
    uvicorn.run(
        "troly.handlers.app:app_from_environment",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        log_level="info",
        lifespan="on",
    )
    return 0


async def _chat(settings: Settings, out: TextIO, stdin: TextIO) -> int:
    from troly.handlers.app import build_runtime
    from troly.handlers.terminal import run_terminal_chat

    runtime = build_runtime(settings)
    try:
        await upgrade(runtime.engine)
        return await run_terminal_chat(runtime.dialogue, out=out, stdin=stdin)
    finally:
        await runtime.engine.dispose()


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, Vietnamese then English (subcommands too)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"Lệnh chưa đúng / invalid command: {self.prog}: {message}\n")


def _database_problem(exc: Exception | str) -> str:
    """One line on why the database could not be used (no URL: it may hold a password)."""
    if isinstance(exc, str):
        reason = exc
    else:
        cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
        reason = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    return (
        f"Không dùng được cơ sở dữ liệu ({reason}): kiểm tra TROLY_DATABASE_URL, thư mục và quyền "
        f"ghi / cannot use the database ({reason}): check TROLY_DATABASE_URL, its folder and "
        "write permission"
    )


def _sqlite_problem(url: str) -> str | None:
    """Why an SQLite file cannot be opened for writing, told before aiosqlite's thread tries."""
    parsed = make_url(url)
    path = parsed.database
    if not parsed.drivername.startswith("sqlite") or not path or path == ":memory:":
        return None
    if path.startswith("file:"):
        return None
    file = Path(path)
    if not file.parent.is_dir():
        return f"no folder {file.parent}"
    if file.is_dir():
        return f"{file} is a folder"
    writable = os.access(file, os.W_OK) if file.exists() else os.access(file.parent, os.W_OK)
    return None if writable else f"cannot write to {file if file.exists() else file.parent}"


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``troly``."""
    root = _Parser(
        prog="troly", description="Trợ lý Doanh nghiệp — the province's assistant for businesses"
    )
    sub = root.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="hỏi một câu về thủ tục / ask a procedure question")
    ask.add_argument("question", nargs="+", help='the question, or "-" to read one per line')
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument("-k", type=int, default=3, help="how many matches to list (default 3)")
    ask.add_argument("--locale", choices=["vi", "en"], default=None)
    serve = sub.add_parser(
        "serve", help="chạy trợ lý: web chat, kiosk, Telegram / run the assistant"
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes behind one address (PostgreSQL; one polls Telegram/Zalo at a time)",
    )
    sub.add_parser("chat", help="trò chuyện trong terminal / chat in the terminal")
    kb = sub.add_parser("kb", help="the knowledge base")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    kb_sub.add_parser("stats", help="counts by level and field, records missing time or fee")
    kb_cli.add_parsers(kb_sub)
    kb_records_cli.add_subcommands(kb_sub)
    db = sub.add_parser("db", help="the database")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply migrations")
    db_sub.add_parser("current", help="show the current revision")
    staff_cli.add_parser(sub)
    sessions_cli.add_parser(sub)
    console_cli.add_parser(sub)
    zalo = sub.add_parser("zalo", help="Zalo Official Account")
    zalo_sub = zalo.add_subparsers(dest="zalo_command", required=True)
    zalo_sub.add_parser(
        "authorize", help="in liên kết cấp quyền cho OA / print the OA's permission link"
    )
    return root


def _zalo_authorize(settings: Settings, out: TextIO, err: TextIO) -> int:
    """Prints the permission link (PKCE) and the callback URL the Zalo app must know."""
    from troly.handlers.zalo import oa_auth

    if not settings.zalo_oa_configured:
        err.write(
            "Cần TROLY_ZALO_OA_APP_ID, TROLY_ZALO_OA_APP_SECRET và TROLY_ZALO_OA_SECRET. "
            "/ Set the OA's app id and secrets first.\n"
        )
        return 2
    try:
        url = oa_auth.authorization_url(settings, datetime.now(ZoneInfo(settings.timezone)))
    except ValueError as exc:
        err.write(f"{exc}\n")
        return 2
    out.write(
        "1. Trong cài đặt ứng dụng Zalo, khai báo Callback URL / set the app's callback URL:\n"
        f"   {oa_auth.callback_url(settings)}\n"
        "2. Mở liên kết sau bằng tài khoản quản trị OA (trong 10 phút) và đồng ý cấp quyền\n"
        "   / open this link as the OA's admin within 10 minutes and grant access:\n"
        f"   {url}\n"
        '3. Trang đích báo "Đã kết nối Zalo OA" là xong / done when the page says connected.\n'
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the ``troly`` command."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsProblem as bad:
        sys.stderr.write("".join(line + "\n" for line in bad.lines))
        return 2
    teaching = args.command == "kb" and args.kb_command in (
        kb_cli.COMMANDS + tuple(kb_records_cli.COMMANDS)
    )
    if args.command in _USE_DATABASE or teaching:
        problem = _sqlite_problem(settings.database_url)
        if problem:
            sys.stderr.write(_database_problem(problem) + "\n")
            return 1
    try:
        return _dispatch(args, settings)
    except (OperationalError, InterfaceError, ConnectionError) as exc:
        sys.stderr.write(_database_problem(exc) + "\n")
        return 1


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "ask":
        if args.k < 1:
            sys.stderr.write("-k must be at least 1\n")
            return 2
        return asyncio.run(_ask(args, settings, sys.stdout, sys.stdin))
    if args.command == "serve":
        logging.getLogger("troly").setLevel(logging.INFO)
        # uvicorn shuts down cleanly on SIGTERM, then re-raises it: make that an exit code 0.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        if args.workers < 1:
            sys.stderr.write("--workers must be at least 1 (e.g. --workers 2)\n")
            return 2
        if args.workers > 1:
            return _serve_workers(settings, args.workers)
        try:
            with asyncio.Runner(loop_factory=_fast_loop()) as runner:
                return runner.run(_serve(settings))
        except KeyboardInterrupt:
            # uvicorn re-raises the signal after a clean shutdown; nothing is left half-done.
            return 0
    if args.command == "chat":
        return asyncio.run(_chat(settings, sys.stdout, sys.stdin))
    if args.command == "kb" and args.kb_command in kb_cli.COMMANDS:
        return asyncio.run(kb_cli.run(args, settings, sys.stdout))
    if args.command == "kb" and args.kb_command in kb_records_cli.COMMANDS:
        return asyncio.run(kb_records_cli.run(args, settings, sys.stdout))
    if args.command == "kb":
        return _kb_stats(settings, sys.stdout)
    if args.command == "db":
        return asyncio.run(_db(args, settings, sys.stdout))
    if args.command == "staff":
        return asyncio.run(staff_cli.run(args, settings, sys.stdout))
    if args.command == "sessions":
        return asyncio.run(sessions_cli.run(args, settings, sys.stdout))
    if args.command == "console":
        return asyncio.run(console_cli.run(args, settings, sys.stdout, sys.stdin))
    if args.command == "zalo":
        return _zalo_authorize(settings, sys.stdout, sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())

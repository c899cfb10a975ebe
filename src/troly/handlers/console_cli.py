"""``troly console add-user|reset-password``: web logins on the staff roster.

The password comes from standard input (a prompt on a terminal), never from an argument:
arguments end up in the shell's history and in ``ps``.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
from datetime import datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from troly.bot.console.accounts import (
    CONSOLE_ROLES,
    email_problem,
    hash_password,
    password_problem,
    save_user,
    set_password,
)
from troly.bot.settings import Settings
from troly.bot.storage.database import create_engine, session_factory, upgrade
from troly.bot.texts import t
from troly.bot.topics import TOPIC_KEYS
from troly.handlers.staff_cli import _name_problem


def add_parser(sub: Any) -> None:
    """Adds the ``console`` command and its subcommands."""
    console = sub.add_parser("console", help="tài khoản trang cán bộ / staff console accounts")
    console_sub = console.add_subparsers(dest="console_command", required=True)
    add = console_sub.add_parser(
        "add-user", help="tạo hoặc sửa tài khoản / create or update an account"
    )
    add.add_argument("email")
    add.add_argument("--name", required=True, help="full name, shown to colleagues")
    add.add_argument("--role", choices=CONSOLE_ROLES, required=True)
    add.add_argument("--telegram-id", help="the person's entry on the roster (troly staff add)")
    add.add_argument("--topics", help="an officer's petition topics, comma-separated (thue,dkdn)")
    add.add_argument("--department", help="the department an officer works in (its queue)")
    add.add_argument("--locale", choices=("vi", "en"))
    reset = console_sub.add_parser("reset-password", help="đặt lại mật khẩu / set a new password")
    reset.add_argument("email")


def _say(out: TextIO, key: str, **values: object) -> None:
    out.write(f"{t(key, 'vi', **values)} / {t(key, 'en', **values)}\n")


def read_password(stdin: TextIO) -> str:
    """The new password: typed twice at a terminal, else the first line of standard input."""
    if stdin.isatty():
        first = getpass.getpass("Mật khẩu / password: ")
        again = getpass.getpass("Nhập lại / again: ")
        return first if first == again else ""
    return stdin.readline().rstrip("\r\n")


def _topics(raw: str | None) -> list[str] | str | None:
    if raw is None:
        return None
    topics = [part.strip() for part in raw.split(",") if part.strip()]
    unknown = [topic for topic in topics if topic not in TOPIC_KEYS]
    return ", ".join(unknown) if unknown else topics


async def run(args: argparse.Namespace, settings: Settings, out: TextIO, stdin: TextIO) -> int:
    """Runs one ``troly console`` subcommand against the configured database."""
    problem = email_problem(args.email)
    if problem:
        _say(out, problem)
        return 2
    topics: list[str] | None = None
    if args.console_command == "add-user":
        if (name_problem := _name_problem(args.name)) is not None:
            out.write(name_problem + "\n")
            return 2
        parsed = _topics(args.topics)
        if isinstance(parsed, str):
            _say(out, "console.cli_unknown_topics", topics=parsed, known=", ".join(TOPIC_KEYS))
            return 2
        topics = parsed
    password = read_password(stdin)
    problem = password_problem(password, email=args.email)
    if problem:
        _say(out, problem)
        return 2
    hashed = await asyncio.to_thread(hash_password, password)
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        now = datetime.now(ZoneInfo(settings.timezone))
        async with session_factory(engine).begin() as session:
            if args.console_command == "reset-password":
                member = await set_password(
                    session, email=args.email, password_hash=hashed, now=now
                )
                if member is None:
                    _say(out, "console.cli_no_account", email=args.email.strip())
                    return 1
                _say(out, "console.cli_password_set", email=member.email)
                return 0
            try:
                member = await save_user(
                    session,
                    email=args.email,
                    name=" ".join(args.name.split()),
                    role=args.role,
                    password_hash=hashed,
                    now=now,
                    telegram_id=args.telegram_id,
                    topics=topics,
                    locale=args.locale,
                    department=" ".join(args.department.split())[:120] if args.department else None,
                )
            except LookupError:
                _say(out, "console.cli_no_telegram", telegram_id=args.telegram_id)
                return 1
            _say(out, "console.cli_saved", email=member.email, role=member.console_role)
            return 0
    finally:
        await engine.dispose()

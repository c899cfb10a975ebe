"""``troly staff add|list|remove``: the roster of officers who may act from the staff group."""

from __future__ import annotations

import argparse
import re
from datetime import datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from troly.bot.settings import Settings
from troly.bot.staff import ROLES, add_staff, list_staff, remove_staff
from troly.bot.storage.database import create_engine, session_factory, upgrade

CHANNELS = ("telegram", "zalo_bot", "zalo_oa")
"""Where an officer can be recognised: the staff group, and the lookups from Zalo."""
NAME_MAX = 120  # the roster's column
_TELEGRAM_ID = re.compile(r"[1-9][0-9]{0,15}")
_ZALO_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def add_parser(sub: Any) -> None:
    """Adds the ``staff`` command and its subcommands."""
    staff = sub.add_parser("staff", help="danh sách cán bộ / the staff roster")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    add = staff_sub.add_parser("add", help="thêm hoặc sửa cán bộ / add or update an officer")
    add.add_argument("user_id", help="the officer's Telegram user id (type /id in the group)")
    add.add_argument("--name", required=True, help="full name, shown to colleagues")
    add.add_argument("--role", choices=ROLES, default="agent")
    add.add_argument("--channel", choices=CHANNELS, default="telegram")
    add.add_argument(
        "--locale", choices=("vi", "en"), help="the language the bot answers this officer in"
    )
    staff_sub.add_parser("list", help="danh sách cán bộ / list the roster")
    remove = staff_sub.add_parser("remove", help="bỏ cán bộ khỏi danh sách / take off the roster")
    remove.add_argument("user_id")
    remove.add_argument("--channel", choices=CHANNELS, default="telegram")


async def run(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """Runs one ``troly staff`` subcommand against the configured database."""
    if args.staff_command == "add":
        problem = _user_id_problem(args.channel, args.user_id.strip()) or _name_problem(args.name)
        if problem:
            out.write(problem + "\n")
            return 2
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        sessions = session_factory(engine)
        now = datetime.now(ZoneInfo(settings.timezone))
        async with sessions.begin() as session:
            if args.staff_command == "add":
                member = await add_staff(
                    session,
                    channel=args.channel,
                    user_id=args.user_id.strip(),
                    name=" ".join(args.name.split()),
                    role=args.role,
                    now=now,
                    locale=args.locale,
                )
                out.write(f"{member.channel} {member.user_id} {member.role} {member.name}\n")
                return 0
            if args.staff_command == "remove":
                user_id = args.user_id.strip()
                if await remove_staff(session, channel=args.channel, user_id=user_id):
                    out.write(f"removed {args.channel} {args.user_id}\n")
                    return 0
                where = f"{args.channel} {user_id}"
                out.write(f"Không có trong danh sách cán bộ / not on the roster: {where}\n")
                return 1
            members = await list_staff(session)
            if not members:
                out.write("Chưa có cán bộ nào / the roster is empty (troly staff add …)\n")
            for m in members:
                out.write(f"{m.channel}\t{m.user_id}\t{m.role}\t{m.name}\n")
            return 0
    finally:
        await engine.dispose()


def _user_id_problem(channel: str, user_id: str) -> str | None:
    """Why ``user_id`` cannot be someone on ``channel``, in one line, or None."""
    if channel == "telegram":
        if _TELEGRAM_ID.fullmatch(user_id):
            return None
        if user_id.startswith("-"):
            return (
                f"{user_id} là mã của một nhóm, không phải của một người (gõ /id trong nhóm) "
                f"/ {user_id} is a group's id, not a person's (type /id in the group)"
            )
        return (
            f'Mã người dùng Telegram là một số dương, không phải "{user_id}" (gõ /id trong nhóm) '
            f'/ a Telegram user id is a positive number, not "{user_id}" (type /id in the group)'
        )
    if _ZALO_ID.fullmatch(user_id):
        return None
    return (
        f'Mã người dùng Zalo chỉ gồm chữ và số, không phải "{user_id}" '
        f'/ a Zalo user id is letters and digits only, not "{user_id}"'
    )


def _name_problem(name: str) -> str | None:
    """Why ``name`` cannot be an officer's name, in one line, or None."""
    if not name.strip():
        return "Tên cán bộ đang trống / the officer's name is empty"
    if any(not ch.isprintable() and not ch.isspace() for ch in name) or "\n" in name.strip():
        return "Tên cán bộ phải là một dòng chữ / the officer's name must be one line of text"
    if len(" ".join(name.split())) > NAME_MAX:
        return (
            f"Tên cán bộ dài quá {NAME_MAX} ký tự "
            f"/ the officer's name is over {NAME_MAX} characters"
        )
    return None

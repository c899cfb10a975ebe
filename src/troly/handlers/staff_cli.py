"""``troly staff add|list|remove``: the roster of officers who may act from the staff group."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from troly.bot.settings import Settings
from troly.bot.staff import ROLES, add_staff, list_staff, remove_staff
from troly.bot.storage.database import create_engine, session_factory, upgrade


def add_parser(sub: Any) -> None:
    """Adds the ``staff`` command and its subcommands."""
    staff = sub.add_parser("staff", help="danh sách cán bộ / the staff roster")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    add = staff_sub.add_parser("add", help="thêm hoặc sửa cán bộ / add or update an officer")
    add.add_argument("user_id", help="the officer's Telegram user id (type /id in the group)")
    add.add_argument("--name", required=True, help="full name, shown to colleagues")
    add.add_argument("--role", choices=ROLES, default="agent")
    add.add_argument("--channel", default="telegram")
    staff_sub.add_parser("list", help="danh sách cán bộ / list the roster")
    remove = staff_sub.add_parser("remove", help="bỏ cán bộ khỏi danh sách / take off the roster")
    remove.add_argument("user_id")
    remove.add_argument("--channel", default="telegram")


async def run(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """Runs one ``troly staff`` subcommand against the configured database."""
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        sessions = session_factory(engine)
        now = datetime.now(ZoneInfo(settings.timezone))
        async with sessions.begin() as session:
            if args.staff_command == "add":
                if not args.user_id.lstrip("-").isdigit() and args.channel == "telegram":
                    out.write("Mã người dùng Telegram là một số / a Telegram user id is a number\n")
                    return 2
                member = await add_staff(
                    session,
                    channel=args.channel,
                    user_id=args.user_id,
                    name=args.name.strip(),
                    role=args.role,
                    now=now,
                )
                out.write(f"{member.channel} {member.user_id} {member.role} {member.name}\n")
                return 0
            if args.staff_command == "remove":
                if await remove_staff(session, channel=args.channel, user_id=args.user_id):
                    out.write(f"removed {args.channel} {args.user_id}\n")
                    return 0
                out.write(f"not on the roster: {args.channel} {args.user_id}\n")
                return 1
            members = await list_staff(session)
            if not members:
                out.write("Chưa có cán bộ nào / the roster is empty (troly staff add …)\n")
            for m in members:
                out.write(f"{m.channel}\t{m.user_id}\t{m.role}\t{m.name}\n")
            return 0
    finally:
        await engine.dispose()

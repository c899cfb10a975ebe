"""``troly kb note``: the province's note on a procedure from the terminal (the console's
province page does the same)."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from troly.bot.province import store
from troly.bot.settings import Settings
from troly.bot.storage.database import create_engine, session_factory, upgrade
from troly.bot.texts import t
from troly.knowledge.records import load_knowledge

COMMANDS = ("note",)
"""The ``troly kb`` subcommands this module runs."""


def add_subcommands(kb_sub: Any) -> None:
    """Adds ``troly kb note``."""
    note = kb_sub.add_parser(
        "note", help="ghi chú của tỉnh cho một thủ tục / the province's note on a procedure"
    )
    note.add_argument("code", help="the procedure code, e.g. 1.001612")
    note.add_argument("text", help='the note shown on its card ("" removes it)')
    note.add_argument("--by", default="cli", help="who writes it (kept with the note)")


async def run(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """Runs one of this module's ``troly kb`` subcommands."""
    code = args.code.strip()
    procedure = load_knowledge(settings.knowledge_path).get(code)
    if procedure is None:
        out.write(f"{t('province.unknown_code', 'vi')} / {t('province.unknown_code', 'en')}\n")
        return 2
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        now = datetime.now(ZoneInfo(settings.timezone))
        async with session_factory(engine).begin() as session:
            problem = await store.set_note(session, code, args.text, now=now, by=args.by)
    finally:
        await engine.dispose()
    if problem is not None:
        out.write(f"{t(problem, 'vi')} / {t(problem, 'en')}\n")
        return 2
    done = "Đã lưu ghi chú / note saved" if args.text.strip() else "Đã xoá ghi chú / note removed"
    out.write(f"{done}: {code} {procedure.name}\n")
    return 0

"""``troly kb import|history|rollback|note``: the procedure records and the province's notes
from the terminal (the console's province page keeps the notes too).

``import`` reads a newer export of the national portal, prints what it changes, stores it and
makes every running worker switch to it (they rebuild between their questions and swap,
answering meanwhile); ``rollback`` goes back to the set before.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from troly.bot.knowledge import imports
from troly.bot.knowledge.imported import records_of
from troly.bot.knowledge.source import Records
from troly.bot.province import store
from troly.bot.settings import Settings
from troly.bot.storage.database import create_engine, session_factory, upgrade
from troly.bot.texts import t
from troly.knowledge.record_diff import RecordDiff, diff_records
from troly.knowledge.records import ExportError, KnowledgeBase, load_knowledge

COMMANDS = ("note", "import", "history", "rollback")
"""The ``troly kb`` subcommands this module runs."""
SHOWN = 40
"""At most this many lines per list of the diff (the counts are always complete)."""
_PARTS = {
    "documents": "hồ sơ / documents",
    "time": "thời hạn / time",
    "fee": "lệ phí / fee",
    "legal_basis": "căn cứ pháp lý / legal basis",
}
_STATUS = {
    "active": "đang dùng / in use",
    "replaced": "đã thay / replaced",
    "rolled_back": "đã quay lại / rolled back",
}


def add_subcommands(kb_sub: Any) -> None:
    """Adds ``troly kb import``, ``history``, ``rollback`` and ``note``."""
    load = kb_sub.add_parser(
        "import", help="nhập bộ thủ tục mới / import a newer export of the national portal"
    )
    load.add_argument("file", help="JSON lines, gzipped or not (procedures-*.jsonl[.gz])")
    load.add_argument("--dry-run", action="store_true", help="check and compare, store nothing")
    load.add_argument(
        "--force", action="store_true", help="import even when it removes more than half"
    )
    load.add_argument("--by", help="who imports (default: cli:<login name>)")
    kb_sub.add_parser("history", help="các lần nhập / the imports, newest first")
    back = kb_sub.add_parser("rollback", help="quay lại bộ trước / back to the previous set")
    back.add_argument("--by", help="who rolls back (default: cli:<login name>)")
    note = kb_sub.add_parser(
        "note", help="ghi chú của tỉnh cho một thủ tục / the province's note on a procedure"
    )
    note.add_argument("code", help="the procedure code, e.g. 1.001612")
    note.add_argument("text", help='the note shown on its card ("" removes it)')
    note.add_argument("--by", help="who writes it (default: cli:<login name>)")


def _who(given: str | None) -> str:
    return (given or f"cli:{getpass.getuser()}")[:254]


async def run(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """Runs one of this module's ``troly kb`` subcommands against the configured database."""
    if args.kb_command == "import":
        try:
            data = await asyncio.to_thread(Path(args.file).read_bytes)
        except OSError as exc:
            out.write(f"Không đọc được tệp / cannot read the file: {exc.strerror or exc}\n")
            return 2
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        sessions = session_factory(engine)
        now = datetime.now(ZoneInfo(settings.timezone))
        async with sessions.begin() as session:
            if args.kb_command == "import":
                return await _import(session, settings, args, data, now, out)
            if args.kb_command == "history":
                return await _history(session, settings, out)
            if args.kb_command == "rollback":
                return await _rollback(session, settings, _who(args.by), now, out)
            return await _note(session, settings, args, now, out)
    finally:
        await engine.dispose()


async def _import(
    session: Any,
    settings: Settings,
    args: argparse.Namespace,
    data: bytes,
    now: datetime,
    out: TextIO,
) -> int:
    try:
        checked = imports.check_export(data)
    except ExportError as exc:
        out.write(f"Tệp không phải bản xuất JSON lines / not a JSON-lines export: {exc}\n")
        return 2
    out.write(
        f"Đọc được / read: {len(checked.kb)} thủ tục / records, "
        f"{len(checked.problems)} bản ghi lỗi bị bỏ qua / malformed records left out\n"
    )
    for problem in checked.problems[:SHOWN]:
        out.write(f"  ! {problem.code} [{problem.field}] {problem.message}\n")
    if len(checked.problems) > SHOWN:
        out.write(f"  … {len(checked.problems) - SHOWN}\n")
    if not len(checked.kb):
        out.write("Không có thủ tục nào dùng được: không nhập / no usable record: not imported\n")
        return 2
    plan = await imports.plan_import(session, checked, await Records(settings).load(session))
    if plan.same_as is not None:
        out.write(
            f"Giống hệt lần nhập #{plan.same_as} đang dùng / the same as import #{plan.same_as}\n"
        )
        return 0
    where = (
        f"lần nhập #{plan.base} / import #{plan.base}" if plan.base else "bản đóng gói / bundled"
    )
    out.write(f"So với bộ đang dùng ({where}) / against the set in use:\n")
    _write_diff(plan.diff, out)
    for left in plan.left:
        _write_left(left, out)
    if plan.too_many_removed and not args.force:
        out.write(
            "Tệp bỏ hơn một nửa số thủ tục: có thể bị cắt cụt; không nhập (dùng --force nếu "
            "đúng) / it removes more than half the records, perhaps a truncated file: not "
            "imported (--force if it is right)\n"
        )
        return 2
    if args.dry_run:
        out.write("Chạy thử: chưa lưu gì / dry run: nothing stored\n")
        return 0
    row = await imports.store_import(
        session, checked, plan.diff, filename=Path(args.file).name, by=_who(args.by), now=now
    )
    out.write(
        f"Đã lưu lần nhập #{row.id}; mọi tiến trình chuyển sang bộ mới trong "
        f"{settings.knowledge_check_seconds:g} giây / stored import #{row.id}; every worker "
        f"switches within {settings.knowledge_check_seconds:g} s\n"
    )
    return 0


def _write_diff(diff: RecordDiff, out: TextIO) -> None:
    counts = diff.counts()
    out.write(
        f"  thêm / added {counts['added']}, bỏ / removed {counts['removed']}, "
        f"đổi tên / renamed {counts['renamed']}, thay đổi / changed {counts['changed']}\n"
    )
    for p in diff.added[:SHOWN]:
        out.write(f"  + {p.code} {p.name}\n")
    for p in diff.removed[:SHOWN]:
        out.write(f"  - {p.code} {p.name}\n")
    for r in diff.renamed[:SHOWN]:
        out.write(f"  ~ {r.code} {r.old} → {r.new}\n")
    for c in diff.changed[:SHOWN]:
        parts = ", ".join(_PARTS[part] for part in c.parts)
        out.write(f"  * {c.code} {c.name}: {parts}\n")


def _write_left(left: imports.LeftBehind, out: TextIO) -> None:
    out.write(
        f"  Thủ tục bị bỏ {left.code} còn / the removed {left.code} still has "
        "(xem lại / for staff to review):\n"
    )
    for name in left.everyday:
        out.write(f"    tên thường gọi / everyday name: {name}\n")
    for question in left.taught:
        out.write(f"    câu đã dạy / taught question: {question}\n")
    if left.note:
        out.write(f"    ghi chú của tỉnh / local note: {left.note}\n")


async def _history(session: Any, settings: Settings, out: TextIO) -> int:
    rows = await imports.history(session)
    if not rows:
        out.write("Chưa nhập lần nào: đang dùng bản đóng gói / no import: the bundled set\n")
        return 0
    zone = ZoneInfo(settings.timezone)
    for row in rows:
        s = row.summary
        out.write(
            f"#{row.id} {row.imported_at.astimezone(zone):%Y-%m-%d %H:%M} {row.imported_by} "
            f"{row.filename}: {row.records} thủ tục / records (+{s.get('added', 0)} "
            f"-{s.get('removed', 0)} ~{s.get('renamed', 0)} *{s.get('changed', 0)}, "
            f"{row.problems} lỗi / malformed) — {_STATUS.get(row.status, row.status)}\n"
        )
    if all(row.status != "active" for row in rows):
        out.write("Đang dùng bản đóng gói / the bundled set is in use\n")
    return 0


async def _rollback(session: Any, settings: Settings, by: str, now: datetime, out: TextIO) -> int:
    leaving = await Records(settings).load(session)
    try:
        left, back_to = await imports.rollback(session, by=by, now=now)
    except imports.NothingToRollBack:
        out.write("Đang dùng bản đóng gói: không có gì để quay lại / the bundled set is in use\n")
        return 2
    target: KnowledgeBase
    if back_to is not None:
        target = await asyncio.to_thread(records_of, back_to.content)
        where = f"lần nhập #{back_to.id} / import #{back_to.id}"
    else:
        target = await asyncio.to_thread(load_knowledge, settings.knowledge_path)
        where = "bản đóng gói / the bundled set"
    out.write(f"Đã bỏ lần nhập #{left.id}; quay lại {where} / left import #{left.id}\n")
    _write_diff(diff_records(leaving, target), out)
    return 0


async def _note(
    session: Any, settings: Settings, args: argparse.Namespace, now: datetime, out: TextIO
) -> int:
    code = args.code.strip()
    procedure = (await Records(settings).load(session)).get(code)
    if procedure is None:
        out.write(f"{t('province.unknown_code', 'vi')} / {t('province.unknown_code', 'en')}\n")
        return 2
    problem = await store.set_note(session, code, args.text, now=now, by=_who(args.by))
    if problem is not None:
        out.write(f"{t(problem, 'vi')} / {t(problem, 'en')}\n")
        return 2
    done = "Đã lưu ghi chú / note saved" if args.text.strip() else "Đã xóa ghi chú / note removed"
    out.write(f"{done}: {code} {procedure.name}\n")
    return 0

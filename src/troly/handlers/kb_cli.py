"""``troly kb teach|taught|untaught|export-taught|unanswered``: teaching from the terminal.

The same services as the console's pages: a teach is stored, moves the knowledge generation
(every running worker picks it up), and is checked against the golden questions and the
development set, with a warning when it makes a golden question wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
from datetime import datetime, timedelta
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from troly.bot.knowledge.export import not_procedure_lines, procedure_lines
from troly.bot.knowledge.guard import QuestionSets, compare, keep_check
from troly.bot.knowledge.source import index_from_database
from troly.bot.knowledge.taught import REPLY_KINDS, TeachProblem, taught_questions, teach, untaught
from troly.bot.knowledge.unanswered import unanswered
from troly.bot.settings import Settings
from troly.bot.storage.database import create_engine, session_factory, upgrade
from troly.bot.texts import t

COMMANDS = ("teach", "taught", "untaught", "export-taught", "unanswered")


def add_parsers(kb_sub: Any) -> None:
    """Adds the teaching subcommands to ``troly kb``."""
    teach_ = kb_sub.add_parser(
        "teach", help="dạy một câu hỏi / teach a question: it means procedure CODE"
    )
    teach_.add_argument("question")
    teach_.add_argument("code", nargs="?", help="the procedure code it means (1.001612)")
    teach_.add_argument(
        "--not-procedure",
        choices=REPLY_KINDS,
        dest="reply_kind",
        help="not a procedure question: answer with this standard reply",
    )
    teach_.add_argument("--by", help="who teaches (default: cli:<login name>)")
    taught = kb_sub.add_parser("taught", help="những câu đã dạy / what was taught")
    taught.add_argument("--all", action="store_true", help="with what was undone")
    taught.add_argument("--json", action="store_true")
    undo = kb_sub.add_parser("untaught", help="bỏ một câu đã dạy / undo a teach")
    undo.add_argument("id", type=int)
    undo.add_argument("--by", help="who undoes it (default: cli:<login name>)")
    export = kb_sub.add_parser(
        "export-taught", help="xuất những câu đã dạy / export what was taught (TSV)"
    )
    export.add_argument(
        "--not-procedure",
        action="store_true",
        help="the not-procedure phrases (reply_kind<TAB>phrase) instead of everyday names",
    )
    listing = kb_sub.add_parser(
        "unanswered", help="câu hỏi chưa trả lời được / questions not answered outright"
    )
    listing.add_argument("--days", type=int, default=30, help="how far back (default 30)")
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--json", action="store_true", help="one JSON object per group")


def _say(out: TextIO, key: str, **values: object) -> None:
    out.write(f"{t(key, 'vi', **values)} / {t(key, 'en', **values)}\n")


def _who(given: str | None) -> str:
    return (given or f"cli:{getpass.getuser()}")[:254]


async def run(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """Runs one teaching subcommand against the configured database."""
    if args.kb_command == "unanswered" and not 1 <= args.days <= 3650:
        _say(out, "kb.cli_bad_days")
        return 2
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        sessions = session_factory(engine)
        now = datetime.now(ZoneInfo(settings.timezone))
        if args.kb_command == "teach":
            return await _teach(args, settings, sessions, out, now)
        if args.kb_command == "untaught":
            return await _untaught(args, settings, sessions, out, now)
        async with sessions.begin() as session:
            if args.kb_command == "taught":
                rows = await taught_questions(session, with_undone=args.all)
                for row in rows:
                    out.write(_taught_line(row, as_json=args.json) + "\n")
                return 0
            if args.kb_command == "export-taught":
                rows = await taught_questions(session)
                lines = not_procedure_lines(rows) if args.not_procedure else procedure_lines(rows)
                out.write("".join(line + "\n" for line in lines))
                return 0
            groups = await unanswered(
                session, since=now - timedelta(days=args.days), limit=args.limit
            )
        for group in groups:
            if args.json:
                out.write(json.dumps(group.as_json(), ensure_ascii=False) + "\n")
            else:
                channels = ", ".join(f"{c} {n}" for c, n in group.channels.most_common())
                picked = ", ".join(f"{c} ×{n}" for c, n in group.picked.most_common())
                last = group.last_asked.astimezone(now.tzinfo) if group.last_asked else None
                out.write(
                    f"{group.count:4}  {group.text}\n      {last:%Y-%m-%d %H:%M} · {channels}"
                    f"{' · picked ' + picked if picked else ''}\n"
                )
        if not groups and not args.json:
            _say(out, "kb.cli_nothing_unanswered", days=args.days)
        return 0
    finally:
        await engine.dispose()


def _taught_line(row: Any, *, as_json: bool) -> str:
    data = {
        "id": row.id,
        "question": row.question,
        "code": row.code,
        "not_procedure": row.reply_kind,
        "taught_by": row.taught_by,
        "taught_at": row.taught_at.isoformat(),
        "undone_at": row.undone_at.isoformat() if row.undone_at else None,
        "golden_broken": len((row.check_result or {}).get("golden_broken", [])),
    }
    if as_json:
        return json.dumps(data, ensure_ascii=False)
    answer = row.code or f"({row.reply_kind})"
    undone = f"  [undone {row.undone_at:%Y-%m-%d}]" if row.undone_at else ""
    by = f"{row.taught_by} {row.taught_at:%Y-%m-%d}"
    return f"#{row.id}  {row.question}  →  {answer}  · {by}{undone}"


async def _teach(
    args: argparse.Namespace, settings: Settings, sessions: Any, out: TextIO, now: datetime
) -> int:
    before, _generation = await index_from_database(sessions, settings)
    try:
        async with sessions.begin() as session:
            row = await teach(
                session,
                before,
                args.question,
                code=args.code,
                reply_kind=args.reply_kind,
                by=_who(args.by),
                now=now,
            )
            taught_id = row.id
            answer = row.code or f"({row.reply_kind})"
            question = row.question
    except TeachProblem as problem:
        _say(out, problem.key, **problem.values)
        return 2
    _say(out, "kb.cli_taught", id=taught_id, question=question, answer=answer)
    after, _generation = await index_from_database(sessions, settings)
    sets = QuestionSets.load(settings.dev_questions_path)
    check = await asyncio.to_thread(compare, before, after, sets)
    await keep_check(sessions, taught_id, check)
    write_check(out, check)
    return 0


async def _untaught(
    args: argparse.Namespace, settings: Settings, sessions: Any, out: TextIO, now: datetime
) -> int:
    """Undoes a teach, then checks the golden questions and the dev set as a teach does."""
    before, _generation = await index_from_database(sessions, settings)
    async with sessions.begin() as session:
        done = await untaught(session, args.id, by=_who(args.by), now=now)
    if not done:
        _say(out, "kb.cli_no_such_teach", id=args.id)
        return 1
    _say(out, "kb.cli_untaught", id=args.id)
    after, _generation = await index_from_database(sessions, settings)
    sets = QuestionSets.load(settings.dev_questions_path)
    check = await asyncio.to_thread(compare, before, after, sets)
    await keep_check(sessions, args.id, check, undo=True)
    write_check(out, check, broken_key="kb.cli_undo_golden_broken")
    return 0


def write_check(
    out: TextIO, check: dict[str, Any], *, broken_key: str = "kb.cli_golden_broken"
) -> None:
    """The guard's finding, as the CLI prints it."""
    _say(
        out,
        "kb.cli_check",
        right=check["golden_right"],
        total=check["golden_total"],
    )
    if check["dev_total"]:
        _say(
            out,
            "kb.cli_dev",
            before=check["dev_before"],
            after=check["dev_after"],
            total=check["dev_total"],
        )
    for broken in check["golden_broken"]:
        _say(
            out,
            broken_key,
            question=broken["question"],
            expected=", ".join(broken["expected"]) or "—",
            got=", ".join(broken["got"]),
        )

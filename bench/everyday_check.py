"""Do the everyday names lead to their own records? A self-check of knowledge/data/everyday.tsv.

Each name (and English name) is asked as a question; it should find its record first, or
among the first three when it is shared by level variants. ``--before FILE`` compares with
another version of the file: the names that found their record with it and do not now (a new
name that pulled an older one off its record) are listed. It asserts nothing.

    python3 bench/everyday_check.py [--before OLD.tsv] [--show 20]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from troly.knowledge.aliases import EVERYDAY, Everyday, parse_everyday
from troly.knowledge.index import ProcedureIndex
from troly.knowledge.records import load_knowledge


def ranks(index: ProcedureIndex, everyday: dict[str, Everyday]) -> dict[tuple[str, str], int]:
    """(code, text) -> the record's rank for that name asked as a question (99: not in 3)."""
    found: dict[tuple[str, str], int] = {}
    for code, entry in everyday.items():
        for text in (*entry.names, *entry.english):
            codes = [m.procedure.code for m in index.search(text).matches]
            found[(code, text)] = codes.index(code) + 1 if code in codes[:3] else 99
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path)
    parser.add_argument("--show", type=int, default=20)
    args = parser.parse_args()
    kb = load_knowledge()
    now = ranks(ProcedureIndex(kb), EVERYDAY)
    total = len(now)
    first = sum(r == 1 for r in now.values())
    three = sum(r <= 3 for r in now.values())
    print(f"{total} names: own record first {first / total:.3f}, in top 3 {three / total:.3f}")
    if args.before is not None:
        old_data = parse_everyday(args.before.read_text("utf-8"), source=str(args.before))
        old = ranks(ProcedureIndex(kb, everyday=old_data), old_data)
        worse = [(k, old[k], now.get(k, 99)) for k in old if now.get(k, 99) > old[k]]
        print(f"older names ranked lower now: {len(worse)} of {len(old)}")
        for (code, text), was, is_ in worse[: args.show]:
            print(f"  {code} {text!r}: {was} -> {is_ if is_ < 99 else 'not in 3'}")
    missed = [k for k, r in now.items() if r == 99]
    print(f"names whose record is not in the top 3: {len(missed)}")
    for code, text in missed[: args.show]:
        print(f"  {code} {text!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

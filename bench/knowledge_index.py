"""The index a matcher bench measures: the database's knowledge when a database URL is given
(the imported set in use and what staff taught, as the running workers answer), the bundled
records and vocabulary otherwise.

    python3 bench/unseen.py --database-url postgresql+asyncpg://…/troly SET.jsonl
    TROLY_DATABASE_URL=sqlite:///troly.db python3 bench/decisions.py SET.jsonl
"""

from __future__ import annotations

import asyncio
import os

from troly.bot.knowledge import build_index
from troly.bot.knowledge.source import index_from_database
from troly.bot.settings import Settings
from troly.bot.storage.database import create_engine, session_factory
from troly.knowledge.index import ProcedureIndex


def database_url(argv: list[str]) -> tuple[str | None, list[str]]:
    """``--database-url URL`` (or ``TROLY_DATABASE_URL``) taken out of the arguments."""
    rest, url = [], os.environ.get("TROLY_DATABASE_URL") or None
    arguments = iter(argv)
    for argument in arguments:
        if argument == "--database-url":
            url = next(arguments, None)
        elif argument.startswith("--database-url="):
            url = argument.partition("=")[2]
        else:
            rest.append(argument)
    return url, rest


def bench_index(url: str | None) -> ProcedureIndex:
    """The index to measure, and a line on stdout saying which knowledge it holds."""
    if not url:
        print("knowledge: the bundled records and vocabulary")
        return build_index(Settings())
    settings = Settings(database_url=url)

    async def load() -> tuple[ProcedureIndex, int]:
        engine = create_engine(url)
        try:
            return await index_from_database(session_factory(engine), settings)
        finally:
            await engine.dispose()

    index, generation = asyncio.run(load())
    taught = len(index.taught.phrases)
    print(
        f"knowledge: the database's (generation {generation}): {len(index.kb)} records, "
        f"{taught} taught questions"
    )
    return index

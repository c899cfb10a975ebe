"""The public pages in tests: the whole app on a moved clock, read as anyone's browser."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from support import Clock
from troly.bot.settings import Settings
from troly.handlers.app import Runtime, build_runtime, create_app
from troly.knowledge.index import ProcedureIndex

with warnings.catch_warnings():
    from starlette.exceptions import StarletteDeprecationWarning

    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

TAGS = re.compile(r"<[^>]+>")


@contextmanager
def public_app(
    tmp_path: Path, index: ProcedureIndex, clock: Clock, **overrides: Any
) -> Iterator[tuple[TestClient, Runtime]]:
    """The whole app (so the public pages are mounted as in production) and its runtime."""
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": f"sqlite:///{tmp_path / 'public.db'}",
        **overrides,
    }
    settings = Settings(**values)
    runtime = build_runtime(settings, clock=clock, index=index)
    app, _ = create_app(settings, runtime=runtime, scheduler=False)
    with TestClient(app) as client:
        yield client, runtime


def visible(html: str) -> str:
    """A page's text without its markup, whitespace collapsed (what a reader sees)."""
    return " ".join(TAGS.sub(" ", html).split())

"""The public sections, in the order the landing page lists them: adding one is one line.

A section is a URL segment under ``/cong-khai``, a text key (``public.<key>_title`` and
``public.<key>_summary`` in the catalogues) and a function that builds its routes over the
``Site`` (paths start with ``/<slug>``). A page reads through ``bot/`` (no SQL here), renders
with ``site.render`` (its template extends ``base.html``) and hides what rests on fewer than
``site.min_count`` records (``{% include "_thin.html" %}``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from starlette.routing import BaseRoute

from troly.handlers.public import agencies
from troly.handlers.public.petitions import petition_routes
from troly.handlers.public.promises import promise_routes
from troly.handlers.public.site import Site


@dataclass(frozen=True, slots=True)
class Section:
    """One public section: where it lives, what it is called, how its routes are built."""

    slug: str
    key: str
    routes: Callable[[Site], Sequence[BaseRoute]]


SECTIONS: tuple[Section, ...] = (
    Section("phan-anh", "petitions", petition_routes),
    Section("cam-ket", "promises", promise_routes),
    Section("chi-so", "index", agencies.routes),
)

"""The kiosk's common topics as tiles: one tap asks a common question or opens a job.

The tiles are data, ``bot/texts/tiles.tsv`` (labels and questions in Vietnamese and English),
checked once at load. Pure: no database, no clock, no platform.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from troly.bot.messages import Button
from troly.knowledge.vocabulary import VocabularyError

PREFIX = "tile"
ASK = "ask"
OPENS = frozenset({"menu:petition", "menu:booking", "menu:dossier", "menu:ask", "human"})
"""The jobs a tile may open instead of asking: choices the router already knows."""
PER_ROW = 2
_ID = re.compile(r"[a-z0-9_]{1,40}")
_SOURCE = "bot/texts/tiles.tsv"


@dataclass(frozen=True, slots=True)
class Tile:
    """One common topic: its labels, and the question it asks or the job it opens."""

    id: str
    action: str
    label_vi: str
    label_en: str
    question_vi: str | None = None
    question_en: str | None = None

    def label(self, locale: str) -> str:
        """The tile's label in ``locale`` (Vietnamese otherwise)."""
        return self.label_en if locale == "en" else self.label_vi

    def question(self, locale: str) -> str | None:
        """The question a tap asks in ``locale``, or None when the tile opens a job."""
        return self.question_en if locale == "en" else self.question_vi


def _tile(line: str, number: int) -> Tile:
    cells = [cell.strip() for cell in line.split("\t")]
    if len(cells) != 6 or not all(cells):
        raise VocabularyError(f"{_SOURCE}:{number}: six columns separated by a TAB")
    tile_id, action, label_vi, label_en, asks_vi, asks_en = cells
    if not _ID.fullmatch(tile_id):
        raise VocabularyError(f"{_SOURCE}:{number}: id {tile_id!r} is not a-z, 0-9, _")
    if action == ASK:
        if "-" in (asks_vi, asks_en):
            raise VocabularyError(f"{_SOURCE}:{number}: an ask tile needs both questions")
        return Tile(tile_id, action, label_vi, label_en, asks_vi, asks_en)
    if action not in OPENS:
        raise VocabularyError(f"{_SOURCE}:{number}: unknown action {action!r}")
    return Tile(tile_id, action, label_vi, label_en)


@cache
def tiles() -> tuple[Tile, ...]:
    """The kiosk's tiles, in the screen's order."""
    text = resources.files("troly.bot.texts").joinpath("tiles.tsv").read_text("utf-8")
    found = [
        _tile(line, number)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.startswith("#")
    ]
    ids = [tile.id for tile in found]
    if len(set(ids)) != len(ids):
        raise VocabularyError(f"{_SOURCE}: a tile id is used twice")
    return tuple(found)


def find(tile_id: str) -> Tile | None:
    """The tile of that id, or None (a tile taken out of the data since the screen showed it)."""
    return next((tile for tile in tiles() if tile.id == tile_id), None)


def tile_rows(locale: str) -> tuple[tuple[Button, ...], ...]:
    """The tiles as rows of buttons (``tile:<id>``), two a row."""
    buttons = [Button(tile.label(locale), choice=f"{PREFIX}:{tile.id}") for tile in tiles()]
    return tuple(tuple(buttons[i : i + PER_ROW]) for i in range(0, len(buttons), PER_ROW))

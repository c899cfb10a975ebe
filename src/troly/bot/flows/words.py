"""Words as well as commands: "menu", "phản ánh", "gửi kiến nghị", "hủy", a code to look up.

A whole short message that is one of the phrases in ``bot/texts/words.tsv`` (folded, with
polite words around it) means that command; a petition or booking code anywhere in a message
means looking it up. Pure: no database, no clock.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from troly.bot.codes import normalise_code
from troly.knowledge.folding import basic_fold
from troly.knowledge.vocabulary import VocabularyError, parse_pairs

MAX_WORDS = 10
CANCEL = "huy"
_WORD = re.compile(r"\w+")
# Said before or after what a person wants: "cho tôi …", "tôi muốn …", "… với ạ", "I want to …".
_LEADING = tuple(
    basic_fold(phrase).split()
    for phrase in (
        "tôi muốn", "tôi cần", "cho tôi", "em muốn", "em cần", "cho em", "mình muốn",
        "muốn", "cần", "xin", "vui lòng", "làm ơn", "bạn ơi", "ad ơi", "dạ", "vâng",
        "i want to", "i would like to", "i'd like to", "id like to", "i need to", "please",
        "can i", "let me", "i want",
    )
)  # fmt: skip
_TRAILING = frozenset(
    {"a", "ad", "ban", "em", "nhe", "nha", "nhe a", "voi", "di", "giup", "cho", "minh", "toi"}
    | {"please", "now", "thanks"}
)
_CODE = re.compile(
    r"(?<![0-9A-Za-z])(PA|DT|CK)(?:[-‐‑–—_ ]?([2-9A-Za-z]{6}))(?![0-9A-Za-z])", re.IGNORECASE
)


@cache
def phrases() -> dict[str, str]:
    """The folded phrases of ``words.tsv``, each with the command it means."""
    text = resources.files("troly.bot.texts").joinpath("words.tsv").read_text("utf-8")
    found: dict[str, str] = {}
    for phrase, command in parse_pairs(text, source="bot/texts/words.tsv").items():
        folded = " ".join(_WORD.findall(basic_fold(phrase)))
        if not folded or not command.isalpha():
            raise VocabularyError(f"bot/texts/words.tsv: {phrase!r} -> {command!r}")
        found[folded] = command
    return found


def _core(words: list[str]) -> list[str]:
    """The words without the polite ones around them."""
    stripped = True
    while stripped and words:
        stripped = False
        for lead in _LEADING:
            if len(words) > len(lead) and words[: len(lead)] == lead:
                words = words[len(lead) :]
                stripped = True
    while len(words) > 1 and words[-1] in _TRAILING:
        words = words[:-1]
    return words


def command_of_words(text: str) -> str | None:
    """The command a whole short message means ("gửi kiến nghị ạ" -> "phananh"), or None."""
    words = _WORD.findall(basic_fold(text))
    if not words or len(words) > MAX_WORDS:
        return None
    table = phrases()
    return table.get(" ".join(words)) or table.get(" ".join(_core(words)))


def code_in(text: str) -> str | None:
    """A petition or booking code written anywhere in a message ("tra cứu pa-7k3m9q giúp")."""
    for found in _CODE.finditer(text):
        prefix, body = found.group(1).upper(), found.group(2)
        written = found.group(0)
        if not any(ch.isdigit() for ch in body) and not re.search(r"[-‐‑–—_]", written):
            # "pa" before any six letters is not a code unless it is written as one.
            continue
        code = normalise_code(f"{prefix}-{body}", prefixes=(prefix,))
        if code is not None:
            return code
    return None


_KINDS = ("slow", "wait", "angry")
# How long it has lasted: "3 tháng", "mấy tuần", "cả năm", "lâu", "mãi".
_LASTED = re.compile(
    r"\b(?:\d+|mot|hai|ba|bon|nam|sau|may|ca|hang|nhieu|vai)\s+(?:ngay|tuan|thang|nam)\b"
    r"|\b(?:lau|mai|lau roi|days|weeks|months)\b"
)


@cache
def _complaints() -> dict[str, str]:
    text = resources.files("troly.bot.texts").joinpath("complaints.tsv").read_text("utf-8")
    found: dict[str, str] = {}
    for phrase, kind in parse_pairs(text, source="bot/texts/complaints.tsv").items():
        if kind not in _KINDS:
            raise VocabularyError(f"bot/texts/complaints.tsv: unknown kind {kind!r}")
        found[" ".join(_WORD.findall(basic_fold(phrase)))] = kind
    return found


def is_complaint(text: str) -> bool:
    """Whether a message complains about slow handling or how the business was treated.

    "hồ sơ của tôi 3 tháng chưa xong", "làm ăn kiểu gì mà chậm thế": a petition (and a
    person) helps there, four procedures do not.
    """
    folded = " ".join(_WORD.findall(basic_fold(text)))
    padded = f" {folded} "
    kinds = {kind for phrase, kind in _complaints().items() if f" {phrase} " in padded}
    return bool(kinds - {"wait"}) or ("wait" in kinds and _LASTED.search(folded) is not None)

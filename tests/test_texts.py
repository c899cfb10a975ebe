"""The message catalogues: both languages say the same things, and every sentence the code
asks for gets the values its placeholders need (a raw "{limit}" must never reach a user)."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from troly.bot.texts import LOCALES, catalogue

SRC = Path(__file__).resolve().parents[1] / "src" / "troly"


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _calls() -> list[tuple[str, str, set[str], bool]]:
    """Every ``t("key", …)`` call with a literal key: (where, key, keywords, has **values)."""
    found = []
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            # ``t("key", …)``, and a door's ``ctx.say("key", …)`` (the same key, or its variant).
            if (
                isinstance(node, ast.Call)
                and (
                    (isinstance(node.func, ast.Name) and node.func.id == "t")
                    or (isinstance(node.func, ast.Attribute) and node.func.attr == "say")
                )
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                names = {k.arg for k in node.keywords if k.arg is not None}
                spread = any(k.arg is None for k in node.keywords)
                where = f"{path.relative_to(SRC)}:{node.lineno}"
                found.append((where, node.args[0].value, names, spread))
    return found


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    vi, en = catalogue("vi"), catalogue("en")
    assert set(vi) == set(en)
    differing = [key for key in vi if _fields(vi[key]) != _fields(en[key])]
    assert differing == []


@pytest.mark.parametrize("locale", LOCALES)
def test_every_literal_key_exists_and_gets_every_placeholder(locale: str) -> None:
    texts = catalogue(locale)
    calls = _calls()
    assert len(calls) > 200  # the scan sees the code
    unknown = [(where, key) for where, key, _, _ in calls if key not in texts]
    missing = [
        (where, key, sorted(_fields(texts[key]) - names))
        for where, key, names, spread in calls
        if key in texts and not spread and _fields(texts[key]) - names
    ]
    assert unknown == []
    assert missing == []

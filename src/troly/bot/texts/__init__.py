"""The message catalogues: every user-facing sentence, Vietnamese first, English second."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

LOCALES = ("vi", "en")
DEFAULT_LOCALE = "vi"


@cache
def catalogue(locale: str) -> dict[str, str]:
    """The sentences of one locale, by key."""
    raw = resources.files("troly.bot.texts").joinpath(f"{locale}.json").read_text("utf-8")
    data: dict[str, str] = json.loads(raw)
    return data


def normalise_locale(locale: str | None) -> str:
    """A supported locale for a platform's language code ("en-US" -> "en", None -> "vi")."""
    if not locale:
        return DEFAULT_LOCALE
    short = locale.split("-")[0].split("_")[0].lower()
    return short if short in LOCALES else DEFAULT_LOCALE


DOORS = ("kiosk",)
"""The doors with sentences of their own (``key@kiosk``): a kiosk has buttons, no keyboard."""


def at_door(key: str, door: str | None) -> str:
    """The key of ``key``'s variant for ``door`` when the catalogue has one, else ``key``.

    The kiosk's «petition.intro@kiosk» points at its «Làm lại từ đầu» button where the others
    say "Gõ /huy".
    """
    if door in DOORS and f"{key}@{door}" in catalogue(DEFAULT_LOCALE):
        return f"{key}@{door}"
    return key


def t(key: str, locale: str | None = None, /, **values: Any) -> str:
    """The sentence ``key`` in ``locale`` (falling back to Vietnamese), filled with ``values``."""
    lang = normalise_locale(locale)
    template = catalogue(lang).get(key) or catalogue(DEFAULT_LOCALE)[key]
    return template.format(**values) if values else template

"""What reads differently in English: dates, the province's name and the sessions' venue.

Vietnamese keeps the province's own forms ("21/12/2026", "14:00 21/12/2026"); English reads
"Mon 21 Dec 2026" and "14:00, Mon 21 Dec 2026". Pure; must not import handlers.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

from troly.bot.settings import Settings

_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


def _local(moment: datetime, settings: Settings) -> datetime:
    return moment.astimezone(ZoneInfo(settings.timezone))


def day(moment: datetime, settings: Settings, locale: str = "vi") -> str:
    """The day of ``moment`` in the province: ``21/12/2026`` or ``Mon 21 Dec 2026``."""
    local = _local(moment, settings)
    if locale == "en":
        weekday, month = _WEEKDAYS_EN[local.weekday()], _MONTHS_EN[local.month - 1]
        return f"{weekday} {local.day} {month} {local.year}"
    return f"{local:%d/%m/%Y}"


def day_with_weekday(moment: datetime, settings: Settings, locale: str = "vi") -> str:
    """The day with its weekday in both languages: ``Thứ Hai, 21/12/2026``."""
    if locale == "en":
        return day(moment, settings, locale)
    local = _local(moment, settings)
    return f"{_WEEKDAYS_VI[local.weekday()]}, {local:%d/%m/%Y}"


def moment_text(moment: datetime, settings: Settings, locale: str = "vi") -> str:
    """A time and day: ``14:00 21/12/2026`` or ``14:00, Mon 21 Dec 2026``."""
    local = _local(moment, settings)
    if locale == "en":
        return f"{local:%H:%M}, {day(moment, settings, locale)}"
    return f"{local:%H:%M} {local:%d/%m/%Y}"


def moment_with_weekday(moment: datetime, settings: Settings, locale: str = "vi") -> str:
    """A time and day with its weekday: ``14:00 Thứ Năm, 17/12/2026`` (English as above)."""
    if locale == "en":
        return moment_text(moment, settings, locale)
    return f"{_local(moment, settings):%H:%M} {day_with_weekday(moment, settings, locale)}"


def province(settings: Settings, locale: str = "vi", *, in_sentence: bool = False) -> str:
    """The province's name: ``Tỉnh Thanh Hóa``, or ``Thanh Hoa Province`` (a city: ``… City``).

    ``in_sentence``: inside a Vietnamese sentence it reads "tỉnh Thanh Hóa" (lower case).
    ``TROLY_PROVINCE_EN`` names it in English; left empty, the English is the Vietnamese name
    without its "Tỉnh" and its diacritics.
    """
    return province_named(
        settings.province, locale, in_sentence=in_sentence, english=settings.province_en
    )


def province_named(name: str, locale: str, *, in_sentence: bool = False, english: str = "") -> str:
    """A province's official name as ``province`` reads it (``english``: its set English)."""
    if locale != "en":
        if in_sentence and name.startswith(("Tỉnh ", "Thành phố ")):
            return name[0].lower() + name[1:]
        return name
    if english:
        return english
    name = name.strip()
    kind = "Province"
    for prefix in ("Tỉnh ", "tỉnh ", "Thành phố ", "thành phố "):
        if name.startswith(prefix):
            name = name[len(prefix) :]
            kind = "City" if prefix.lower().startswith("thành") else kind
    plain = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return f"{plain} {kind}"


def venue(place: str, settings: Settings, locale: str = "vi") -> str:
    """A session's venue; the usual one (``TROLY_SESSION_PLACE``) in English when asked."""
    if locale == "en" and place == settings.session_place and settings.session_place_en:
        return settings.session_place_en
    return place


def decimal(value: float, locale: str = "vi", *, digits: int = 1, whole: bool = False) -> str:
    """A decimal number as the locale writes it: ``10,5`` in Vietnamese, ``10.5`` in English.

    ``whole``: a value that rounds to a whole number is written without decimals ("11").
    """
    rounded = round(value, digits)
    if whole and rounded == int(rounded):
        return str(int(rounded))
    text = f"{rounded:.{digits}f}"
    return text.replace(".", ",") if locale == "vi" else text

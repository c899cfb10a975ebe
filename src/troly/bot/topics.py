"""The topics a business can raise (petitions and dialogue sessions share the list).

Keys are short ASCII (they travel in button payloads); labels are Vietnamese and English.
"""

from __future__ import annotations

from troly.bot.messages import Button

TOPICS: tuple[tuple[str, str, str], ...] = (
    ("dkdn", "Đăng ký doanh nghiệp", "Business registration"),
    ("dautu", "Đầu tư", "Investment"),
    ("datdai", "Đất đai", "Land"),
    ("xaydung", "Xây dựng", "Construction"),
    ("thue", "Thuế", "Tax"),
    ("haiquan", "Hải quan", "Customs"),
    ("moitruong", "Môi trường", "Environment"),
    ("pccc", "Phòng cháy, chữa cháy (PCCC)", "Fire safety"),
    ("bhxh", "Bảo hiểm xã hội", "Social insurance"),
    ("khac", "Khác", "Other"),
)
"""(key, Vietnamese label, English label), in the order shown."""

TOPIC_KEYS = frozenset(key for key, _vi, _en in TOPICS)


def topic_label(key: str, locale: str = "vi") -> str:
    """The label of a topic in ``locale`` (the key itself when unknown)."""
    for topic_key, vi, en in TOPICS:
        if topic_key == key:
            return en if locale == "en" else vi
    return key


def topic_buttons(prefix: str, locale: str) -> tuple[tuple[Button, ...], ...]:
    """The topics as buttons, two a row, each sending ``<prefix><key>``."""
    buttons = [Button(topic_label(key, locale), choice=f"{prefix}{key}") for key, _, _ in TOPICS]
    return tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))

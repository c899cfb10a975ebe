"""The topics a business can raise (petitions and dialogue sessions share the list).

Keys are short ASCII (they travel in button payloads); labels are Vietnamese and English.
"""

from __future__ import annotations

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

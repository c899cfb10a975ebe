"""Short messages that continue the conversation rather than start a new question.

"thế còn lệ phí?", "nộp ở đâu?", "bao nhiêu ngày thì có" ask about the procedure just shown;
"2", "số 2", "cái thứ hai" pick a choice of the «Ý bạn là…» list just shown. Works on folded
text. Must not import handlers or platform libraries.
"""

from __future__ import annotations

import re

from troly.knowledge.aspects import Aspect
from troly.knowledge.folding import basic_fold

MAX_FOLLOW_UP_WORDS = 9

# Folded phrases naming one part of a procedure, most specific first.
_ASPECT_PHRASES: list[tuple[Aspect, str]] = [
    (
        Aspect.FEE,
        r"phi tham dinh|le phi|chi phi|phi|bao nhieu tien|mat tien|ton tien|tien|"
        r"fees?|costs?|price|how much",
    ),
    (
        Aspect.TIME,
        r"bao lau|may ngay|bao nhieu ngay|thoi han|thoi gian|khi nao|bao gio|may hom|"
        r"how long|processing time|time|days?",
    ),
    (Aspect.ONLINE, r"online|truc tuyen|qua mang|tren mang|dich vu cong|qua internet"),
    (Aspect.WHERE, r"o dau|cho nao|noi nop|dia chi|where|address"),
    (Aspect.AGENCY, r"co quan nao|ai giai quyet|ai cap|co quan|agency|who|office"),
    (Aspect.DOCUMENTS, r"ho so|giay to|thanh phan|documents?|papers?"),
    (Aspect.LEGAL_BASIS, r"can cu phap ly|can cu|co so phap ly|van ban|legal basis|legal|laws?"),
    (Aspect.CONDITIONS, r"dieu kien|conditions?|requirements?"),
    (Aspect.STEPS, r"cac buoc|trinh tu|quy trinh|lam the nao|lam sao|steps?|how"),
]
_COMPILED = [
    (aspect, re.compile(rf"(?<![a-z0-9])(?:{pattern})(?![a-z0-9])"))
    for aspect, pattern in _ASPECT_PHRASES
]
# Words that carry no subject of their own: what is left of a follow-up besides its aspect.
_FILLER = frozenset(
    [
        *("ko", "k", "hok", "khg", "dc", "giai", "quyet", "xu", "ly", "cap", "tiep", "nhan"),
        "the",
        "con",
        "vay",
        "thi",
        "sao",
        "co",
        "khong",
        "duoc",
        "lam",
        "a",
        "ah",
        "nhi",
        "nhe",
        "nha",
        "oi",
        "ha",
        "la",
        "gi",
        "nao",
        "ra",
        "bao",
        "nhieu",
        "nop",
        "phai",
        "can",
        "minh",
        "toi",
        "em",
        "anh",
        "chi",
        "ban",
        "cho",
        "hoi",
        "xin",
        "va",
        "voi",
        "ma",
        "het",
        "mat",
        "ton",
        "tinh",
        "thu",
        "khoang",
        "tam",
        "tu",
        "den",
        "nua",
        "ok",
        "duoc",
        "roi",
        "thu",
        "tuc",
        "nay",
        "do",
        "kia",
        "ay",
        "may",
        "cai",
        "cua",
        "no",
        "nop",
        "ho",
        "so",
        "xong",
        "tra",
        "ket",
        "qua",
        "what",
        "about",
        "and",
        "is",
        "it",
        "a",
        "an",
        "of",
        "for",
        "to",
        "submit",
        "pay",
        "take",
        "does",
        "do",
        "can",
        "i",
        "we",
        "much",
        "there",
        "this",
        "that",
        "its",
        "apply",
        "how",
        "in",
        "on",
        "gom",
        "bao",
        "nhung",
        "nhu",
        "kem",
        "theo",
        "them",
        "rang",
        "need",
        "needed",
        "required",
        "which",
        "are",
    ]
)
_ORDINALS = {
    "1": 1, "mot": 1, "nhat": 1, "first": 1, "one": 1,
    "2": 2, "hai": 2, "nhi": 2, "second": 2, "two": 2,
    "3": 3, "ba": 3, "third": 3, "three": 3,
    "4": 4, "bon": 4, "tu": 4, "fourth": 4, "four": 4,
}  # fmt: skip
_PICK = re.compile(
    r"^(?:(?:chon|lay|xem)\s+)?(?:(?:so|cai|thu tuc|lua chon|muc|dong|phuong an|option|number|"
    r"no|the)\s+)?(?:thu\s+)?(?P<n>[1-4]|mot|hai|ba|bon|tu|nhat|nhi|first|second|third|"
    r"fourth|one|two|three|four)(?:\s+(?:a|nhe|nha|one|di))?$"
)


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", basic_fold(text)).split())


def follow_up_aspect(text: str) -> Aspect | None:
    """The aspect a short follow-up asks about, or None when it names something else."""
    folded = _words(text)
    if not folded or len(folded.split()) > MAX_FOLLOW_UP_WORDS:
        return None
    found: list[Aspect] = []
    for aspect, pattern in _COMPILED:
        if pattern.search(folded):
            found.append(aspect)
            folded = pattern.sub(" ", folded)
    if not found:
        return None
    if any(word not in _FILLER for word in folded.split()):
        return None
    return found[0]


def picked_number(text: str) -> int | None:
    """The choice a message picks ("2", "số 2", "cái thứ hai"), if it is only that."""
    found = _PICK.match(_words(text))
    return _ORDINALS[found.group("n")] if found else None

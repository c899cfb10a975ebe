"""Which aspect of a procedure a question asks about ("mất bao lâu", "phí bao nhiêu", ...).

Works on folded text. The phrases that name the aspect are also taken out of the question
before matching, so "mất bao lâu" does not read as "lost".
"""

from __future__ import annotations

import re
from enum import StrEnum


class Aspect(StrEnum):
    """The part of a procedure's card a question leads with."""

    GENERAL = "general"
    DOCUMENTS = "documents"
    TIME = "time"
    FEE = "fee"
    WHERE = "where"
    AGENCY = "agency"
    STEPS = "steps"
    LEGAL_BASIS = "legal_basis"
    ONLINE = "online"
    CONDITIONS = "conditions"


# Folded phrases, most specific first; each regex is matched on word boundaries.
_PATTERNS: list[tuple[Aspect, str]] = [
    (
        Aspect.DOCUMENTS,
        r"(can|chuan bi|phai nop|nop|gom|bao gom|co)?\s*(nhung )?(giay to|ho so|thanh phan ho so|tai lieu)\s*(gom |bao gom |la )?(nhung )?(gi|nao|ra sao)",
    ),
    (Aspect.DOCUMENTS, r"(ho so|giay to) (gom|bao gom|can co)( nhung)?( gi)?"),
    (
        Aspect.DOCUMENTS,
        r"what (are the )?(documents|requirements|papers)|which documents|documents? (needed|required)|requirements",
    ),
    (
        Aspect.TIME,
        r"(mat|het|trong|ton|la|trong vong)?\s*(bao lau|may ngay|bao nhieu ngay|thoi (gian|han) (giai quyet|xu ly))",
    ),
    (Aspect.TIME, r"how long( does it take)?|processing time"),
    (
        Aspect.FEE,
        r"(le phi|phi|chi phi) (la |het |mat )?bao nhieu( tien)?|(mat |ton |het )?bao nhieu tien|(co )?(mat|ton|tinh|thu) (le )?phi( khong)?|co (mat )?(le )?phi khong|mien phi khong|(le phi|chi phi) (the nao|ra sao)",
    ),
    # "lệ phí đăng ký hộ kinh doanh": the fee of the procedure named next (the name stays).
    (
        Aspect.FEE,
        r"(le phi|chi phi|phi)(?= (dang ky|thanh lap|cap|xin|lam|gia han|doi|dieu chinh|thay doi|giai the|chuyen))",
    ),
    (Aspect.FEE, r"how much|what is the (fee|cost)"),
    (
        Aspect.WHERE,
        r"(nop|gui)?\s*(ho so )?(o|tai) (dau|cho nao)|noi nop( ho so)?|dia chi nop( ho so)?",
    ),
    (Aspect.WHERE, r"where( (do|can|should) (i|we) (submit|apply|go))?"),
    (
        Aspect.AGENCY,
        r"(co quan|don vi|so|ben|phong|cap) nao|(do )?(co quan|ai) (giai quyet|cap|tham dinh|xu ly)|bao cho ai|nop cho ai",
    ),
    (Aspect.AGENCY, r"which (agency|authority|office)|who (issues|handles)"),
    (
        Aspect.LEGAL_BASIS,
        r"(theo )?(van ban|quy dinh|luat|nghi dinh|thong tu|can cu)( phap ly)? nao|can cu phap ly|co so phap ly",
    ),
    (Aspect.LEGAL_BASIS, r"legal basis|which (law|decree|regulation)"),
    (
        Aspect.ONLINE,
        r"(nop |lam )?(truc tuyen|online|qua mang)( duoc)?( khong)?",
    ),
    (Aspect.ONLINE, r"online"),
    (Aspect.CONDITIONS, r"(can )?(dieu kien|yeu cau) (gi|nao|ra sao)"),
    (
        Aspect.STEPS,
        r"(trinh tu|cac buoc|quy trinh)( thuc hien)?( nhu)?( the nao| ra sao| gom)?|can lam gi|phai lam gi|lam gi|lam sao|lam the nao|nhu the nao|the nao|ra sao|how (do|can|to|should)( i| we)?",
    ),
]
_COMPILED = [
    (aspect, re.compile(rf"(?<![a-z0-9])(?:{pattern})(?![a-z0-9])"))
    for aspect, pattern in _PATTERNS
]
# Asking "how" is too weak to lead with the steps when another aspect is also asked.
_WEAK = {Aspect.STEPS}


def detect_aspect(folded: str) -> tuple[Aspect, str]:
    """The aspect a folded question asks about, and the question without its aspect phrases."""
    found: list[Aspect] = []
    remaining = folded
    for aspect, pattern in _COMPILED:
        if pattern.search(remaining):
            found.append(aspect)
            remaining = pattern.sub(" ", remaining)
    strong = [a for a in found if a not in _WEAK]
    aspect = strong[0] if strong else (found[0] if found else Aspect.GENERAL)
    return aspect, " ".join(remaining.split())

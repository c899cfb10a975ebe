"""Topics of the ministries the knowledge base does not cover, and the words that name them.

The bundled records come from six ministries and the State Bank. A question naming a topic of
another ministry is very likely out of scope even when its generic words ("cấp", "giấy phép",
"chứng chỉ hành nghề") match a record. The lexicon is data, grouped by ministry, in
``knowledge/data/uncovered_topics.tsv`` (how it was written is in its header), checked at load:
a bad line is refused with its file and line. It feeds the in-scope model as one piece of
evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from troly.knowledge.vocabulary import VocabularyError, data_text, kind_lines


@dataclass(frozen=True, slots=True)
class Topic:
    """A domain the records do not cover: its folded terms, and optionally a context.

    A topic is named when one of ``terms`` occurs in the folded question and, if ``context``
    is given, one of the context phrases occurs too ("nhà hàng" only says food safety of the
    health sector next to "an toàn thực phẩm").
    """

    name: str
    terms: tuple[str, ...]
    context: tuple[str, ...] = ()
    ministry: str = ""


TOPIC_KINDS: Final = ("ministry", "topic", "term", "context")


def parse_topics(text: str, *, source: str) -> tuple[Topic, ...]:
    """Reads ``kind<TAB>text`` lines: ministry headings, topics, their terms and contexts."""
    topics: list[Topic] = []
    ministry = ""
    current: dict[str, list[str]] | None = None
    name = ""
    started = source

    def close() -> None:
        if current is None:
            return
        if not current["term"]:
            raise VocabularyError(f"{started}: topic {name!r} has no term line")
        topics.append(Topic(name, tuple(current["term"]), tuple(current["context"]), ministry))

    seen: set[str] = set()
    for where, kind, phrase in kind_lines(text, source=source, kinds=TOPIC_KINDS):
        if kind in ("ministry", "topic"):
            close()
            current = None
            if kind == "ministry":
                ministry = phrase
                continue
            if phrase in seen:
                raise VocabularyError(f"{where}: topic {phrase!r} appears twice")
            seen.add(phrase)
            current, name, started = {"term": [], "context": []}, phrase, where
            continue
        if current is None:
            raise VocabularyError(f"{where}: a {kind} line before any topic line")
        if phrase != phrase.lower() or not phrase.isascii():
            raise VocabularyError(f"{where}: {phrase!r} is not folded (lower case, no marks)")
        current[kind].append(phrase)
    close()
    return tuple(topics)


UNCOVERED_TOPICS: Final[tuple[Topic, ...]] = parse_topics(
    data_text("uncovered_topics.tsv"), source="knowledge/data/uncovered_topics.tsv"
)


def lexicon_words() -> frozenset[str]:
    """Every word of the uncovered topics' terms and contexts.

    They are real words even where no record uses them: a question typed without marks keeps
    them as typed ("ca nhac" is not corrected into the records' "ca nhan").
    """
    return frozenset(
        word
        for topic in UNCOVERED_TOPICS
        for phrase in (*topic.terms, *topic.context)
        for word in phrase.split()
    )


# Specialised sectors among the covered records. A business owner who does not name one of
# these means the ordinary procedure ("giải thể công ty" is not the securities fund's), so a
# record naming a sector the question does not is a less likely answer.
SPECIALISED_SECTORS: tuple[str, ...] = (
    "chung khoan",
    "quy dau tu",
    "ngan hang thuong mai",
    "to chuc tin dung",
    "tai chinh vi mo",
    "ngoai hoi",
    "trung gian thanh toan",
    "thong tin tin dung",
    "hang khong",
    "tau bay",
    "tau bien",
    "duong sat",
    "vu khi",
    "vat lieu no",
    "cong cu ho tro",
    "luat su",
    "cong ty luat",
    "cong chung",
    "thua phat lai",
    "giam dinh tu phap",
    "quan tai vien",
    "trong tai",
    "hoa giai thuong mai",
    "kiem toan",
    "doanh nghiep bao hiem",
    "kinh doanh bao hiem",
    "cai nghien",
    "con nuoi",
    "quoc tich",
    "nguoi co cong",
    "kho bac",
    "quan doi",
    "cong an nhan dan",
    "ra nuoc ngoai",
    "dau khi",
    "xo so",
)


def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])")


_COMPILED = tuple(
    (_phrase_pattern(t.terms), _phrase_pattern(t.context) if t.context else None)
    for t in UNCOVERED_TOPICS
)


def uncovered_terms(folded: str) -> list[str]:
    """The terms of uncovered topics that a folded question names, in order of the topics."""
    found: list[str] = []
    for terms, context in _COMPILED:
        if context is not None and context.search(folded) is None:
            continue
        found.extend(m.group(0) for m in terms.finditer(folded))
    return found


_SECTORS = _phrase_pattern(SPECIALISED_SECTORS)


def specialised_sectors(folded: str) -> frozenset[str]:
    """The specialised sectors a folded text names."""
    return frozenset(
        m.group(0)
        for m in _SECTORS.finditer(folded)
        # "hải quan đối với" folds to "hai quan doi voi": customs, not the army (quân đội).
        if not (m.group(0) == "quan doi" and folded[: m.start()].endswith("hai "))
    )


# The legal forms of a business, by the folded words that name them. A question about a
# household business wants the household-business procedure, not the enterprise one.
BUSINESS_FORMS: dict[str, tuple[str, ...]] = {
    "household": ("ho kinh doanh",),
    "cooperative": ("hop tac xa",),
    # A cooperative group (tổ hợp tác) is a contract between members, not a cooperative.
    "cooperative_group": ("to hop tac",),
    "enterprise": ("doanh nghiep", "cong ty"),
    # Kinds of enterprise, and a limited company's members: "family:value", where two values
    # of one family contradict each other ("một thành viên" is not "hai thành viên trở lên").
    "type:llc": ("trach nhiem huu han",),
    "type:jsc": ("cong ty co phan",),
    "type:partnership": ("cong ty hop danh",),
    "type:private": ("doanh nghiep tu nhan",),
    "members:one": ("mot thanh vien", "1 thanh vien"),
    "members:many": ("hai thanh vien", "2 thanh vien"),
}
_FORMS = tuple((form, _phrase_pattern(words)) for form, words in BUSINESS_FORMS.items())


def business_forms(folded: str) -> frozenset[str]:
    """The legal forms of business (household, cooperative, enterprise; kind, members) named."""
    return frozenset(form for form, pattern in _FORMS if pattern.search(folded) is not None)


# Words that make a sentence about an administrative procedure at all: its acts, its papers,
# its money and its offices. Small talk ("chào bạn", "kết quả bóng đá") names none of them.
PROCEDURE_WORDS: tuple[str, ...] = (
    "thu tuc",
    "ho so",
    "giay to",
    "giay",
    "dang ky",
    "cap",
    "xin",
    "nop",
    "khai",
    "thong bao",
    "de nghi",
    "xac nhan",
    "chung thuc",
    "chung nhan",
    "chung chi",
    "giay phep",
    "phep",
    "the",
    "so",
    "thanh lap",
    "giai the",
    "tam ngung",
    "cham dut",
    "thay doi",
    "dieu chinh",
    "gia han",
    "bo sung",
    "chuyen doi",
    "chuyen nhuong",
    "hoan",
    "thue",
    "phi",
    "le phi",
    "hai quan",
    "bao hiem",
    "hop dong",
    "tham dinh",
    "tham duyet",
    "nghiem thu",
    "kiem dinh",
    "kiem tra",
    "giai quyet",
    "huong",
    "che do",
    "ma so",
    "co quan",
    "uy ban nhan dan",
    "so",
    "phong",
    "cuc",
    "doanh nghiep",
    "cong ty",
    "ho kinh doanh",
    "hop tac xa",
    "chi nhanh",
    "du an",
    "dat",
    "nha",
    "xay dung",
    "register",
    "permit",
    "licence",
    "license",
    "certificate",
    "procedure",
)
_PROCEDURE_WORDS = _phrase_pattern(PROCEDURE_WORDS)


def names_procedure_words(folded: str) -> bool:
    """Whether a folded question uses any word of administrative procedures."""
    return _PROCEDURE_WORDS.search(folded) is not None


# The level of government a text names. Several procedures exist once per level ("... (cấp
# tỉnh)", "... (cấp Bộ)"); a question naming its level wants that one.
LEVELS: dict[str, tuple[str, ...]] = {
    "central": (
        "cap bo",
        "cap trung uong",
        "trung uong",
        "thu tuong",
        "bo cap",
        "do bo",
        "tai bo",
        "o bo",
        "len bo",
    ),
    "province": (
        "cap tinh",
        "uy ban nhan dan tinh",
        "uy ban nhan dan cap tinh",
        "chu tich tinh",
        "tinh cap",
        "do tinh",
        "cong an tinh",
    ),
    "commune": (
        "cap xa",
        "uy ban nhan dan xa",
        "uy ban nhan dan cap xa",
        "chu tich xa",
        "ubnd xa",
        "xa cap",
        "do xa",
        "uy ban nhan dan phuong",
        "ra phuong",
        "cong an xa",
        "cong an phuong",
    ),
}
_LEVELS = tuple((level, _phrase_pattern(words)) for level, words in LEVELS.items())


def government_levels(folded: str) -> frozenset[str]:
    """The levels of government (central, province, commune) a folded text names."""
    return frozenset(level for level, pattern in _LEVELS if pattern.search(folded) is not None)

"""A procedure record's data made fit to show: amounts kept, units in lower case, fragments mended.

The portal's export has recurring defects (fees cut before their amount, "20 Ngày", legal
titles with the number missing, statements listed as papers). Everything here reads the
record and never invents a value: what the record does not say stays missing.
Must not import handlers or platform libraries.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from troly.bot.texts import t
from troly.knowledge.admin_units import bundled_admin_units
from troly.knowledge.records import DocumentItem, Fee, LegalBasis, Procedure, SubmissionChannel

_NO_INFO = {"không có thông tin", "không quy định", ""}
_NO_UNIT = "(không ghi đơn vị)"
_UNITS = {
    "ngày làm việc": "unit.working_days",
    "ngày": "unit.days",
    "giờ": "unit.hours",
    "tháng": "unit.months",
}
_CHANNELS = {
    "trực tiếp": "channel.in_person",
    "trực tuyến": "channel.online",
    "dịch vụ bưu chính": "channel.post",
}
_MONEY = re.compile(r"\d[\d.,]*\s*(?:đồng|đ\b|VNĐ|VND|USD|%)", re.IGNORECASE)
_PLACE = re.compile(r"\b(?:tại|nộp|gửi)\b", re.IGNORECASE)
_SECTION_MARK = re.compile(r"\s*\n\s*\*|\s\*\s")
_HOW_LABEL = re.compile(r"^\*?\s*Cách thực hiện\s*:\s*", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.;](?=\s+[A-ZĐÀ-Ỹ(])")
_STEP_TIME = re.compile(r"(\d+(?:[.,]\d+)?)\s*ngày làm việc", re.IGNORECASE)
_CODE_IN_NAME = re.compile(
    r"\s*[(\[]?\s*(?:mã\s*(?:số|TTHC)?\s*:?\s*)?\d\.\d{6}\s*[)\]]?\s*[-–:]?\s*"
)
_ATTACHED_FILE = re.compile(r"\s*[\w.()\-]+\.(?:docx?|pdf|xlsx?|rar|zip)\s*$", re.IGNORECASE)
_LIST_MARK = re.compile(r"^\s*(?:[-–•+*]+|[a-zđ]\)|\d{1,2}[.)](?!\d))\s*", re.IGNORECASE)
# A line of the documents that tells rather than names a paper ("Lưu ý: …", "Trường hợp …").
_STATEMENT = re.compile(
    r"^(?:lưu ý|ghi chú|chú ý|trường hợp|trong trường hợp|trong đó|khi |nếu |người |"
    r"cơ quan |đối với|các giấy tờ|giấy tờ phải nộp|số lượng hồ sơ)",
    re.IGNORECASE,
)
# Cases that concern few applicants go after the general one.
_RARE_CASES = ("doanh nghiệp xã hội", "ủy quyền", "uỷ quyền")
_DOC_KINDS = (
    "Bộ luật",
    "Luật",
    "Nghị định",
    "Nghị quyết",
    "Thông tư liên tịch",
    "Thông tư",
    "Quyết định",
    "Pháp lệnh",
    "Chỉ thị",
    "Văn bản hợp nhất",
)
_KIND_START = re.compile(rf"^(?:{'|'.join(_DOC_KINDS)})\b", re.IGNORECASE)
_MISSING_NUMBER = re.compile(rf"^((?:{'|'.join(_DOC_KINDS)})\s+số)(?=\s+(?!\d)|\s*$|\s*[:,])")
_GLUED_TAIL = re.compile(rf"(?<=\S)\s*(?:{'|'.join(_DOC_KINDS)})\s+số\s*$", re.IGNORECASE)
_LEGAL_JUNK = re.compile(r"^(?:-\s*C(?=[A-ZĐ])|[-–._\s;:]+)")


def clip(text: str, limit: int) -> str:
    """The text on one line, cut at a word boundary to at most ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-–(") + "…"


def clip_name(name: str, limit: int) -> str:
    """A procedure's name within ``limit`` characters, its middle elided, never its end.

    "… cấp III, cấp IV (Công trình không theo tuyến/…) và nhà ở riêng lẻ": the end often tells
    twin records apart, so a bracketed list in the middle gives way first, then the middle.
    """
    name = " ".join(name.split())
    if len(name) <= limit:
        return name
    opened, closed = name.find("("), name.rfind(")")
    if 0 < opened < closed:
        before, inner, after = name[: opened + 1], name[opened + 1 : closed], name[closed:]
        room = limit - len(before) - len(after) - 1
        if room >= 0:
            kept = _words_within(inner, room)
            return f"{before}{kept}…{after}"
    head = _words_within(name, limit * 3 // 5 - 2)
    start = len(name) - (limit - len(head) - 3)
    tail = name[start:]
    if name[start - 1] != " " and " " in tail:
        tail = tail.split(" ", 1)[1]  # no half word after the "…"
    return f"{head} … {tail}"


def _words_within(text: str, limit: int) -> str:
    """The words from the start of ``text`` that fit ``limit`` characters."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit, 0)]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-–/(")


def clip_sentences(text: str, limit: int) -> str:
    """The text on one line, cut after its last whole sentence within ``limit`` characters.

    Only when no sentence ends in the second two thirds of the limit is it cut at a word.
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    ends = [m.end() for m in _SENTENCE_END.finditer(text[: limit - 1]) if m.end() >= limit // 3]
    if ends:
        return text[: ends[-1]].rstrip(" ;") + " …"
    return clip(text, limit)


def clip_keeping_amount(text: str, limit: int) -> str:
    """Like ``clip``, but never cuts before the first amount of money in the text."""
    found = _MONEY.search(text)
    if found is not None and found.end() > limit - 10:
        limit = found.end() + 12
    return clip(text, limit)


def display_name(p: Procedure) -> str:
    """The procedure's name without its own code repeated inside it."""
    name = unicodedata.normalize("NFC", p.name)
    name = _CODE_IN_NAME.sub(" ", name) if p.code in name else name
    name = " ".join(name.split()).strip(" -–:")
    return name.rstrip(".") or p.name


def vnd(amount: int, locale: str) -> str:
    """An amount in đồng as the province writes it (``150.000 đồng``)."""
    return t("unit.vnd", locale, amount=f"{amount:,}".replace(",", "."))


def channel_name(name: str, locale: str) -> str:
    """A submission channel's name in the locale (``Trực tiếp`` / ``In person``)."""
    key = _CHANNELS.get(name.strip().lower())
    return t(key, locale) if key else name


def _number(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _step_time(p: Procedure, locale: str) -> str | None:
    """The longest "N ngày làm việc" the steps state (the others are parts of it)."""
    values = [
        float(found.group(1).replace(",", "."))
        for phrase in p.step_times
        if (found := _STEP_TIME.search(phrase))
    ]
    return t("unit.working_days", locale, n=_number(max(values))) if values else None


def channel_time(p: Procedure, channel: SubmissionChannel, locale: str) -> str | None:
    """A channel's processing time, tidied ("20 ngày"), or the one the steps state."""
    unit = (channel.time_unit or "").strip().lower()
    if channel.time_value is not None and unit in _UNITS:
        return t(_UNITS[unit], locale, n=_number(channel.time_value))
    if channel.time_value is not None and unit == _NO_UNIT:
        # A bare number is often wrong (2.002029 prints 1 where its steps say 3 working days).
        return _step_time(p, locale) or t("unit.unknown", locale, n=_number(channel.time_value))
    text = (channel.time_text or "").strip()
    if text.lower() not in _NO_INFO:
        return clip(text, 120)
    if p.min_working_days is not None:
        return t("unit.working_days", locale, n=_number(p.min_working_days))
    return _step_time(p, locale)


def times(p: Procedure, locale: str) -> list[tuple[str, str]]:
    """The processing time per channel, channels with the same time together."""
    by_time: dict[str, list[str]] = {}
    for channel in p.channels:
        value = channel_time(p, channel, locale)
        if value:
            names = by_time.setdefault(value, [])
            name = channel_name(channel.name, locale)
            if name not in names:
                names.append(name)
    if not by_time and (fallback := _step_time(p, locale)):
        return [("", fallback)]
    return [(", ".join(names), value) for value, names in by_time.items()]


def _free_note(channel: SubmissionChannel) -> str | None:
    """The note the record puts before a channel's description ("(Áp dụng mức thu …)")."""
    text = (channel.description or "").strip()
    if not text.startswith("("):
        return None
    depth = 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            note = text[1:i].strip(" .-–")
            return note or None
    return None


def fee_short(fee: Fee, channel: SubmissionChannel, locale: str, *, limit: int = 110) -> str:
    """A fee in a few words: the amount first, then what the record says about it."""
    if fee.free:
        note = _free_note(channel)
        base = t("card.fee_free", locale)
        return f"{base} ({clip(note, limit - len(base) - 3)})" if note else base
    if fee.amount_vnd is not None:
        amount = vnd(fee.amount_vnd, locale)
        unit = _per_unit(fee.note or "")
        return amount + unit
    text = clip_keeping_amount(fee.note or fee.text, limit)
    return f"{text} {t('card.fee_doubtful', locale)}" if fee.doubtful else text


def fee_long(fee: Fee, channel: SubmissionChannel, locale: str, *, limit: int = 260) -> str:
    """A fee with the record's note beside its amount (cut after a whole sentence)."""
    if fee.free or fee.amount_vnd is None:
        return fee_short(fee, channel, locale, limit=limit)
    short = fee_short(fee, channel, locale)
    note = fee_note_text(fee.note or "", limit)
    return f"{short} — {note}" if note else short


_NOTE_ITEM = re.compile(r"(?:^|\s)[-–]\s+(?=[A-ZĐÀ-Ỹ(])")


def fee_note_text(note: str, limit: int) -> str:
    """A fee's note within ``limit`` characters: its first whole items or sentences."""
    items = [" ".join(x.split()) for x in _NOTE_ITEM.split(note) if x.strip(" -–")]
    kept: list[str] = []
    for item in items:
        if sum(len(x) + 1 for x in [*kept, item]) > limit:
            break
        kept.append(item)
    if not kept:
        return clip_sentences(items[0], limit) if items else ""
    return " ".join(kept) + (" …" if len(kept) < len(items) else "")


def shared_fee_note(p: Procedure) -> str | None:
    """The note every priced fee of the procedure carries alike, if they all share one."""
    notes = {
        " ".join((f.note or "").split())
        for channel in p.channels
        for f in channel.fees
        if f.known and not f.free and f.amount_vnd is not None
    }
    found = notes.pop() if len(notes) == 1 else None
    return found or None


_AFTER_UNIT = frozenset(
    [
        "kể",
        "từ",
        "áp",
        "dụng",
        "theo",
        "đối",
        "với",
        "trong",
        "tại",
        "khi",
        "nếu",
        "và",
        "hoặc",
        "được",
        "là",
        "thu",
        "nộp",
        "của",
        "cho",
    ]
)


def _per_unit(note: str) -> str:
    found = re.search(r"\d[\d.,]*\s*(?:đồng|đ)\s*/\s*([^.,;()/]{1,30})", note)
    if not found:
        return ""
    words: list[str] = []
    for word in found.group(1).split():
        # "đồng/hồ sơ kể từ ngày 01…": the unit ends where the sentence goes on.
        if word.lower() in _AFTER_UNIT or any(c.isdigit() for c in word) or len(words) == 3:
            break
        words.append(word)
    return "/" + " ".join(words) if words else ""


def fees(p: Procedure, locale: str, *, long: bool = False) -> list[tuple[str, str]]:
    """The fees per channel, channels with the same fee together.

    Long, each fee has its note beside it, unless one note is shared by all (said once apart).
    """
    long = long and shared_fee_note(p) is None
    by_fee: dict[str, list[str]] = {}
    for channel in p.channels:
        shown = [
            fee_long(f, channel, locale) if long else fee_short(f, channel, locale)
            for f in channel.fees
            if f.known
        ]
        if not shown:
            continue
        unique = list(dict.fromkeys(shown))
        text = "; ".join(unique[:3]) + ("; …" if len(unique) > 3 else "")
        names = by_fee.setdefault(text, [])
        name = channel_name(channel.name, locale)
        if name not in names:
            names.append(name)
    return [(", ".join(names), text) for text, names in by_fee.items()]


def agency(p: Procedure) -> str | None:
    """The agency that carries the procedure out, wherever the record names it.

    Records taken from another province's portal name its department ("Sở Tư pháp Thành phố
    Hà Nội"): the province's name is dropped, the department's kind is what holds here.
    """
    found = p.agency or p.authority or p.agency_listed
    return _other_province().sub("", found).strip(" ,") if found else found


@cache
def _other_province() -> re.Pattern[str]:
    names = sorted((u.name for u in bundled_admin_units().provinces), key=len, reverse=True)
    return re.compile(r"\s+(?:" + "|".join(re.escape(n) for n in names) + r")\b(?=\s*(?:,|$))")


def where(p: Procedure) -> str | None:
    """Where to submit: the record's address, or what its in-person channel says."""
    if p.where:
        return p.where
    for channel in p.channels:
        if channel.name.strip().lower() == "trực tiếp" and channel.description:
            text = channel.description.strip()
            note = _free_note(channel)
            if note is not None:
                text = text[len(note) + 2 :].strip(" .)-")
            # Some records put a fee where the description belongs ("125 VNĐ(- Lệ phí …").
            fee_here = _MONEY.match(text) or "VNĐ(" in text or "Đồng(" in text
            # Some put the whole procedure there: "* Cách thực hiện: Nộp hồ sơ về … * Thời hạn
            # giải quyết: …"; only the how-to part says where.
            text = _SECTION_MARK.split(text)[0]
            text = _HOW_LABEL.sub("", text).strip()
            if text and not fee_here and _PLACE.search(text):
                return text[0].upper() + text[1:]
    return None


@dataclass(frozen=True, slots=True)
class Paper:
    """A document to prepare, tidied: its name and "1 bản chính, 1 bản sao" when stated."""

    name: str
    copies: str


def _paper(doc: DocumentItem, locale: str) -> Paper | None:
    name = _ATTACHED_FILE.sub("", doc.name).strip()
    bare = _LIST_MARK.sub("", name).strip()
    if not bare:
        return None
    originals, copies = doc.originals or 0, doc.copies or 0
    if not originals and not copies and (_STATEMENT.match(bare) or bare.endswith(":")):
        return None
    count = (
        t("card.copies", locale, originals=originals, copies=copies) if originals or copies else ""
    )
    return Paper(bare[0].upper() + bare[1:], count)


def document_cases(p: Procedure, locale: str) -> list[tuple[str | None, list[Paper]]]:
    """The documents per case: the general case first, the rare ones last."""

    def rank(case: str | None) -> int:
        if case is None:
            return 0
        return 2 if any(word in case.lower() for word in _RARE_CASES) else 1

    cases = sorted(p.document_cases, key=lambda c: rank(c.case))
    tidied = []
    for case in cases:
        papers = [paper for doc in case.documents if (paper := _paper(doc, locale)) is not None]
        if papers:
            tidied.append((case.case, papers))
    return tidied


def legal_line(basis: LegalBasis) -> str | None:
    """A legal text as its number and a clean title, or None for an unusable fragment."""
    code = (basis.code or "").strip()
    title = _LEGAL_JUNK.sub("", " ".join((basis.title or "").split())).strip()
    if title.lower() in _NO_INFO:
        title = ""
    title = _GLUED_TAIL.sub("", title).strip(" ;,.")
    if title[:1].islower():
        # A fragment cut from a neighbouring entry ("ngày 31/12/2020 của …"): the number says more.
        title = ""
    if "(" in title and title.count("(") > title.count(")"):
        title = title[: title.rfind("(")].strip()
    if not code:
        return clip(title, 200) if _KIND_START.match(title) else None
    if code in title:
        return clip(title, 200)
    if _MISSING_NUMBER.match(title):
        return clip(_MISSING_NUMBER.sub(rf"\1 {code}", title, count=1), 200)
    if title in _DOC_KINDS or not title:
        return f"{title} số {code}".strip() if title else code
    return clip(f"{code} – {title}", 200)


def legal_lines(p: Procedure) -> list[str]:
    """The legal basis, tidied, each text once."""
    lines = list(dict.fromkeys(line for b in p.legal_basis if (line := legal_line(b))))
    # A bare number already named inside a fuller entry adds nothing.
    return [x for x in lines if " " in x or not any(x in y and x != y for y in lines)]


def steps(p: Procedure) -> list[str]:
    """The steps, without the portal's list marks."""
    return [s for s in (_LIST_MARK.sub("", step).strip() for step in p.steps) if s]

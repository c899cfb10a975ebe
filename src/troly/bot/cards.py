"""The answer card: a procedure rendered as plain text for a phone, leading with what was asked.

Channels escape and format it; nothing here knows a platform. Missing values are said to be
missing, never filled in.
"""

from __future__ import annotations

from collections.abc import Callable

from troly.bot.texts import t
from troly.knowledge.aspects import Aspect
from troly.knowledge.records import Fee, Procedure

SUMMARY_DOCUMENTS = 8
BRIEF_DOCUMENTS = 3
BRIEF_ITEM_CHARS = 140
SUMMARY_STEPS = 4
SUMMARY_LEGAL = 3
MAX_FEE_CHARS = 300
MAX_ITEM_CHARS = 400

_DEFAULT_ORDER = (
    Aspect.TIME,
    Aspect.FEE,
    Aspect.DOCUMENTS,
    Aspect.AGENCY,
    Aspect.WHERE,
    Aspect.ONLINE,
    Aspect.LEGAL_BASIS,
)
_NO_INFO = {"không có thông tin", "không quy định"}
_LEVELS = {"bo": "Trung ương", "tinh": "Tỉnh", "xa": "Xã", "khac": "Khác"}


def render_card(
    procedure: Procedure,
    *,
    aspect: Aspect = Aspect.GENERAL,
    locale: str = "vi",
    all_documents: bool = False,
) -> str:
    """The card of a procedure, the asked aspect first, long lists summarised."""
    sections: dict[Aspect, Callable[[], str]] = {
        Aspect.TIME: lambda: _time(procedure, locale),
        Aspect.FEE: lambda: _fee(procedure, locale, asked=aspect == Aspect.FEE),
        Aspect.DOCUMENTS: lambda: documents_section(
            procedure,
            locale,
            full=all_documents,
            limit=SUMMARY_DOCUMENTS if aspect == Aspect.DOCUMENTS else BRIEF_DOCUMENTS,
        ),
        Aspect.AGENCY: lambda: _agency(procedure, locale),
        Aspect.WHERE: lambda: _where(procedure, locale),
        Aspect.ONLINE: lambda: _online(procedure, locale),
        Aspect.LEGAL_BASIS: lambda: _legal(procedure, locale),
        Aspect.STEPS: lambda: _steps(procedure, locale),
        Aspect.CONDITIONS: lambda: _conditions(procedure, locale),
    }
    order = list(_DEFAULT_ORDER)
    if aspect in sections:
        if aspect in order:
            order.remove(aspect)
        order.insert(0, aspect)
    header = [f"📄 {procedure.name}", t("card.code", locale, code=procedure.code)]
    if procedure.levels:
        levels = ", ".join(_LEVELS.get(level, level) for level in procedure.levels)
        header.append(t("card.levels", locale, levels=levels))
    parts = ["\n".join(header)]
    parts.extend(text for text in (sections[a]() for a in order) if text)
    if procedure.source_url:
        parts.append(t("card.source", locale, url=procedure.source_url))
    return "\n\n".join(parts)


def _clip(text: str, limit: int = MAX_ITEM_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _time(p: Procedure, locale: str) -> str:
    lines = [t("card.time", locale)]
    by_text: dict[str, list[str]] = {}
    for channel in p.channels:
        if channel.time_text and channel.time_text.lower() not in _NO_INFO:
            text = channel.time_text
            if channel.time_unit == "(không ghi đơn vị)":
                text = (
                    f"{channel.time_value:g} {t('card.no_unit', locale)}"
                    if (channel.time_value is not None)
                    else text
                )
        elif channel.description:
            text = _clip(channel.description, 200)
        else:
            continue
        by_text.setdefault(text, []).append(channel.name)
    if not by_text:
        lines.append(t("card.time_missing", locale))
    for text, names in by_text.items():
        lines.append(f"• {', '.join(names)}: {text}")
    return "\n".join(lines)


def _fee_text(fee: Fee, locale: str) -> str:
    if fee.free:
        return t("card.fee_free", locale)
    text = _clip(fee.text, MAX_FEE_CHARS)
    return f"{text} {t('card.fee_doubtful', locale)}" if fee.doubtful else text


def _fee(p: Procedure, locale: str, *, asked: bool = False) -> str:
    lines = [t("card.fee", locale)]
    by_text: dict[str, list[str]] = {}
    for channel in p.channels:
        for fee in channel.fees:
            if fee.known:
                text = _fee_text(fee, locale)
                by_text.setdefault(text if asked else _clip(text, 160), []).append(channel.name)
    if not by_text:
        lines.append(t("card.fee_missing", locale))
    elif len(by_text) == 1:
        lines.append(f"• {next(iter(by_text))}")
    else:
        for text, names in by_text.items():
            lines.append(f"• {', '.join(dict.fromkeys(names))}: {text}")
    return "\n".join(lines)


def documents_section(
    p: Procedure, locale: str, *, full: bool = False, limit: int = SUMMARY_DOCUMENTS
) -> str:
    """The documents to prepare, all of them or the first few with a count of the rest."""
    clip = MAX_ITEM_CHARS if full or limit >= SUMMARY_DOCUMENTS else BRIEF_ITEM_CHARS
    lines = [t("card.documents", locale, count=p.document_count)]
    if not p.document_count:
        lines.append(t("card.documents_missing", locale))
        return "\n".join(lines)
    shown = 0
    hidden = 0
    # The documents every applicant brings (the record's unnamed case) come first, under a
    # heading of their own when particular cases follow.
    cases = sorted(p.document_cases, key=lambda c: c.case is not None)
    for case in cases:
        if len(cases) > 1 and (full or shown < limit):
            if case.case:
                lines.append(t("card.case", locale, case=_clip(case.case, clip)))
            else:
                lines.append(t("card.case_general", locale))
        for number, doc in enumerate(case.documents, start=1):
            if not full and shown >= limit:
                hidden += 1
                continue
            copies = ""
            if doc.originals is not None or doc.copies is not None:
                copies = t(
                    "card.copies", locale, originals=doc.originals or 0, copies=doc.copies or 0
                )
            lines.append(
                t(
                    "card.document_line",
                    locale,
                    number=number,
                    name=_clip(doc.name, clip),
                    copies=copies,
                )
            )
            shown += 1
    if hidden:
        lines.append(t("card.documents_more", locale, count=hidden))
    return "\n".join(lines)


def _agency(p: Procedure, locale: str) -> str:
    agency = p.agency or p.authority
    body = _clip(agency) if agency else t("card.agency_missing", locale)
    return f"{t('card.agency', locale)}\n{body}"


def _where(p: Procedure, locale: str) -> str:
    lines = [t("card.where", locale)]
    lines.append(_clip(p.where, 600) if p.where else t("card.where_missing", locale))
    channels = ", ".join(dict.fromkeys(c.name for c in p.channels))
    if channels:
        lines.append(t("card.channels", locale, channels=channels))
    return "\n".join(lines)


def _online(p: Procedure, locale: str) -> str:
    if p.online and p.source_url:
        body = t("card.online_yes", locale, url=p.source_url)
    else:
        body = t("card.online_no", locale)
    return f"{t('card.online', locale)}\n{body}"


def _legal(p: Procedure, locale: str) -> str:
    lines = [t("card.legal", locale)]
    if not p.legal_basis:
        lines.append(t("card.legal_missing", locale))
    for basis in p.legal_basis[:SUMMARY_LEGAL]:
        text = " – ".join(x for x in (basis.code, basis.title) if x)
        lines.append(f"• {_clip(text, 200)}")
    if len(p.legal_basis) > SUMMARY_LEGAL:
        lines.append(t("card.legal_more", locale, count=len(p.legal_basis) - SUMMARY_LEGAL))
    return "\n".join(lines)


def _steps(p: Procedure, locale: str) -> str:
    lines = [t("card.steps", locale)]
    if not p.steps:
        lines.append(t("card.steps_missing", locale))
    for step in p.steps[:SUMMARY_STEPS]:
        lines.append(f"• {_clip(step, 300)}")
    if len(p.steps) > SUMMARY_STEPS:
        lines.append(t("card.steps_more", locale, count=len(p.steps) - SUMMARY_STEPS))
    return "\n".join(lines)


def _conditions(p: Procedure, locale: str) -> str:
    if not p.conditions:
        return ""
    return f"{t('card.conditions', locale)}\n{_clip(p.conditions, 600)}"

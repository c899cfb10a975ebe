"""The answer card: a procedure as plain text for a phone, one screen first, long lists in pages.

``first_card`` fits one phone screen (name, time, fee, agency, where, online);
``aspect_text`` answers one thing in a few lines; ``section_page`` shows the documents, the
steps or the legal basis a page at a time; ``render_card`` is the whole procedure, for its
web page. Channels escape and format the text; nothing here knows a platform. Missing values
are said to be missing, never filled in.
"""

from __future__ import annotations

from enum import StrEnum

from troly.bot import tidy
from troly.bot.province.details import ProvinceDetails
from troly.bot.texts import t
from troly.knowledge.aliases import EVERYDAY
from troly.knowledge.aspects import Aspect
from troly.knowledge.records import Procedure

FIRST_CARD_CHARS = 700
PAGE_CHARS = 760
"""A page's lines, so that with its title a page reads as 600–900 characters."""
NAME_CHARS = 150
LINE_CHARS = 130
ITEM_CHARS = 260
FEE_NOTE_CHARS = 320
SUMMARY_DOCUMENTS = 8


class Section(StrEnum):
    """A long part of a procedure shown in pages."""

    DOCUMENTS = "docs"
    STEPS = "steps"
    LEGAL = "legal"


SECTION_OF_ASPECT = {
    Aspect.DOCUMENTS: Section.DOCUMENTS,
    Aspect.STEPS: Section.STEPS,
    Aspect.LEGAL_BASIS: Section.LEGAL,
}
_SECTION_TITLES = {
    Section.DOCUMENTS: "card.documents_title",
    Section.STEPS: "card.steps_title",
    Section.LEGAL: "card.legal",
}
_SECTION_MISSING = {
    Section.DOCUMENTS: "card.documents_missing",
    Section.STEPS: "card.steps_missing",
    Section.LEGAL: "card.legal_missing",
}


def _joined(groups: list[tuple[str, str]]) -> str:
    if len(groups) == 1:
        return groups[0][1]
    return "; ".join(f"{names}: {value}" if names else value for names, value in groups)


def _bullets(groups: list[tuple[str, str]]) -> list[str]:
    if len(groups) == 1:
        return [groups[0][1]]
    return [f"• {names}: {value}" if names else f"• {value}" for names, value in groups]


def where(p: Procedure, locale: str, details: ProvinceDetails | None) -> str | None:
    """Where to submit: the record's address, else the province's office for it, if known."""
    found = tidy.where(p)
    if found or details is None:
        return found
    if details.center_serves(p):
        return details.center_place()
    if details.commune_office_serves(p) and details.commune_office_hours:
        return t("card.commune_office", locale, hours=details.commune_office_hours)
    return None


def _note(p: Procedure, locale: str, details: ProvinceDetails | None) -> list[str]:
    note = details.note_of(p.code) if details is not None else None
    return [t("card.local_note", locale, note=tidy.clip(note, 300))] if note else []


def first_card(p: Procedure, locale: str = "vi", *, details: ProvinceDetails | None = None) -> str:
    """The first answer about a procedure: what a person needs to decide, on one screen."""
    missing = t("card.missing_value", locale)
    agency = tidy.agency(p)
    place = where(p, locale, details)
    facts = [
        t("card.short_time", locale, value=_joined(tidy.times(p, locale)) or missing),
        t("card.short_fee", locale, value=_joined(tidy.fees(p, locale)) or missing),
        t("card.short_agency", locale, value=agency or missing),
    ]
    if place and place != agency:
        facts.append(t("card.short_where", locale, value=place))
    facts = [tidy.clip_keeping_amount(line, LINE_CHARS + 40) for line in facts]
    facts.extend(_note(p, locale, details))
    head = [
        f"📄 {tidy.clip_name(tidy.display_name(p), NAME_CHARS)}",
        t("card.code", locale, code=p.code),
    ]
    gloss = english_gloss(p) if locale == "en" else None
    if gloss is not None:
        head.insert(1, t("card.gloss", locale, name=gloss))
    online = t("card.short_online_yes" if _online(p) else "card.short_online_no", locale)
    tail = [online, t("card.next", locale)]

    def text() -> str:
        return "\n".join([*head, "", *facts, *tail])

    # The facts share what is left of one screen; the longest gives way first.
    while len(text()) > FIRST_CARD_CHARS:
        longest = max(range(len(facts)), key=lambda i: len(facts[i]))
        if len(facts[longest]) <= 60:
            break
        facts[longest] = tidy.clip(facts[longest], len(facts[longest]) - 20)
    return text()


def english_gloss(p: Procedure) -> str | None:
    """The record's English name from the everyday names, if it has one.

    The name stays Vietnamese, as the records have it; this says what it is in English.
    """
    entry = EVERYDAY.get(p.code)
    return entry.english[0] if entry is not None and entry.english else None


def _online(p: Procedure) -> bool:
    return p.online and bool(p.source_url)


def aspect_text(
    p: Procedure, aspect: Aspect, locale: str = "vi", *, details: ProvinceDetails | None = None
) -> str:
    """One aspect of a procedure (time, fee, where, agency, online, conditions) in a few lines."""
    missing = t("card.missing_value", locale)
    lines = [f"📄 {tidy.clip_name(tidy.display_name(p), 100)}"]
    agency = tidy.agency(p)
    place = where(p, locale, details)
    if aspect is Aspect.TIME:
        groups = tidy.times(p, locale)
        lines.append(t("card.time", locale))
        lines.extend(_bullets(groups) if groups else [t("card.time_missing", locale)])
    elif aspect is Aspect.FEE:
        groups = tidy.fees(p, locale, long=True)
        lines.append(t("card.fee", locale))
        lines.extend(
            [tidy.clip_keeping_amount(x, 320) for x in _bullets(groups)]
            if groups
            else [t("card.fee_missing", locale)]
        )
        shared = tidy.shared_fee_note(p)
        if groups and shared:
            note = tidy.fee_note_text(shared, FEE_NOTE_CHARS)
            lines.append(t("card.fee_note", locale, note=note))
        lines.extend(_note(p, locale, details))
    elif aspect in (Aspect.WHERE, Aspect.AGENCY):
        where_line = t("card.short_where", locale, value=tidy.clip(place, 300)) if place else ""
        agency_line = t("card.short_agency", locale, value=tidy.clip(agency or missing, 200))
        if not place:
            where_line = t("card.where_missing", locale)
        ordered = [where_line, agency_line] if aspect is Aspect.WHERE else [agency_line]
        if aspect is Aspect.AGENCY and place:
            ordered.append(where_line)
        lines.extend(ordered)
        at_center = details is not None and not tidy.where(p) and details.center_serves(p)
        if aspect is Aspect.WHERE and at_center and place and details is not None:
            if details.center_hours:
                lines.append(t("card.center_hours", locale, hours=details.center_hours))
            if details.center_map_url:
                lines.append(t("card.center_map", locale, url=details.center_map_url))
        channels = ", ".join(dict.fromkeys(tidy.channel_name(c.name, locale) for c in p.channels))
        if channels:
            lines.append(t("card.channels", locale, channels=channels))
    elif aspect is Aspect.ONLINE:
        lines.append(t("card.answer_online_yes" if _online(p) else "card.short_online_no", locale))
        channels = ", ".join(dict.fromkeys(tidy.channel_name(c.name, locale) for c in p.channels))
        if channels:
            lines.append(t("card.channels", locale, channels=channels))
    elif aspect is Aspect.CONDITIONS:
        body = (
            tidy.clip(p.conditions, 600) if p.conditions else t("card.conditions_missing", locale)
        )
        lines.extend([t("card.conditions", locale), body])
    else:
        return first_card(p, locale, details=details)
    return "\n".join(lines)


def section_lines(p: Procedure, section: Section, locale: str = "vi") -> list[str]:
    """Every line of a long section, each of readable length."""
    lines: list[str] = []
    if section is Section.DOCUMENTS:
        cases = tidy.document_cases(p, locale)
        for case, papers in cases:
            if len(cases) > 1:
                lines.append(
                    t("card.case", locale, case=tidy.clip(case, 200))
                    if case
                    else t("card.case_general", locale)
                )
            for number, paper in enumerate(papers, start=1):
                name = tidy.clip_sentences(paper.name, ITEM_CHARS)
                lines.append(
                    t("card.document_line", locale, number=number, name=name, copies=paper.copies)
                )
    elif section is Section.STEPS:
        lines = [
            f"{n}. {tidy.clip_sentences(s, ITEM_CHARS)}" for n, s in enumerate(tidy.steps(p), 1)
        ]
    else:
        lines = [f"• {line}" for line in tidy.legal_lines(p)]
    return lines or [t(_SECTION_MISSING[section], locale)]


def paginate(lines: list[str], limit: int = PAGE_CHARS) -> list[list[str]]:
    """Lines in pages of at most ``limit`` characters (a longer line has a page of its own).

    Several documents a page, grouped by case: a case heading stays on the page of the first
    document under it, and a case that fits on one page starts a new page rather than be split.
    """
    units: list[list[str]] = []
    for line in lines:
        if units and _is_heading(units[-1][-1]):
            units[-1].append(line)
        else:
            units.append([line])
    pages: list[list[str]] = [[]]
    size = 0
    for n, unit in enumerate(units):
        length = sum(len(line) + 1 for line in unit)
        case = _case_length(units, n) if _is_heading(unit[0]) else 0
        splits_case = size + case > limit and case <= limit
        if pages[-1] and (size + length > limit or splits_case):
            pages.append([])
            size = 0
        pages[-1].extend(unit)
        size += length
    return pages


def _case_length(units: list[list[str]], start: int) -> int:
    """The characters of the case whose heading opens ``units[start]``, to its next heading."""
    length = 0
    for n, unit in enumerate(units[start:]):
        if n and _is_heading(unit[0]):
            break
        length += sum(len(line) + 1 for line in unit)
    return length


def _is_heading(line: str) -> bool:
    return not (line[:1].isdigit() or line.startswith("•"))


def section_page(
    p: Procedure, section: Section, page: int = 0, locale: str = "vi"
) -> tuple[str, int]:
    """One page of a section, with its title, and how many pages the section has."""
    pages = paginate(section_lines(p, section, locale))
    page = min(max(page, 0), len(pages) - 1)
    title = t(_SECTION_TITLES[section], locale)
    if len(pages) > 1:
        title = f"{title} {t('card.page', locale, page=page + 1, pages=len(pages))}"
    body = [title, f"📄 {tidy.clip_name(tidy.display_name(p), 100)}", "", *pages[page]]
    if page + 1 < len(pages):
        body.append(t("card.page_more", locale))
    return "\n".join(body), len(pages)


def documents_section(
    p: Procedure, locale: str = "vi", *, full: bool = False, limit: int = SUMMARY_DOCUMENTS
) -> str:
    """The documents to prepare, all of them or the first few with a count of the rest."""
    lines = section_lines(p, Section.DOCUMENTS, locale)
    heading = t("card.documents", locale, count=p.document_count)
    if full:
        return "\n".join([heading, *lines])
    documents = [i for i, line in enumerate(lines) if line[:1].isdigit()]
    if len(documents) <= limit:
        return "\n".join([heading, *lines])
    cut = documents[limit]
    more = t("card.documents_more", locale, count=len(documents) - limit)
    return "\n".join([heading, *lines[:cut], more])


def render_card(
    procedure: Procedure,
    *,
    aspect: Aspect = Aspect.GENERAL,
    locale: str = "vi",
    all_documents: bool = False,
    details: ProvinceDetails | None = None,
) -> str:
    """The whole procedure (its web page): the first card's facts, then every section."""
    p = procedure
    parts = [first_card(p, locale, details=details).rsplit("\n", 1)[0]]
    order = [Section.DOCUMENTS, Section.STEPS, Section.LEGAL]
    if aspect in SECTION_OF_ASPECT:
        order.remove(SECTION_OF_ASPECT[aspect])
        order.insert(0, SECTION_OF_ASPECT[aspect])
    for section in order:
        if section is Section.DOCUMENTS:
            parts.append(documents_section(p, locale, full=all_documents))
        else:
            parts.append(
                "\n".join([t(_SECTION_TITLES[section], locale), *section_lines(p, section, locale)])
            )
    if p.conditions:
        parts.append(f"{t('card.conditions', locale)}\n{tidy.clip(p.conditions, 600)}")
    if p.source_url:
        parts.append(t("card.source", locale, url=p.source_url))
    return "\n\n".join(parts)

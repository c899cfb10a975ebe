"""What the business reads about a dossier: the status card, a change, the apology when late.

Pure: texts from the catalogues, dates as dd/mm/yyyy. Must not import handlers.
"""

from __future__ import annotations

from datetime import date

from troly.bot.dossiers.model import DossierState, DossierStatus
from troly.bot.messages import Button, Notice, Reply
from troly.bot.settings import Settings
from troly.bot.texts import t


def day(value: date | None) -> str:
    """A date as the receipt writes it (dd/mm/yyyy), or "" when unknown."""
    return value.strftime("%d/%m/%Y") if value is not None else ""


def state_name(status: DossierStatus, locale: str) -> str:
    """Our name of the dossier's state ("" when the label is not one we know)."""
    return t(f"dossier.state_{status.state.value}", locale) if status.state is not None else ""


def details(status: DossierStatus, locale: str) -> str:
    """The lines a card shows: procedure, status, dates, agency (absent fields are left out)."""
    named = state_name(status, locale)
    label = status.label or named
    shown = f"{label} ({named})" if named and named.lower() != label.lower() else label
    lines = [t("dossier.line_code", locale, code=status.code)]
    if status.procedure:
        lines.append(t("dossier.line_procedure", locale, procedure=status.procedure))
    if shown:
        lines.append(t("dossier.line_status", locale, status=shown))
    if status.received is not None:
        lines.append(t("dossier.line_received", locale, date=day(status.received)))
    if status.due is not None:
        lines.append(t("dossier.line_due", locale, date=day(status.due)))
    if status.agency:
        lines.append(t("dossier.line_agency", locale, agency=status.agency))
    return "\n".join(lines)


def next_step(status: DossierStatus, locale: str, settings: Settings) -> str:
    """What the business should do now, for the dossier's state."""
    key = status.state.value if status.state is not None else "unknown"
    return t(f"dossier.next_{key}", locale, phone=settings.support_phone)


def apology(status: DossierStatus, locale: str, settings: Settings, *, new_due: date | None) -> str:
    """The apology for a late dossier, with the new date when the system shows one.

    The one-stop rules (facts/rules.md): the agency apologises in writing and sets a new date,
    once.
    """
    if new_due is not None:
        return t("dossier.late_new_date", locale, code=status.code, date=day(new_due))
    return t("dossier.late", locale, code=status.code, phone=settings.support_phone)


def card(status: DossierStatus, locale: str, settings: Settings, *, following: bool) -> Reply:
    """The answer to a lookup: the details, what to do next, and follow or unfollow."""
    parts = [t("dossier.card_title", locale), details(status, locale)]
    if status.overdue and not status.finished:
        parts.append(apology(status, locale, settings, new_due=None))
    parts.append(next_step(status, locale, settings))
    buttons: list[tuple[Button, ...]] = []
    if following:
        parts.append(t("dossier.following_note", locale))
        buttons.append((unfollow_button(status.code, locale),))
    elif not status.finished:
        label = t("dossier.follow_button", locale)
        buttons.append((Button(label, choice=f"dos:follow:{status.code}"),))
    return Reply("\n\n".join(parts), tuple(buttons), kind="dossier:status")


def unfollow_button(code: str, locale: str) -> Button:
    """«Bỏ theo dõi» for one dossier."""
    return Button(t("dossier.unfollow_button", locale), choice=f"dos:unfollow:{code}")


def change(
    status: DossierStatus,
    locale: str,
    settings: Settings,
    *,
    late_now: bool,
    new_due: date | None,
) -> Reply:
    """The message when a followed dossier changes; an apology when it has just become late."""
    headline_key = "dossier.changed_late" if late_now else "dossier.changed"
    named = state_name(status, locale) or status.label
    parts = [t(headline_key, locale, code=status.code, status=named), details(status, locale)]
    if late_now or new_due is not None:
        parts.append(apology(status, locale, settings, new_due=new_due))
    parts.append(next_step(status, locale, settings))
    if status.finished:
        parts.append(t("dossier.follow_ended", locale))
        buttons: tuple[tuple[Button, ...], ...] = ()
    else:
        buttons = ((unfollow_button(status.code, locale),),)
    notice = Notice(
        "dossier_status",
        {
            "code": status.code,
            "status": named,
            "date": day(new_due or status.due) or "—",
        },
    )
    return Reply("\n\n".join(parts), buttons, kind="dossier:changed", notice=notice)


def is_late_state(state: DossierState | None) -> bool:
    """Whether a dossier in this state can still be late (not once finished)."""
    return state not in (DossierState.RESULT_READY, DossierState.RETURNED)

"""The answer to a question about the service center itself: hours, address, hotline, portal.

Must not import handlers or platform libraries.
"""

from __future__ import annotations

from troly.bot import localised
from troly.bot.messages import Button, Reply
from troly.bot.province.details import ProvinceDetails
from troly.bot.texts import t
from troly.knowledge.center_questions import CenterQuestion

NATIONAL_PORTAL = "https://dichvucong.gov.vn"


def center_reply(
    question: CenterQuestion,
    details: ProvinceDetails,
    locale: str,
    *,
    phone: str,
    hours: str,
) -> Reply:
    """What the province's details say about what was asked, with the links as buttons.

    ``phone`` and ``hours`` are the support contacts (the center's own when set).
    """
    if question.commune:
        lines = [t("center.commune_title", locale)]
        if "address" in question.asked:
            lines.append(t("center.commune_address", locale))
        if details.commune_office_hours:
            lines.append(t("center.commune_hours", locale, hours=details.commune_office_hours))
        else:
            lines.append(t("center.commune_hours_unknown", locale))
        lines.append(t("center.hotline", locale, phone=phone))
        return Reply("\n".join(lines), buttons=_buttons(details, locale, False), kind="center")
    lines = [t("center.title", locale, name=details.center_name)]
    asked = question.asked
    if "hours" in asked:
        lines.append(t("center.hours", locale, hours=details.center_hours or hours))
    if "address" in asked:
        if details.center_address:
            lines.append(t("center.address", locale, address=details.center_address))
        else:
            lines.append(t("center.address_unknown", locale))
        if details.center_map_url:
            lines.append(t("center.map", locale, url=details.center_map_url))
    if "hotline" in asked or ("address" in asked and not details.center_address):
        lines.append(t("center.hotline", locale, phone=phone))
    if "portal" in asked:
        if details.portal_url:
            province = localised.province_named(details.province, locale, in_sentence=True)
            lines.append(t("center.portal", locale, province=province, url=details.portal_url))
        else:
            lines.append(t("center.portal_national", locale, url=NATIONAL_PORTAL))
    lines.append(t("center.more", locale))
    return Reply(
        "\n".join(lines), buttons=_buttons(details, locale, "address" in asked), kind="center"
    )


def _buttons(
    details: ProvinceDetails, locale: str, with_map: bool
) -> tuple[tuple[Button, ...], ...]:
    row: list[Button] = []
    if with_map and details.center_map_url:
        row.append(Button(t("button.map", locale), url=details.center_map_url))
    row.append(Button(t("button.portal", locale), url=details.portal_url or NATIONAL_PORTAL))
    return (
        tuple(row),
        (
            Button(t("button.other_procedure", locale), choice="menu:ask"),
            Button(t("button.talk_to_person", locale), choice="human"),
        ),
    )

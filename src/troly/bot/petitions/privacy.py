"""The petitions' part of ``/dulieu``: the business details kept with consent, and erasing them.

Erasing withdraws the consent: the petitions stay open and are handled anonymously, and the
messages already sent to their staff topics (the card quotes the name and phone) are deleted
from the outbox. Must not import handlers or platform libraries.
"""

from __future__ import annotations

from sqlalchemy import select

from troly.bot.effects import Applied
from troly.bot.messages import Reply
from troly.bot.personal_data import Erased, Held, Keeper, SentCopies
from troly.bot.petitions.model import Petition
from troly.bot.petitions.service import STAFF_CHANNEL, record, to_staff, topic_key
from troly.bot.staff_topics import THREAD_PREFIX
from troly.bot.texts import t


async def _with_personal_data(applied: Applied, *, lock: bool = False) -> list[Petition]:
    inc = applied.incoming
    query = (
        select(Petition)
        .where(Petition.channel == inc.channel)
        .where(Petition.user_id == inc.user_id)
        .where(Petition.consent.is_(True))
        .order_by(Petition.id)
    )
    if lock:
        query = query.with_for_update()
    return list((await applied.session.execute(query)).scalars())


async def held(applied: Applied) -> Held:
    """The name, tax code and phone kept in the asker's petitions (with consent)."""
    locale = applied.state.locale
    rows = await _with_personal_data(applied)
    if not rows:
        return Held()
    lines = [t("petition.data_title", locale)]
    for p in rows:
        lines.append(
            t(
                "petition.data_line",
                locale,
                code=p.code,
                name=p.business_name or "—",
                tax_code=p.tax_code or "—",
                phone=p.phone or "—",
            )
        )
    data = {
        "petitions": [
            {
                "code": p.code,
                "received_at": p.received_at.isoformat(),
                "business_name": p.business_name,
                "tax_code": p.tax_code,
                "phone": p.phone,
            }
            for p in rows
        ]
    }
    return Held(tuple(lines), data=data)


async def erase(applied: Applied) -> Erased:
    """Erases the petitions' personal data and withdraws consent; they stay, anonymous."""
    rows = await _with_personal_data(applied, lock=True)
    if not rows:
        return Erased()
    for p in rows:
        p.business_name = p.tax_code = p.phone = None
        p.consent = False
        record(
            applied.session,
            p,
            now=applied.now,
            actor="business",
            actor_id=p.user_id,
            kind="data_erased",
        )
        # The card already in the topic still shows them: staff are told to stop using them.
        notice = t("staff.data_erased_notice", "vi", code=p.code)
        await to_staff(
            applied.session, p, Reply(notice), now=applied.now, settings=applied.settings
        )
    line = t("petition.data_erased", applied.state.locale, count=len(rows))
    copies: tuple[SentCopies, ...] = ()
    if applied.settings.staff_chat_id is not None:
        threads = tuple(THREAD_PREFIX + topic_key(p) for p in rows)
        copies = (SentCopies(STAFF_CHANNEL, str(applied.settings.staff_chat_id), threads),)
    return Erased((line,), copies=copies)


def keeper() -> Keeper:
    """The petitions' keeper of personal data."""
    return Keeper(held=held, erase=erase)

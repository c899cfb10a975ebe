"""The dossier follows' part of ``/dulieu``: which dossier codes the asker follows, and erasing.

Erasing deletes every follow of the asker (ended ones too) and cancels their polls.
Must not import handlers or platform libraries.
"""

from __future__ import annotations

from sqlalchemy import select

from troly.bot import followups
from troly.bot.dossiers.follows import POLL, DossierFollow
from troly.bot.effects import Applied
from troly.bot.personal_data import Erased, Held, Keeper
from troly.bot.texts import t


async def _follows(applied: Applied) -> list[DossierFollow]:
    inc = applied.incoming
    query = (
        select(DossierFollow)
        .where(DossierFollow.channel == inc.channel)
        .where(DossierFollow.user_id == inc.user_id)
        .order_by(DossierFollow.id)
    )
    return list((await applied.session.execute(query)).scalars())


async def held(applied: Applied) -> Held:
    """The dossier codes the asker follows (or followed)."""
    rows = await _follows(applied)
    if not rows:
        return Held()
    locale = applied.state.locale
    codes = ", ".join(row.code for row in rows)
    stops = (t("dossier.data_stops", locale),) if any(row.active for row in rows) else ()
    data = {"dossiers_followed": [{"code": row.code, "active": row.active} for row in rows]}
    return Held((t("dossier.data_line", locale, codes=codes),), stops, data)


async def erase(applied: Applied) -> Erased:
    """Deletes the follows and cancels their polls."""
    rows = await _follows(applied)
    if not rows:
        return Erased()
    for row in rows:
        await followups.cancel(applied.session, ref=row.ref, kinds=(POLL,))
        await applied.session.delete(row)
    return Erased((t("dossier.data_erased", applied.state.locale, count=len(rows)),))


def keeper() -> Keeper:
    """The dossier follows' keeper of personal data."""
    return Keeper(held=held, erase=erase)

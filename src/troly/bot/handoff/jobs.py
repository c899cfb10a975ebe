"""The live-handoff follow-ups: nobody took the chat in time, or its officer went quiet.

Either way the business is told and offered a petition keeping what it wrote.
"""

from __future__ import annotations

from troly.bot.followups import FollowupHandler, FollowupRun
from troly.bot.handoff import service


async def on_timeout(run: FollowupRun) -> None:
    """Tells the business nobody is free and offers a petition (a taken chat is left alone)."""
    await service.time_out(run.session, run.followup.ref, now=run.now, settings=run.settings)


async def on_idle(run: FollowupRun) -> None:
    """Ends a live chat whose officer has gone quiet (or sets the next check)."""
    await service.went_quiet(run.session, run.followup.ref, now=run.now, settings=run.settings)


def handlers() -> dict[str, FollowupHandler]:
    """The live-handoff follow-up handlers, by kind."""
    return {service.TIMEOUT: on_timeout, service.IDLE: on_idle}

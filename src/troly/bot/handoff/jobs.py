"""The live-handoff follow-up: nobody took the chat in time, so a petition is offered."""

from __future__ import annotations

from troly.bot.followups import FollowupHandler, FollowupRun
from troly.bot.handoff import service


async def on_timeout(run: FollowupRun) -> None:
    """Tells the business nobody is free and offers a petition (a taken chat is left alone)."""
    await service.time_out(run.session, run.followup.ref, now=run.now, settings=run.settings)


def handlers() -> dict[str, FollowupHandler]:
    """The live-handoff follow-up handlers, by kind."""
    return {service.TIMEOUT: on_timeout}

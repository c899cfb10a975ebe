"""What each job plugs into the core: effect appliers and follow-up handlers, by job.

The composition root calls these once; a job adds its own entries here (one line each).
Must not import handlers or platform libraries.
"""

from __future__ import annotations

from troly.bot.effects import Appliers, EffectApplier
from troly.bot.followups import FollowupHandler, Preloader
from troly.bot.petitions import appliers as petition_appliers
from troly.bot.petitions import jobs as petition_jobs
from troly.bot.petitions import retention as petition_retention
from troly.bot.sessions import appliers as session_appliers
from troly.bot.sessions import jobs as session_jobs
from troly.bot.settings import Settings


def effect_appliers(settings: Settings) -> Appliers:
    """The appliers of every job's effects (the built-in ones are the dialogue's own)."""
    appliers: dict[type, EffectApplier] = {}
    appliers.update(petition_appliers.appliers())
    appliers.update(session_appliers.appliers())
    return appliers


def followup_handlers(settings: Settings) -> dict[str, FollowupHandler]:
    """The handler of every follow-up kind, by kind."""
    handlers: dict[str, FollowupHandler] = {}
    handlers.update(petition_jobs.handlers())
    handlers.update(petition_retention.handlers())
    handlers.update(session_jobs.handlers())
    return handlers


def followup_preloaders() -> dict[str, Preloader]:
    """What each follow-up kind loads for a whole batch at once, by kind."""
    return petition_jobs.preloaders()

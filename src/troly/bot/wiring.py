"""What each job plugs into the core: effect appliers, follow-up handlers, personal data.

The composition root calls these once; a job adds its own entries here (one line each).
Must not import handlers or platform libraries.
"""

from __future__ import annotations

from troly.bot import notice_phones, personal_data
from troly.bot.dialogue import OpenPetition, Prefetch
from troly.bot.dossiers import privacy as dossier_privacy
from troly.bot.dossiers import service as dossier_service
from troly.bot.dossiers.model import DossierSource
from troly.bot.effects import Appliers, EffectApplier
from troly.bot.followups import FollowupHandler, Prefetcher, Preloader
from troly.bot.handoff import appliers as handoff_appliers
from troly.bot.handoff import jobs as handoff_jobs
from troly.bot.handoff import privacy as handoff_privacy
from troly.bot.outbox import DeadHook
from troly.bot.petitions import appliers as petition_appliers
from troly.bot.petitions import jobs as petition_jobs
from troly.bot.petitions import privacy as petition_privacy
from troly.bot.petitions import retention as petition_retention
from troly.bot.petitions import service as petition_service
from troly.bot.petitions import undelivered as petition_undelivered
from troly.bot.sessions import appliers as session_appliers
from troly.bot.sessions import jobs as session_jobs
from troly.bot.sessions import privacy as session_privacy
from troly.bot.settings import Settings


def effect_appliers(settings: Settings, *, dossiers: DossierSource | None = None) -> Appliers:
    """The appliers of every job's effects (the built-in ones are the dialogue's own).

    ``dossiers``: the one-stop system's connector (None: not configured).
    """
    appliers: dict[type, EffectApplier] = {}
    appliers.update(dossier_service.appliers(dossiers))
    appliers.update(notice_phones.appliers())
    appliers.update(petition_appliers.appliers())
    appliers.update(session_appliers.appliers())
    appliers.update(handoff_appliers.appliers())
    appliers.update(personal_data.appliers(data_keepers()))
    return appliers


def open_petition() -> OpenPetition:
    """How the dialogue finds a business's open petition, to ask whether a message is for it."""
    return petition_service.open_code


def data_keepers() -> tuple[personal_data.Keeper, ...]:
    """What each job holds about a chat user, for ``/dulieu`` (shown and erased in this order)."""
    return (
        petition_privacy.keeper(),
        session_privacy.keeper(),
        handoff_privacy.keeper(),
        dossier_privacy.keeper(),
        notice_phones.keeper(),
    )


def followup_handlers(
    settings: Settings, *, dossiers: DossierSource | None = None
) -> dict[str, FollowupHandler]:
    """The handler of every follow-up kind, by kind."""
    handlers: dict[str, FollowupHandler] = {}
    handlers.update(dossier_service.handlers(dossiers))
    handlers.update(petition_jobs.handlers())
    handlers.update(petition_retention.handlers())
    handlers.update(session_jobs.handlers())
    handlers.update(handoff_jobs.handlers())
    return handlers


def dialogue_prefetch(*, dossiers: DossierSource | None = None) -> Prefetch:
    """What a message may need from another system, asked before its transaction."""
    return dossier_service.prefetch(dossiers)


def followup_prefetchers(*, dossiers: DossierSource | None = None) -> dict[str, Prefetcher]:
    """What each follow-up kind asks another system before its transaction, by kind."""
    return dossier_service.prefetchers(dossiers)


def followup_preloaders() -> dict[str, Preloader]:
    """What each follow-up kind loads for a whole batch at once, by kind."""
    return petition_jobs.preloaders()


def dead_letter_hooks(settings: Settings) -> tuple[DeadHook, ...]:
    """What each job does when an outbox row can never be delivered (``Outbox(on_dead=…)``)."""
    return (petition_undelivered.hook(settings),)

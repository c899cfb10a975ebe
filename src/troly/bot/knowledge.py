"""Builds the knowledge index the bot answers from, with the thresholds from the settings."""

from __future__ import annotations

from troly.bot.settings import Settings
from troly.knowledge.index import ProcedureIndex, Thresholds
from troly.knowledge.records import load_knowledge


def build_index(settings: Settings) -> ProcedureIndex:
    """Loads the knowledge base and builds the index with the configured thresholds."""
    kb = load_knowledge(settings.knowledge_path)
    thresholds = Thresholds(
        scope=settings.scope_threshold,
        answer=settings.answer_threshold,
        margin=settings.answer_margin,
        max_choices=settings.max_choices,
    )
    return ProcedureIndex(kb, thresholds)

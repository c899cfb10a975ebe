"""The questions the assistant could not answer outright, grouped for staff to teach from.

Questions that got "I don't know" or "Ý bạn là…" choices, from the question log (already folded
and masked: nothing personal), grouped by their words (the same words in another order, or
typed with or without diacritics, are one group), with how often and where they were asked,
what the assistant guessed, and what people picked. Groups already taught are left out.
Must not import handlers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot.knowledge.taught import taught_folded
from troly.bot.storage.models import QuestionLog
from troly.knowledge.index import Decision

UNANSWERED = (Decision.UNKNOWN.value, Decision.CHOOSE.value)


@dataclass(slots=True)
class UnansweredGroup:
    """Near-identical questions, counted."""

    key: str
    text: str
    """The commonest wording (folded), the one a teach uses."""
    count: int = 0
    last_asked: datetime | None = None
    channels: Counter[str] = field(default_factory=Counter)
    decisions: Counter[str] = field(default_factory=Counter)
    guesses: Counter[str] = field(default_factory=Counter)
    """The assistant's best candidate codes, by how often."""
    picked: Counter[str] = field(default_factory=Counter)
    """The codes people picked from the choices, by how often."""
    wordings: Counter[str] = field(default_factory=Counter)

    def as_json(self) -> dict[str, object]:
        """The group as ``troly kb unanswered --json`` prints it."""
        return {
            "question": self.text,
            "count": self.count,
            "last_asked": self.last_asked.isoformat() if self.last_asked else None,
            "channels": dict(self.channels.most_common()),
            "decisions": dict(self.decisions.most_common()),
            "guesses": [code for code, _ in self.guesses.most_common(3)],
            "picked": dict(self.picked.most_common()),
            "wordings": [text for text, _ in self.wordings.most_common()],
        }


def group_key(folded: str) -> str:
    """What near-identical questions share: their words, in any order, each once."""
    return " ".join(sorted(set(folded.split())))


async def unanswered(
    session: AsyncSession, *, since: datetime, limit: int = 200
) -> list[UnansweredGroup]:
    """The groups of questions not answered outright since ``since``, newest first."""
    rows = await session.execute(
        select(
            QuestionLog.folded,
            QuestionLog.channel,
            QuestionLog.decision,
            QuestionLog.best_code,
            QuestionLog.picked_code,
            func.count(),
            func.max(QuestionLog.asked_at),
        )
        .where(QuestionLog.asked_at >= since)
        .where(QuestionLog.decision.in_(UNANSWERED))
        .group_by(
            QuestionLog.folded,
            QuestionLog.channel,
            QuestionLog.decision,
            QuestionLog.best_code,
            QuestionLog.picked_code,
        )
    )
    taught = {group_key(folded) for folded in await taught_folded(session)}
    groups: dict[str, UnansweredGroup] = {}
    for folded, channel, decision, best, picked, count, last in rows.all():
        key = group_key(folded)
        if not key or key in taught:
            continue
        group = groups.setdefault(key, UnansweredGroup(key=key, text=folded))
        group.count += count
        group.last_asked = last if group.last_asked is None else max(group.last_asked, last)
        group.channels[channel] += count
        group.decisions[decision] += count
        group.wordings[folded] += count
        if best:
            group.guesses[best] += count
        if picked:
            group.picked[picked] += count
    for group in groups.values():
        group.text = group.wordings.most_common(1)[0][0]
    ordered = sorted(groups.values(), key=lambda g: (g.last_asked, g.count), reverse=True)
    return ordered[:limit]

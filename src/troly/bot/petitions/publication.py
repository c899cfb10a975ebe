"""Answered petitions published on the public pages, with the staff's approval.

A business chooses "public" when it files; once answered, staff approve the question and the
answer for publication, edited and redacted first (who and when are recorded, in the row and
the petition's timeline), and can withdraw it. What is published is a copy scrubbed again
(``scrub``): never the business's name, tax code, phone or files. Must not import handlers.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from troly.bot.petitions.model import Petition
from troly.bot.petitions.service import by_code, record
from troly.bot.petitions.staff_actions import Actor
from troly.bot.scrub import scrub
from troly.bot.storage.models import Base
from troly.bot.storage.types import UTCDateTime

MAX_TEXT = 4000
PUBLISHED = "published"
WITHDRAWN = "unpublished"


class Publication(Base):
    """One petition as the public pages show it, approved by staff (withdrawn: hidden)."""

    __tablename__ = "petition_publications"
    __table_args__ = (
        UniqueConstraint("petition_id", name="uq_petition_publications_petition"),
        UniqueConstraint("public_id", name="uq_petition_publications_public_id"),
        Index("ix_petition_publications_live", "withdrawn_at", "answered_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id", ondelete="CASCADE"))
    public_id: Mapped[str] = mapped_column(String(24))
    """Unguessable and unrelated to the tracking code (which opens the business's own view)."""
    topic: Mapped[str] = mapped_column(String(32))
    commune_code: Mapped[str | None] = mapped_column(String(8))
    commune_name: Mapped[str | None] = mapped_column(String(120))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime())
    approved_by: Mapped[str] = mapped_column(String(64))
    approved_by_name: Mapped[str] = mapped_column(String(120))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by: Mapped[str | None] = mapped_column(String(64))
    withdrawn_by_name: Mapped[str | None] = mapped_column(String(120))

    @property
    def live(self) -> bool:
        """Whether the public pages show it."""
        return self.withdrawn_at is None


class NotPublishable(ValueError):
    """Why a petition cannot be published (``key``: ``publish.refused_<key>``)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True, slots=True)
class Draft:
    """The texts the approval form starts from: the published ones, else scrubbed originals."""

    question: str
    answer: str


def known_identifiers(petition: Petition) -> tuple[str | None, ...]:
    """What the petition knows of who filed it, to be hidden wherever it appears."""
    return (petition.business_name, petition.tax_code, petition.phone)


def refusal(petition: Petition) -> str | None:
    """Why the petition cannot be published now (None: it can)."""
    if not petition.public:
        return "private"
    if petition.erased_at is not None:
        return "erased"
    if petition.answer is None or petition.answered_at is None:
        return "unanswered"
    return None


async def publication_of(session: AsyncSession, petition: Petition) -> Publication | None:
    """The petition's publication (live or withdrawn), if it ever had one."""
    query = select(Publication).where(Publication.petition_id == petition.id)
    return (await session.execute(query)).scalar_one_or_none()


def draft_of(petition: Petition, publication: Publication | None) -> Draft:
    """What the approval form shows: the published texts, or the petition's, scrubbed."""
    if publication is not None:
        return Draft(publication.question, publication.answer)
    known = known_identifiers(petition)
    return Draft(
        scrub(petition.description, known=known), scrub(petition.answer or "", known=known)
    )


async def approve(
    session: AsyncSession,
    code: str,
    *,
    question: str,
    answer: str,
    actor: Actor,
    now: datetime,
) -> Publication:
    """Publishes the petition with these (edited) texts, scrubbed again; records who and when.

    Approving again replaces the texts and the approval (a withdrawn one comes back, with the
    same public id). Raises ``NotPublishable`` (``missing``, ``private``, ``erased``,
    ``unanswered``, ``empty``, ``too_long``).
    """
    petition = await by_code(session, code, lock=True)
    if petition is None:
        raise NotPublishable("missing")
    why = refusal(petition)
    if why is not None:
        raise NotPublishable(why)
    question, answer = question.strip(), answer.strip()
    if not question or not answer:
        raise NotPublishable("empty")
    if len(question) > MAX_TEXT or len(answer) > MAX_TEXT:
        raise NotPublishable("too_long")
    assert petition.answered_at is not None  # refusal() checked it
    known = known_identifiers(petition)
    row = await publication_of(session, petition)
    if row is None:
        row = Publication(petition_id=petition.id, public_id=secrets.token_urlsafe(12))
        session.add(row)
    row.topic = petition.topic
    row.commune_code, row.commune_name = petition.commune_code, petition.commune_name
    row.received_at, row.answered_at = petition.received_at, petition.answered_at
    row.question, row.answer = scrub(question, known=known), scrub(answer, known=known)
    row.approved_at, row.approved_by, row.approved_by_name = now, actor.user_id, actor.name
    row.withdrawn_at = row.withdrawn_by = row.withdrawn_by_name = None
    record(
        session,
        petition,
        now=now,
        actor="staff",
        actor_id=actor.user_id,
        kind=PUBLISHED,
        note=actor.name,
    )
    return row


async def withdraw(session: AsyncSession, code: str, *, actor: Actor, now: datetime) -> bool:
    """Takes the petition off the public pages; False when it was not published."""
    petition = await by_code(session, code, lock=True)
    row = await publication_of(session, petition) if petition is not None else None
    if petition is None or row is None or not row.live:
        return False
    row.withdrawn_at, row.withdrawn_by, row.withdrawn_by_name = now, actor.user_id, actor.name
    record(
        session,
        petition,
        now=now,
        actor="staff",
        actor_id=actor.user_id,
        kind=WITHDRAWN,
        note=actor.name,
    )
    return True

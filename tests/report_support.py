"""Petitions written as the flows leave them (the row and its events), for the reports' tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from support import VN
from troly.bot.petitions.model import Petition, PetitionEvent, Status
from troly.bot.workdays import WorkCalendar

CAL = WorkCalendar("Asia/Ho_Chi_Minh")


class Filing:
    """Writes petitions and their events as the flows record them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.n = 0

    async def petition(
        self,
        received: datetime,
        *,
        topic: str = "xaydung",
        department: str | None = "Sở Xây dựng",
        commune: str | None = None,
        channel: str = "telegram",
        officer: str | None = "Nguyễn Thị Lan",
        answered: datetime | None = None,
        new_date: date | None = None,
        reopened_by: str | None = None,
        closed_unanswered: datetime | None = None,
        rating: int | None = None,
    ) -> Petition:
        self.n += 1
        deadline = CAL.add_working_days(received, 10)
        p = Petition(
            code=f"PA-{self.n:04d}",
            channel=channel,
            user_id=f"u{self.n}",
            topic=topic,
            description="…",
            commune_name=commune,
            status=Status.RECEIVED.value,
            assignee_name=officer,
            received_at=received,
            deadline=deadline,
            original_deadline=deadline,
            department=department,
            rating=rating,
            updated_at=received,
        )
        self.session.add(p)
        await self.session.flush()
        self.event(p, received, "filed")
        if new_date is not None:
            moved = datetime.combine(new_date, CAL.closes, VN)
            note = f"{deadline:%d/%m/%Y} → {new_date:%d/%m/%Y}"
            self.event(p, deadline - timedelta(days=2), "new_date", note=note)
            p.deadline, p.apologised_at = moved, deadline - timedelta(days=2)
        if answered is not None:
            self.event(p, answered, "answered", note="Trả lời")
            p.status, p.answered_at = Status.ANSWERED.value, answered
        if reopened_by is not None:
            assert answered is not None
            later = answered + timedelta(days=1)
            self.event(p, later, "reopened", actor=reopened_by)
            p.status, p.round = Status.REOPENED.value, 2
            p.deadline = CAL.add_working_days(later, 5)
        if closed_unanswered is not None:
            self.event(p, closed_unanswered, "closed", note="Không thuộc thẩm quyền")
            p.status, p.closed_at = Status.CLOSED.value, closed_unanswered
        if rating is not None:
            p.status = Status.CLOSED.value
        return p

    def event(
        self, p: Petition, at: datetime, kind: str, *, actor: str = "staff", note: str | None = None
    ) -> None:
        self.session.add(PetitionEvent(petition_id=p.id, at=at, actor=actor, kind=kind, note=note))

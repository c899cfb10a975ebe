"""The report figures: petitions, questions and sessions over a database with known rows.

Petitions are written through the models as the flows leave them (the petition, its events),
with deadlines from the working-day calendar, so on time / new date / late / overdue are
tested around weekends and the National Day holidays (31/8–2/9/2026).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from report_support import CAL, Filing
from support import VN
from troly.bot.petitions.jobs import moved_to
from troly.bot.reports import agencies, figures, period
from troly.bot.reports import petitions as pf
from troly.bot.reports import questions as qf
from troly.bot.reports import sessions as sf
from troly.bot.sessions.model import Booking, DialogueSession, Promise
from troly.bot.storage.models import QuestionLog

AUGUST = period.month(2026, 8)
NOW = datetime(2026, 9, 14, 9, 0, tzinfo=VN)


def test_the_deadline_of_a_petition_received_before_the_national_day_skips_the_holidays() -> None:
    received = datetime(2026, 8, 24, 9, 0, tzinfo=VN)
    # 10 working days: 25–28/8, then 31/8, 1/9 and 2/9 are off, so 3–4/9 and 7–10/9.
    assert CAL.add_working_days(received, 10) == datetime(2026, 9, 10, 17, 0, tzinfo=VN)


async def _august(sessions: async_sessionmaker[AsyncSession]) -> list[pf.PetitionFact]:
    monday = datetime(2026, 8, 24, 9, 0, tzinfo=VN)  # its deadline: Thursday 10/9 17:00
    async with sessions.begin() as session:
        f = Filing(session)
        # On time: answered at the very minute of the deadline.
        await f.petition(monday, answered=datetime(2026, 9, 10, 17, 0, tzinfo=VN), rating=5)
        # Late: a minute after it, no new date.
        await f.petition(monday, answered=datetime(2026, 9, 10, 17, 1, tzinfo=VN), rating=2)
        # On the new date (17/9), then reopened by the business: its deadline moved again, the
        # new date is read from the event.
        await f.petition(
            monday,
            topic="thue",
            department="Cục Thuế",
            new_date=date(2026, 9, 17),
            answered=datetime(2026, 9, 11, 10, 0, tzinfo=VN),
            reopened_by="business",
        )
        # Late even after the new date.
        await f.petition(
            monday,
            topic="thue",
            department="Cục Thuế",
            new_date=date(2026, 9, 11),
            answered=datetime(2026, 9, 14, 8, 30, tzinfo=VN),
            rating=4,
        )
        # Overdue: unanswered, its deadline (10/9) passed.
        await f.petition(monday, channel="web", commune="Phường Hạc Thành")
        # Received on the holiday: it counts from Thursday 3/9, due 17/9: still pending.
        await f.petition(datetime(2026, 8, 31, 10, 0, tzinfo=VN), channel="web", officer=None)
        # Closed by a supervisor without an answer.
        await f.petition(
            datetime(2026, 8, 3, 14, 0, tzinfo=VN),
            department=None,
            closed_unanswered=datetime(2026, 8, 5, 9, 0, tzinfo=VN),
        )
        # Not August's: 1/9 00:30 in Việt Nam is still 31/8 in UTC; 31/7 23:00 is July's.
        await f.petition(datetime(2026, 9, 1, 0, 30, tzinfo=VN))
        await f.petition(datetime(2026, 7, 31, 23, 0, tzinfo=VN))
    async with sessions() as session:
        return await pf.petition_facts(session, AUGUST, now=NOW, calendar=CAL)


async def test_each_petition_gets_its_outcome_by_its_first_answer_and_deadlines(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    facts = await _august(sessions)
    assert [f.outcome for f in facts] == [
        pf.Outcome.ON_TIME,
        pf.Outcome.LATE,
        pf.Outcome.NEW_DATE,
        pf.Outcome.LATE,
        pf.Outcome.OVERDUE,
        pf.Outcome.PENDING,
        pf.Outcome.CLOSED_UNANSWERED,
    ]


async def test_outcomes_count_and_share_with_the_due_ones_as_base(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    facts = await _august(sessions)
    (total,) = pf.outcomes(facts)
    assert total.received == 7
    assert total.counts == {
        pf.Outcome.ON_TIME: 1,
        pf.Outcome.NEW_DATE: 1,
        pf.Outcome.LATE: 2,
        pf.Outcome.OVERDUE: 1,
        pf.Outcome.PENDING: 1,
        pf.Outcome.CLOSED_UNANSWERED: 1,
    }
    assert total.due == 5
    assert total.on_time_share == 1 / 5
    by_department = {row.group: row for row in pf.outcomes(facts, "department")}
    assert by_department["Sở Xây dựng"].received == 4
    assert by_department["Cục Thuế"].counts[pf.Outcome.NEW_DATE] == 1
    assert by_department["Cục Thuế"].on_time_share == 0.0
    assert by_department[""].counts[pf.Outcome.CLOSED_UNANSWERED] == 1


async def test_working_days_to_answer_leave_out_nights_weekends_and_holidays(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    facts = await _august(sessions)
    days = [f.days_to_answer for f in facts if f.days_to_answer is not None]
    # Monday 24/8 09:00 to Thursday 10/9 17:00: 8 hours, then 4 + 2 + 4 full days (9 hours).
    assert days[0] == pytest.approx((8 + 10 * 9) / 9)
    # Friday 11/9 10:00: two more hours; Monday 14/9 08:30: 7 + 0.5 hours after Thursday.
    assert days[2] == pytest.approx((8 + 10 * 9 + 2) / 9)
    assert days[3] == pytest.approx((8 + 10 * 9 + 9 + 0.5) / 9)
    (total,) = pf.outcomes(facts)
    assert total.median_days == figures.median(days)
    assert total.p90_days == max(days)


async def test_received_series_by_week_and_counts_by_topic_commune_channel(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    facts = await _august(sessions)
    weeks = pf.received_series(facts, period.quarter(2026, 3), CAL)
    by_week = {r.start.date(): r.count for r in weeks}
    assert by_week[date(2026, 8, 3)] == 1
    assert by_week[date(2026, 8, 24)] == 5
    assert by_week[date(2026, 8, 31)] == 1
    assert sum(by_week.values()) == 7 and len(weeks) == 14
    days = pf.received_series(facts, AUGUST, CAL)
    assert len(days) == 31 and sum(r.count for r in days) == 7
    assert pf.received_by(facts, "topic") == [("xaydung", 5), ("thue", 2)]
    assert pf.received_by(facts, "channel") == [("telegram", 5), ("web", 2)]
    assert pf.received_by(facts, "commune") == [("", 6), ("Phường Hạc Thành", 1)]


async def test_satisfaction_counts_stars_and_the_answers_that_did_not_settle_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    facts = await _august(sessions)
    (everything,) = pf.satisfaction(facts)
    assert everything.stars == (0, 1, 0, 1, 1)
    assert everything.ratings == 3
    assert everything.average == pytest.approx(11 / 3)
    assert (everything.responded, everything.not_resolved) == (4, 1)
    assert everything.not_resolved_share == 0.25
    by_topic = {row.group: row for row in pf.satisfaction(facts, "topic")}
    assert by_topic["thue"].average == 4.0 and by_topic["thue"].not_resolved == 1


def test_the_new_date_is_read_back_from_the_event_note() -> None:
    assert moved_to("10/09/2026 → 17/09/2026") == date(2026, 9, 17)
    assert moved_to("chữ") is None and moved_to(None) is None
    assert moved_to("10/09/2026 → 31/02/2026") is None


def test_median_and_the_nearest_rank_percentile() -> None:
    assert figures.median([4.0, 1.0, 3.0, 2.0]) == 2.5
    assert figures.percentile([float(n) for n in range(1, 11)], 90) == 9.0
    assert figures.percentile([7.0], 90) == 7.0
    assert figures.median([]) is None and figures.percentile([], 90) is None
    assert figures.share(1, 0) is None


def test_periods_parse_their_keys_and_fall_back_to_this_month() -> None:
    assert period.parse("2026-11") == period.Period("month", date(2026, 11, 1), date(2026, 11, 30))
    assert period.parse("2026-Q1") == period.Period("quarter", date(2026, 1, 1), date(2026, 3, 31))
    assert period.parse("2024-02") is not None and period.parse("2024-02").last == date(2024, 2, 29)
    assert period.parse("2026").days == 365
    custom = period.parse("2026-11-20..2026-12-05")
    assert custom is not None and custom.days == 16 and custom.key == "2026-11-20..2026-12-05"
    assert period.parse("2026-12-05..2026-11-20") is None
    assert period.parse("2026-13") is None and period.parse("") is None
    today = date(2026, 12, 6)
    fourth = period.picked({"kind": "quarter", "year": "2026", "quarter": "Q4"}, today)
    assert fourth.key == "2026-Q4"
    three = period.picked({"kind": "custom", "from": "2026-12-01", "to": "2026-12-03"}, today)
    assert three.days == 3
    assert period.picked({"kind": "year", "year": "x"}, today).key == "2026-12"
    assert [p.key for p in (period.month(2026, 12), period.year(2026))] == ["2026-12", "2026"]


async def test_questions_per_day_by_decision_and_the_top_unknown(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    asked = [
        (datetime(2026, 8, 3, 9, 0, tzinfo=VN), "answer", "cap phep xay dung"),
        (datetime(2026, 8, 3, 23, 30, tzinfo=VN), "unknown", "giay phep karaoke"),
        (datetime(2026, 8, 4, 0, 10, tzinfo=VN), "unknown", "giay phep karaoke"),
        (datetime(2026, 8, 4, 8, 0, tzinfo=VN), "choose", "dang ky"),
        (datetime(2026, 8, 4, 8, 5, tzinfo=VN), "unknown", "nuoi ong"),
        (datetime(2026, 9, 1, 0, 0, tzinfo=VN), "unknown", "giay phep karaoke"),
    ]
    async with sessions.begin() as session:
        for at, decision, folded in asked:
            session.add(
                QuestionLog(
                    asked_at=at,
                    channel="web",
                    folded=folded,
                    aspect="all",
                    decision=decision,
                    best_code=None,
                    best_score=0.0,
                )
            )
    async with sessions() as session:
        days = await qf.question_days(session, AUGUST, calendar=CAL)
        top = await qf.top_unanswered(session, AUGUST, calendar=CAL)
    assert len(days) == 31
    first, second = days[2], days[3]
    assert (first.day, first.answer, first.choose, first.unknown) == (date(2026, 8, 3), 1, 0, 1)
    assert (second.day, second.answer, second.choose, second.unknown) == (date(2026, 8, 4), 0, 1, 2)
    assert second.share_of(qf.Decision.UNKNOWN) == pytest.approx(2 / 3)
    assert sum(d.asked for d in days) == 5
    assert top == [qf.Unanswered("giay phep karaoke", 2), qf.Unanswered("nuoi ong", 1)]


async def test_sessions_count_bookings_and_list_overdue_promises_first(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    start = datetime(2026, 8, 20, 14, 0, tzinfo=VN)
    async with sessions.begin() as session:
        row = DialogueSession(
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            opens_at=start - timedelta(days=20),
            closes_at=start - timedelta(days=3),
            place="UBND tỉnh",
            seats=3,
            seats_left=0,
            status="minutes",
            created_at=start,
            updated_at=start,
        )
        session.add(row)
        await session.flush()
        statuses = [
            ("attended", None),
            ("attended", 1),  # came from the waitlist
            ("no_show", None),
            ("declined", None),
            ("cancelled", None),
            ("waitlisted", 2),
        ]
        made = []
        for n, (status, seq) in enumerate(statuses):
            booking = Booking(
                code=f"DK-{n}",
                session_id=row.id,
                channel="web",
                user_id=f"b{n}",
                tax_code=f"28000000{n}",
                business_name="Công ty",
                representative="Người đại diện",
                phone="0912345678",
                topic="thue",
                question="?",
                status=status,
                waitlist_seq=seq,
                created_at=start,
                updated_at=start,
            )
            session.add(booking)
            made.append(booking)
        await session.flush()
        promises = [
            ("CK-1", "Cục Thuế", datetime(2026, 9, 4, 17, 0, tzinfo=VN), "open"),
            ("CK-2", "Cục Thuế", datetime(2026, 9, 30, 17, 0, tzinfo=VN), "open"),
            ("CK-3", "Sở Xây dựng", datetime(2026, 9, 1, 17, 0, tzinfo=VN), "done"),
            ("CK-4", "Sở Xây dựng", datetime(2026, 9, 10, 17, 0, tzinfo=VN), "open"),
        ]
        for code, department, due, status in promises:
            session.add(
                Promise(
                    code=code,
                    booking_id=made[0].id,
                    department=department,
                    content="…",
                    due_at=due,
                    status=status,
                    created_at=start,
                )
            )
    async with sessions() as session:
        (figure,) = await sf.session_figures(session, AUGUST, calendar=CAL)
        lines = await sf.promise_lines(session, AUGUST, now=NOW, calendar=CAL)
        assert await sf.session_figures(session, period.month(2026, 9), calendar=CAL) == []
    assert (figure.registered, figure.approved, figure.declined) == (6, 3, 1)
    assert (figure.waitlisted, figure.cancelled, figure.attended, figure.no_show) == (2, 1, 2, 1)
    assert [(line.code, line.state) for line in lines] == [
        ("CK-1", "overdue"),
        ("CK-4", "overdue"),
        ("CK-2", "open"),
        ("CK-3", "done"),
    ]
    # Due Friday 4/9 17:00, now Monday 14/9 09:00: 5 working days and one office hour.
    assert lines[0].days_late == pytest.approx(5 + 1 / 9)
    counts = sf.promises_by_department(lines)
    assert [(c.department, c.overdue, c.open, c.done) for c in counts] == [
        ("Cục Thuế", 1, 1, 0),
        ("Sở Xây dựng", 1, 0, 1),
    ]


async def test_the_agency_index_hides_cells_resting_on_too_few_petitions(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _august(sessions)
    async with sessions() as session:
        small = await agencies.agency_index(
            session, 2026, by="department", now=NOW, calendar=CAL, min_count=5
        )
        open_ = await agencies.agency_index(
            session, 2026, by="department", now=NOW, calendar=CAL, min_count=2
        )
    assert [m.month for m in small.months] == list(range(1, 10))
    # The year has July's overdue one too; September's first is not due yet.
    assert small.total.total.due == 6 and small.total.total.on_time == 1
    assert small.total.total.on_time_share == 1 / 6
    assert small.total.months[7].due == 5 and small.total.months[7].on_time_share == 0.2
    assert small.total.months[6].due == 1 and small.total.months[6].on_time_share is None
    assert small.total.total.average is None  # three ratings: fewer than five
    rows = {row.group: row for row in open_.rows}
    august = rows["Sở Xây dựng"].months[7]
    assert (august.due, august.on_time, august.on_time_share) == (3, 1, 1 / 3)
    assert august.average == 3.5
    assert rows["Cục Thuế"].months[7].average is None  # one rating
    assert rows["Cục Thuế"].months[7].on_time_share == 0.0
    assert {row.group for row in small.rows} == {"Sở Xây dựng", "Cục Thuế", ""}


async def test_questions_taught_per_week_with_those_undone(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    from troly.bot.knowledge.model import TaughtQuestion

    taught = [
        (datetime(2026, 8, 3, 9, 0, tzinfo=VN), None),
        (datetime(2026, 8, 9, 23, 30, tzinfo=VN), datetime(2026, 8, 12, 9, 0, tzinfo=VN)),
        (datetime(2026, 8, 10, 0, 30, tzinfo=VN), None),  # Monday in Việt Nam: the next week
        (datetime(2026, 10, 1, 9, 0, tzinfo=VN), None),  # not in the third quarter
    ]
    async with sessions.begin() as session:
        for at, undone in taught:
            session.add(
                TaughtQuestion(
                    question="nuôi ong",
                    folded="nuoi ong",
                    code="1.000001",
                    taught_by="lanhdao@thanhhoa.gov.vn",
                    taught_at=at,
                    undone_at=undone,
                )
            )
    async with sessions() as session:
        weeks = await qf.taught_series(session, period.quarter(2026, 3), calendar=CAL)
    by_week = {row.start: (row.taught, row.undone) for row in weeks}
    assert by_week[date(2026, 8, 3)] == (2, 1)
    assert by_week[date(2026, 8, 10)] == (1, 0)
    assert sum(row.taught for row in weeks) == 3 and len(weeks) == 14

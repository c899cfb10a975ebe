from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import holidays
import pytest

from troly.bot.sessions_calendar import registration_closes, session_start, upcoming_sessions
from troly.bot.workdays import WorkCalendar

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(y: int, m: int, d: int, hh: int = 14, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar()


def test_session_is_on_the_third_thursday_at_two_pm(cal: WorkCalendar) -> None:
    assert session_start(2026, 11, calendar=cal) == at(2026, 11, 19)


def test_third_thursday_in_tet_moves_to_the_next_working_day(cal: WorkCalendar) -> None:
    vn = holidays.VN(years=2026)
    third_thursday = date(2026, 2, 19)

    start = session_start(2026, 2, calendar=cal)

    assert third_thursday.weekday() == 3
    assert "Lunar New Year" in vn[third_thursday]
    assert start == at(2026, 2, 23)


def test_every_holiday_on_a_third_thursday_moves_the_session(cal: WorkCalendar) -> None:
    vn = holidays.VN(years=range(2026, 2041))
    moved = []
    for year in range(2026, 2041):
        for month in range(1, 13):
            start = session_start(year, month, calendar=cal)
            if start.weekday() != 3:
                moved.append(start.date())
            assert cal.is_working_day(start.date())
            assert start.date() not in vn

    # Only Tết ever lands on a third Thursday here; each move was checked by hand.
    assert moved == [date(2026, 2, 23), date(2029, 2, 19), date(2037, 2, 20), date(2040, 2, 17)]


def test_day_and_hour_are_settings(cal: WorkCalendar) -> None:
    start = session_start(2026, 11, calendar=cal, weekday=1, nth=1, at=time(8, 30))

    assert start == at(2026, 11, 3, 8, 30)


def test_a_month_without_a_fifth_weekday_has_no_such_session(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError):
        session_start(2026, 9, calendar=cal, weekday=0, nth=5)


def test_registration_closes_three_working_days_before(cal: WorkCalendar) -> None:
    start = session_start(2026, 11, calendar=cal)

    assert registration_closes(start, calendar=cal) == at(2026, 11, 16)


def test_registration_before_a_session_after_tet_closes_before_tet(cal: WorkCalendar) -> None:
    start = session_start(2026, 2, calendar=cal)

    assert registration_closes(start, calendar=cal) == at(2026, 2, 11)


def test_registration_lead_is_a_setting(cal: WorkCalendar) -> None:
    start = session_start(2026, 11, calendar=cal)

    assert registration_closes(start, calendar=cal, working_days_before=5) == at(2026, 11, 12)


def test_upcoming_sessions_start_after_now(cal: WorkCalendar) -> None:
    sessions = upcoming_sessions(at(2026, 11, 20, 9), calendar=cal)

    assert sessions == (at(2026, 12, 17), at(2027, 1, 21), at(2027, 2, 18))


def test_a_session_later_today_is_still_upcoming(cal: WorkCalendar) -> None:
    sessions = upcoming_sessions(at(2026, 11, 19, 13), months=1, calendar=cal)

    assert sessions == (at(2026, 11, 19),)


def test_last_months_session_moved_into_this_month_is_upcoming(cal: WorkCalendar) -> None:
    # The fifth Monday of August 2026 is a day off, as are 1 and 2 September.
    sessions = upcoming_sessions(at(2026, 9, 1, 9), months=2, calendar=cal, weekday=0, nth=5)

    assert sessions == (at(2026, 9, 3), at(2026, 11, 30))


def test_upcoming_sessions_refuses_a_naive_now(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError):
        upcoming_sessions(datetime(2026, 11, 20), calendar=cal)  # noqa: DTZ001

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from troly.bot.workdays import WorkCalendar

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar()


def nth_weekday_off_library_holidays(after: date, n: int) -> date:
    """An independent count: weekdays that the holidays package does not list."""
    vn = holidays.VN(years=range(after.year, after.year + 2))
    day, counted = after, 0
    while counted < n:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in vn:
            counted += 1
    return day


def test_petition_filed_on_friday_before_tet_is_due_after_the_holiday(cal: WorkCalendar) -> None:
    vn = holidays.VN(years=2027)
    tet = sorted(d for d, name in vn.items() if "Lunar New Year" in name)
    first_day_off = tet[0]
    friday_before = first_day_off - timedelta(days=(first_day_off.weekday() - 4) % 7 or 7)
    expected_day = nth_weekday_off_library_holidays(friday_before, 10)

    deadline = cal.add_working_days(datetime.combine(friday_before, time(10), tzinfo=VN), 10)

    assert tet == [date(2027, 2, d) for d in range(4, 11)]
    assert friday_before == date(2027, 1, 29)
    assert deadline == datetime.combine(expected_day, time(17), tzinfo=VN)
    assert deadline == at(2027, 2, 19, 17)


def test_national_day_2026_and_its_bridge_days_are_not_working_days(cal: WorkCalendar) -> None:
    days = [date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2), date(2026, 9, 3)]

    actual = [cal.is_working_day(d) for d in days]

    assert actual == [False, False, False, True]


def test_saturday_announced_as_make_up_day_is_a_working_day(cal: WorkCalendar) -> None:
    assert cal.is_working_day(date(2026, 8, 22)) is True
    assert cal.add_working_days(at(2026, 8, 22, 9), 1) == at(2026, 8, 24, 17)


def test_deadline_skips_national_day_2026(cal: WorkCalendar) -> None:
    deadline = cal.add_working_days(at(2026, 8, 28, 10), 3)

    assert deadline == at(2026, 9, 7, 17)


def test_holiday_on_sunday_gives_the_monday_off(cal: WorkCalendar) -> None:
    # Giỗ Tổ Hùng Vương 2026 falls on Sunday 26 April; Monday 27 April is given back.
    assert cal.holiday_name(date(2026, 4, 26)) == "Hung Kings' Commemoration Day"
    assert cal.is_working_day(date(2026, 4, 27)) is False
    assert cal.add_working_days(at(2026, 4, 24, 10), 1) == at(2026, 4, 28, 17)


def test_receipt_after_three_pm_counts_from_the_next_working_day(cal: WorkCalendar) -> None:
    before = cal.add_working_days(at(2026, 11, 2, 14, 59), 1)
    on_the_dot = cal.add_working_days(at(2026, 11, 2, 15, 0), 1)
    after = cal.add_working_days(at(2026, 11, 2, 15, 1), 1)

    assert (before, on_the_dot, after) == (
        at(2026, 11, 3, 17),
        at(2026, 11, 3, 17),
        at(2026, 11, 4, 17),
    )


def test_receipt_on_a_weekend_counts_on_the_next_working_day(cal: WorkCalendar) -> None:
    assert cal.receipt_day(at(2026, 11, 7, 10)) == date(2026, 11, 9)
    assert cal.add_working_days(at(2026, 11, 7, 10), 1) == at(2026, 11, 10, 17)


def test_cut_off_is_read_in_vietnam_time_whatever_zone_comes_in(cal: WorkCalendar) -> None:
    received_utc = datetime(2026, 11, 2, 8, 30, tzinfo=UTC)  # 15:30 in Hà Nội

    assert cal.receipt_day(received_utc) == date(2026, 11, 3)
    assert cal.add_working_days(received_utc, 1).tzinfo == VN


def test_cut_off_and_office_hours_are_settings() -> None:
    cal = WorkCalendar(cutoff=time(16, 30), opens=time(7, 30), closes=time(16, 30))

    assert cal.add_working_days(at(2026, 11, 2, 16, 0), 1) == at(2026, 11, 3, 16, 30)


def test_zero_days_is_the_close_of_the_receipt_day(cal: WorkCalendar) -> None:
    assert cal.add_working_days(at(2026, 11, 2, 9), 0) == at(2026, 11, 2, 17)


def test_half_a_working_day_is_half_the_office_hours(cal: WorkCalendar) -> None:
    assert cal.add_working_days(at(2026, 11, 2, 9), 1.5) == at(2026, 11, 4, 12, 30)


def test_province_announcements_override_the_national_calendar() -> None:
    cal = WorkCalendar(extra_holidays=[date(2026, 11, 3)], extra_working_days=[date(2026, 11, 7)])

    assert cal.is_working_day(date(2026, 11, 3)) is False
    assert cal.is_working_day(date(2026, 11, 7)) is True
    assert cal.add_working_days(at(2026, 11, 2, 9), 4) == at(2026, 11, 7, 17)


def test_a_day_cannot_be_both_off_and_working() -> None:
    with pytest.raises(ValueError):
        WorkCalendar(extra_holidays=[date(2026, 11, 3)], extra_working_days=[date(2026, 11, 3)])


def test_naive_datetimes_are_refused(cal: WorkCalendar) -> None:
    naive = datetime(2026, 11, 2, 10)  # noqa: DTZ001
    calls = [
        lambda: cal.add_working_days(naive, 1),
        lambda: cal.receipt_day(naive),
        lambda: cal.working_days_between(naive, at(2026, 11, 3)),
        lambda: cal.point_in_time(at(2026, 11, 2), naive, 0.5),
        lambda: cal.working_days_before(naive, 1),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="naive"):
            call()


def test_next_working_day_on_or_after_keeps_a_working_day(cal: WorkCalendar) -> None:
    assert cal.next_working_day_on_or_after(date(2026, 11, 2)) == date(2026, 11, 2)
    assert cal.next_working_day_on_or_after(date(2026, 2, 14)) == date(2026, 2, 23)


def test_next_working_day_after_skips_the_day_itself(cal: WorkCalendar) -> None:
    assert cal.next_working_day_after(date(2026, 11, 2)) == date(2026, 11, 3)
    assert cal.next_working_day_after(date(2026, 8, 28)) == date(2026, 9, 3)


def test_working_days_between_counts_only_office_time(cal: WorkCalendar) -> None:
    assert cal.working_days_between(at(2026, 11, 6, 8), at(2026, 11, 9, 17)) == 2.0
    assert cal.working_days_between(at(2026, 11, 6, 12, 30), at(2026, 11, 6, 17)) == 0.5
    assert cal.working_days_between(at(2026, 11, 9, 17), at(2026, 11, 6, 8)) == -2.0
    assert cal.working_days_between(at(2026, 2, 13, 17), at(2026, 2, 23, 8)) == 0.0


def test_deadline_is_ten_working_days_of_office_time_after_the_clock_starts(
    cal: WorkCalendar,
) -> None:
    received = at(2027, 1, 29, 10)
    deadline = cal.add_working_days(received, 10)
    clock_starts = datetime.combine(cal.receipt_day(received), time(17), tzinfo=VN)

    assert cal.working_days_between(clock_starts, deadline) == 10.0


def test_reminder_points_never_fall_on_a_weekend_or_holiday(cal: WorkCalendar) -> None:
    received = at(2027, 1, 29, 10)
    deadline = cal.add_working_days(received, 10)

    half = cal.point_in_time(received, deadline, 0.5)
    most = cal.point_in_time(received, deadline, 0.8)

    # 97 office hours from Friday 10:00 to 19 Feb 17:00: 48.5 h and 77.6 h of them.
    assert (half, most) == (at(2027, 2, 12, 13, 30), at(2027, 2, 17, 15, 36))
    assert all(cal.is_working_day(moment.date()) for moment in (half, most))


def test_point_in_time_at_the_ends_is_start_and_deadline(cal: WorkCalendar) -> None:
    start, deadline = at(2026, 11, 2, 9), at(2026, 11, 6, 17)

    assert cal.point_in_time(start, deadline, 0) == start
    assert cal.point_in_time(start, deadline, 1) == deadline


def test_one_working_day_before_a_friday_deadline_is_thursday_close(cal: WorkCalendar) -> None:
    assert cal.working_days_before(at(2026, 11, 6, 17), 1) == at(2026, 11, 5, 17)


def test_one_working_day_before_a_deadline_after_tet_is_before_tet(cal: WorkCalendar) -> None:
    assert cal.working_days_before(at(2026, 2, 23, 17), 1) == at(2026, 2, 13, 17)
    assert cal.working_days_before(at(2026, 2, 23, 10), 1) == at(2026, 2, 13, 10)


def test_negative_amounts_are_refused(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError):
        cal.add_working_days(at(2026, 11, 2), -1)
    with pytest.raises(ValueError):
        cal.working_days_before(at(2026, 11, 2), -1)
    with pytest.raises(ValueError):
        cal.point_in_time(at(2026, 11, 2), at(2026, 11, 3), 1.5)

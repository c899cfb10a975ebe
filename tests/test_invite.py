from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest

from troly.bot.invite import calendar_invite

VN = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime(2026, 11, 19, 14, 0, tzinfo=VN)


def invite(**overrides: Any) -> bytes:
    fields: dict[str, Any] = {
        "uid": "DT-4KQ8ZP@troly.thanhhoa.gov.vn",
        "title": "Chủ tịch UBND tỉnh tiếp doanh nghiệp — tháng 11/2026",
        "start": START,
        "duration": timedelta(hours=3),
        "location": "Hội trường UBND tỉnh, 35 Đại lộ Lê Lợi, phường Hạc Thành, Thanh Hóa",
        "description": "Mã đăng ký DT-4KQ8ZP. Chủ đề: thủ tục giao đất, thuê đất.",
    }
    fields.update(overrides)
    return calendar_invite(**fields)


def parse(data: bytes) -> tuple[icalendar.Calendar, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(data)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def test_invite_starts_at_two_pm_in_ho_chi_minh_time() -> None:
    _, event = parse(invite())
    start = event.decoded("DTSTART")

    assert start == START
    assert (start.hour, str(start.tzinfo), start.utcoffset()) == (
        14,
        "Asia/Ho_Chi_Minh",
        timedelta(hours=7),
    )


def test_invite_names_its_zone_and_carries_the_vtimezone() -> None:
    data = invite()
    calendar, _ = parse(data)

    assert b"DTSTART;TZID=Asia/Ho_Chi_Minh:20261119T140000" in data
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Ho_Chi_Minh"]


def test_invite_is_a_request_with_the_booking_details() -> None:
    calendar, event = parse(invite())

    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == "DT-4KQ8ZP@troly.thanhhoa.gov.vn"
    assert str(event["SUMMARY"]) == "Chủ tịch UBND tỉnh tiếp doanh nghiệp — tháng 11/2026"
    assert str(event["LOCATION"]) == (
        "Hội trường UBND tỉnh, 35 Đại lộ Lê Lợi, phường Hạc Thành, Thanh Hóa"
    )
    assert str(event["DESCRIPTION"]) == "Mã đăng ký DT-4KQ8ZP. Chủ đề: thủ tục giao đất, thuê đất."
    assert event.decoded("DTEND") == START + timedelta(hours=3)


def test_invite_reminds_one_day_before() -> None:
    _, event = parse(invite())
    (alarm,) = event.walk("VALARM")

    assert (str(alarm["ACTION"]), alarm.decoded("TRIGGER")) == ("DISPLAY", timedelta(days=-1))


def test_organizer_is_written_only_when_given() -> None:
    _, without = parse(invite())
    _, with_organizer = parse(invite(organizer_email="tiepdn@thanhhoa.gov.vn"))

    assert "ORGANIZER" not in without
    assert str(with_organizer["ORGANIZER"]) == "mailto:tiepdn@thanhhoa.gov.vn"


def test_same_booking_gives_the_same_bytes() -> None:
    assert invite() == invite()


def test_an_update_carries_its_stamp_in_utc_and_a_higher_sequence() -> None:
    stamp = datetime(2026, 11, 10, 9, 30, tzinfo=VN)
    _, event = parse(invite(stamp=stamp, sequence=1))

    assert (event.decoded("DTSTAMP"), event.decoded("SEQUENCE")) == (
        datetime(2026, 11, 10, 2, 30, tzinfo=UTC),
        1,
    )


def test_lines_are_folded_for_calendar_clients() -> None:
    data = invite(description="Chủ đề: " + "vướng mắc về đất đai, " * 20)

    assert max(len(line) for line in data.split(b"\r\n")) <= 75
    assert str(parse(data)[1]["DESCRIPTION"]) == "Chủ đề: " + "vướng mắc về đất đai, " * 20


@pytest.mark.parametrize(
    "overrides",
    [
        {"start": datetime(2026, 11, 19, 14)},  # noqa: DTZ001
        {"duration": timedelta(0)},
        {"stamp": datetime(2026, 11, 10)},  # noqa: DTZ001
    ],
)
def test_naive_times_and_empty_durations_are_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        invite(**overrides)


def test_a_cancellation_withdraws_the_same_event_without_a_reminder() -> None:
    calendar, event = parse(invite(sequence=2, cancelled=True, stamp=START - timedelta(days=2)))
    assert calendar["method"] == "CANCEL"
    assert event["status"] == "CANCELLED"
    assert event["uid"] == "DT-4KQ8ZP@troly.thanhhoa.gov.vn"
    assert int(event["sequence"]) == 2
    assert event.walk("VALARM") == []
    _, original = parse(invite())
    assert original["status"] == "CONFIRMED"
    assert len(original.walk("VALARM")) == 1

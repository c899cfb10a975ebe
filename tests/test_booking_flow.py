"""The booking flow's steps are pure: validation and the order of questions, no database."""

from __future__ import annotations

from datetime import datetime

import pytest

from support import VN
from troly.bot.flows import booking
from troly.bot.flows.base import Context, State, Support
from troly.bot.messages import Incoming
from troly.bot.settings import Settings
from troly.knowledge.index import ProcedureIndex


@pytest.fixture
def ctx(index: ProcedureIndex) -> Context:
    return Context(
        index=index,
        now=datetime(2026, 12, 1, 9, 0, tzinfo=VN),
        max_question_chars=1000,
        support=Support("1", "h", "p"),
        settings=Settings(environment="test", booking_question_max_chars=80),
    )


def at(step: booking.Step, **draft: object) -> State:
    return State(flow=booking.FLOW, step=step, draft={"session_id": 1, **draft})


def typed(text: str) -> Incoming:
    return Incoming(channel="web", user_id="an", text=text)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0912 345 678", "0912345678"),
        ("+84 912.345.678", "0912345678"),
        ("84912345678", "0912345678"),
        ("(0237) 385 2345", "02373852345"),
        ("12345", None),
        ("09123456789012", None),
        ("không có", None),
    ],
)
def test_phone_numbers_are_normalised_or_refused(raw: str, expected: str | None) -> None:
    assert booking.normalise_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "chưa nhập mã số thuế"),
        ("01001O9106", "chỉ gồm chữ số"),
        ("010010910", "10 chữ số"),
        ("0100109107", "chữ số kiểm tra"),
        ("0100109106-000", "không thể là 000"),
    ],
)
def test_a_wrong_tax_code_says_which_part_is_wrong(raw: str, fragment: str, ctx: Context) -> None:
    outcome = booking.on_text(at(booking.Step.TAX_CODE), typed(raw), ctx)
    [reply] = outcome.replies
    assert fragment in reply.text
    assert outcome.state.step == booking.Step.TAX_CODE
    assert outcome.effects == ()


def test_a_valid_tax_code_asks_the_applier_to_check_for_an_existing_booking(
    ctx: Context,
) -> None:
    outcome = booking.on_text(at(booking.Step.TAX_CODE), typed("0100109106 - 001"), ctx)
    assert outcome.effects == (booking.CheckExisting(1, "0100109106-001"),)
    assert outcome.state.step == booking.Step.NAME
    assert outcome.state.draft["tax_code"] == "0100109106-001"


def test_the_question_is_length_limited_by_the_setting(ctx: Context) -> None:
    outcome = booking.on_text(at(booking.Step.QUESTION), typed("x" * 81), ctx)
    [reply] = outcome.replies
    assert "81 ký tự, vượt giới hạn 80" in reply.text
    outcome = booking.on_text(at(booking.Step.QUESTION), typed("x" * 80), ctx)
    assert outcome.state.step == booking.Step.REMEMBER


def test_a_name_too_short_is_asked_again(ctx: Context) -> None:
    outcome = booking.on_text(at(booking.Step.NAME), typed("A"), ctx)
    assert outcome.state.step == booking.Step.NAME
    outcome = booking.on_text(at(booking.Step.NAME), typed("Công ty A"), ctx)
    assert outcome.state.step == booking.Step.REPRESENTATIVE


def test_text_where_a_button_is_expected_repeats_the_question(ctx: Context) -> None:
    outcome = booking.on_text(at(booking.Step.TOPIC), typed("đất đai"), ctx)
    assert outcome.state.step == booking.Step.TOPIC
    assert "book:t:datdai" in [b.choice for b in outcome.replies[0].all_buttons()]


def test_confirm_books_with_the_whole_draft_and_leaves_the_flow(ctx: Context) -> None:
    state = at(booking.Step.CONFIRM, tax_code="0100109106", topic="thue")
    outcome = booking.on_choice(state, "confirm", ctx)
    assert outcome.effects == (booking.Book(dict(state.draft)),)
    assert outcome.state.flow is None


def test_a_late_second_tap_on_confirm_shows_the_bookings(ctx: Context) -> None:
    outcome = booking.on_choice(State(), "confirm", ctx)
    assert outcome.effects == (booking.MyBookings(),)


def test_a_stale_button_of_the_flow_is_answered_as_expired(ctx: Context) -> None:
    outcome = booking.on_choice(State(), "t:thue", ctx)
    assert "hết hiệu lực" in outcome.replies[0].text
    outcome = booking.on_choice(at(booking.Step.PHONE), "t:nope", ctx)
    assert "hết hiệu lực" in outcome.replies[0].text


def test_look_up_accepts_a_code_typed_loosely_and_refuses_other_prefixes() -> None:
    assert booking.look_up(State(), "dt 4kq8zp").effects == (booking.LookUp("DT-4KQ8ZP"),)
    assert booking.look_up(State(), "CK-4KQ8ZP").effects == (booking.LookUp("CK-4KQ8ZP"),)
    assert booking.look_up(State(), "PA-4KQ8ZP").effects == ()
    assert booking.look_up(State(), "").effects == ()

"""The province's own details: the province is one of the 34, the service center's address,
hours and hotline come from the settings (or an admin's override) into the cards, questions
about the center are answered from them, and a local note per procedure shows on its card."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from support import Chat, Clock, choices
from troly.bot.dialogue import Dialogue
from troly.bot.petitions.routing import default_department
from troly.bot.province.details import (
    commune_examples,
    default_center_name,
    session_departments,
)
from troly.bot.province.store import set_detail, set_note
from troly.bot.settings import Settings
from troly.bot.settings_problems import SettingsProblem, load_settings
from troly.handlers import cli
from troly.knowledge.index import ProcedureIndex

BAD = "Cấu hình chưa đúng / bad setting: "
CENTER = {
    "center_address": "28 Đại lộ Lê Lợi, phường Hạc Thành",
    "center_hours": "Thứ Hai – thứ Sáu 7:30–11:30, 13:30–17:00; sáng thứ Bảy 8:00–11:30",
    "center_hotline": "0237 3 720 720",
    "center_map_url": "https://maps.example.vn/trung-tam",
    "portal_url": "https://dichvucong.thanhhoa.gov.vn",
}
COMPANY = "2.002043"  # Đăng ký thành lập công ty cổ phần: a provincial procedure, no address
TAX = "1.008510"  # Khôi phục mã số thuế


@pytest.mark.parametrize(
    ("typed", "official"),
    [
        ("Tỉnh Thanh Hóa", "Tỉnh Thanh Hóa"),
        ("thanh hoa", "Tỉnh Thanh Hóa"),
        ("92", "Thành phố Cần Thơ"),
        ("TP HCM", "Thành phố Hồ Chí Minh"),
    ],
)
def test_the_province_is_read_as_its_official_name(typed: str, official: str) -> None:
    assert Settings(environment="test", province=typed).province == official


@pytest.mark.parametrize(
    ("typed", "merged_into"),
    [
        ("Sóc Trăng", "Thành phố Cần Thơ"),
        ("Tỉnh Thái Bình", "Tỉnh Hưng Yên"),
        ("hai duong", "Thành phố Hải Phòng"),
    ],
)
def test_an_abolished_province_is_refused_naming_the_one_it_merged_into(
    typed: str, merged_into: str
) -> None:
    with pytest.raises(SettingsProblem) as refused:
        load_settings(environment="test", province=typed)
    assert refused.value.lines == [
        f"{BAD}TROLY_PROVINCE: tỉnh này đã nhập vào {merged_into} từ 01/07/2025 / this province "
        f"merged into {merged_into} on 1 July 2025 (Nghị quyết 202/2025/QH15) "
        f"(ví dụ / e.g. TROLY_PROVINCE={merged_into})"
    ]


def test_troly_refuses_to_start_for_an_abolished_province_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TROLY_PROVINCE", "Tỉnh Sóc Trăng")
    assert cli.main(["db", "current"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    [line] = err.splitlines()
    assert "Thành phố Cần Thơ" in line and line.startswith(BAD + "TROLY_PROVINCE")


def test_a_name_that_was_never_a_province_is_refused() -> None:
    with pytest.raises(SettingsProblem) as refused:
        load_settings(environment="test", province="Hà Tây Mới")
    [line] = refused.value.lines
    assert "TROLY_PROVINCE không phải một trong 34 tỉnh, thành phố" in line


def test_the_defaults_follow_the_configured_province_not_thanh_hoa() -> None:
    can_tho = Settings(environment="test", province="Cần Thơ")
    thanh_hoa = Settings(environment="test")

    assert session_departments(can_tho)[-2:] == [
        "Thuế thành phố",
        "Ban Quản lý các khu công nghiệp thành phố",
    ]
    assert session_departments(thanh_hoa)[-1] == (
        "Ban Quản lý Khu kinh tế Nghi Sơn và các khu công nghiệp"
    )
    assert default_center_name(can_tho.province) == (
        "Trung tâm Phục vụ hành chính công thành phố Cần Thơ"
    )
    assert commune_examples("Thành phố Hà Nội") == ("Ba Đình", "xa soc son")
    assert commune_examples("Tỉnh Thanh Hóa") == ("Hàm Rồng", "xa muong lat")


def _chat(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex, clock: Clock, **values: str
) -> Chat:
    settings = Settings(environment="test", **values)  # type: ignore[arg-type]
    return Chat(Dialogue(sessions=sessions, index=index, settings=settings, clock=clock))


async def test_a_card_names_the_center_and_its_address_where_the_record_gives_none(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    chat = _chat(sessions, index, Clock(), **CENTER)

    [card] = await chat.say("an", "đăng ký thành lập công ty cổ phần")
    [where] = await chat.say("an", "nộp ở đâu?")

    place = "Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa, 28 Đại lộ Lê Lợi, phường Hạc Thành"
    assert card.kind == f"procedure:{COMPANY}"
    assert f"📍 Nơi nộp: {place}" in card.text.splitlines()
    assert where.text.splitlines()[1] == f"📍 Nơi nộp: {place}"
    assert f"🕘 Giờ làm việc: {CENTER['center_hours']}" in where.text.splitlines()
    assert "Dữ liệu không ghi địa chỉ" not in where.text


async def test_without_the_details_a_card_still_says_the_records_give_no_address(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    chat = _chat(sessions, index, Clock())
    await chat.say("an", "đăng ký thành lập công ty cổ phần")
    [where] = await chat.say("an", "nộp ở đâu?")
    assert where.text.splitlines()[1].startswith("Dữ liệu không ghi địa chỉ tiếp nhận")


async def test_a_commune_procedure_names_the_commune_office_and_its_hours(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    chat = _chat(sessions, index, Clock(), commune_office_hours="7:30–17:00 các ngày làm việc")
    [card] = await chat.say("an", "đăng ký thành lập hộ kinh doanh")
    assert card.kind == "procedure:1.001612"
    assert (
        "📍 Nơi nộp: Bộ phận Một cửa của UBND xã, phường (7:30–17:00 các ngày làm việc)"
        in card.text.splitlines()
    )


async def test_the_centers_hours_are_answered_not_a_procedure(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    chat = _chat(sessions, index, Clock(), **CENTER)

    [hours] = await chat.say("an", "giờ làm việc của trung tâm hành chính công")
    [bare] = await chat.say("an", "gio lam viec cua trung tam hanh chinh cong")

    assert hours.kind == "center"
    assert hours.text.splitlines()[:2] == [
        "🏢 Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa",
        f"🕘 Giờ làm việc: {CENTER['center_hours']}",
    ]
    assert bare.text == hours.text
    assert "menu:ask" in choices(hours)


async def test_where_the_center_is_gives_its_address_and_the_map(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    chat = _chat(sessions, index, Clock(), **CENTER)

    [reply] = await chat.say("an", "trung tâm hành chính công tỉnh ở đâu vậy")

    assert reply.kind == "center"
    assert f"📍 Địa chỉ: {CENTER['center_address']}" in reply.text.splitlines()
    links = {b.label: b.url for b in reply.all_buttons() if b.url}
    assert links == {
        "🗺 Xem bản đồ": CENTER["center_map_url"],
        "🌐 Cổng Dịch vụ công": CENTER["portal_url"],
    }


async def test_the_hotline_and_portal_questions_use_the_provinces_own(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    chat = _chat(sessions, index, Clock(), **CENTER)
    [hotline] = await chat.say("an", "số điện thoại đường dây nóng")
    [portal] = await chat.say("an", "cổng dịch vụ công của tỉnh")
    assert f"📞 Đường dây nóng: {CENTER['center_hotline']}" in hotline.text.splitlines()
    assert (
        f"🌐 Cổng Dịch vụ công của tỉnh Thanh Hóa: {CENTER['portal_url']}"
        in portal.text.splitlines()
    )


async def test_a_procedure_question_that_mentions_an_address_still_gets_the_procedure(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    chat = _chat(sessions, index, Clock(), **CENTER)
    [card] = await chat.say("an", "địa chỉ nộp hồ sơ đăng ký thành lập công ty cổ phần")
    [there] = await chat.say(
        "bo", "nộp hồ sơ thành lập công ty cổ phần tại trung tâm hành chính công ở đâu"
    )
    assert card.kind == f"procedure:{COMPANY}"
    assert there.kind == f"procedure:{COMPANY}"


async def test_talking_to_a_person_gives_the_provinces_hotline(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    chat = _chat(sessions, index, Clock(), **CENTER)
    await chat.say("an", "hôm nay trời Hà Nội có lạnh không")
    [contact, intro] = await chat.press("an", "human")
    assert CENTER["center_hotline"] in contact.text
    assert "1800 1096" not in contact.text + intro.text


async def test_an_admins_override_and_a_local_note_reach_the_card_within_the_refresh(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    clock = Clock()
    chat = _chat(sessions, index, clock, **CENTER)
    [before] = await chat.say("an", "khôi phục mã số thuế")
    async with sessions.begin() as session:
        assert (
            await set_detail(session, "center_address", "25 Trần Phú", now=clock(), by="Lan")
            is None
        )
        assert (
            await set_note(
                session, TAX, "Lệ phí theo Nghị quyết 12/2025 của HĐND tỉnh.", now=clock(), by="Lan"
            )
            is None
        )

    [cached] = await chat.say("an", "khôi phục mã số thuế")
    clock.advance(seconds=30)
    [after] = await chat.say("an", "khôi phục mã số thuế")

    assert cached.text == before.text
    lines = after.text.splitlines()
    assert "📍 Nơi nộp: Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa, 25 Trần Phú" in lines
    assert "📌 Ghi chú của tỉnh: Lệ phí theo Nghị quyết 12/2025 của HĐND tỉnh." in lines


async def test_a_detail_with_a_link_must_be_a_link(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    async with sessions.begin() as session:
        refused = await set_detail(session, "portal_url", "dichvucong", now=Clock()(), by="Lan")
        unknown = await set_detail(session, "mayor", "x", now=Clock()(), by="Lan")
    assert (refused, unknown) == ("province.not_a_link", "province.unknown_detail")


def test_a_citys_default_departments_say_thanh_pho_and_an_operators_stay_as_written() -> None:
    city = Settings(environment="test", province="Cần Thơ")
    assert default_department("thue", city) == "Thuế thành phố"
    assert default_department("pccc", city).startswith("Công an thành phố")
    assert default_department("thue", Settings(environment="test")) == "Thuế tỉnh"
    own = Settings(
        environment="test", province="Cần Thơ", petition_departments={"thue": "Thuế tỉnh"}
    )
    assert default_department("thue", own) == "Thuế tỉnh"

import pytest

from troly.knowledge.admin_units import AdminUnits, CommuneKind, load_admin_units


@pytest.fixture(scope="module")
def units() -> AdminUnits:
    return load_admin_units()


def test_there_are_34_provinces_and_3321_communes(units: AdminUnits) -> None:
    total = sum(len(units.communes_of(p.code)) for p in units.provinces)

    assert (len(units.provinces), total) == (34, 3321)


def test_thanh_hoa_has_166_communes_and_wards(units: AdminUnits) -> None:
    communes = units.communes_of("38")
    kinds = [c.kind for c in communes]

    assert len(communes) == 166
    assert (kinds.count(CommuneKind.COMMUNE), kinds.count(CommuneKind.WARD)) == (147, 19)


@pytest.mark.parametrize(
    "text", ["Thanh Hóa", "Tỉnh Thanh Hóa", "thanh hoa", "THANH HOÁ", "tinh  thanh-hoa", "38"]
)
def test_thanh_hoa_is_found_however_it_is_typed(units: AdminUnits, text: str) -> None:
    province = units.province(text)

    assert province is not None
    assert (province.code, province.name, province.short_name) == (
        "38",
        "Tỉnh Thanh Hóa",
        "Thanh Hóa",
    )


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Hà Nội", "01"),
        ("thành phố hà nội", "01"),
        ("1", "01"),
        ("TP.HCM", "79"),
        ("Hồ Chí Minh", "79"),
        ("ha tinh", "42"),
        ("Cần Thơ", "92"),
    ],
)
def test_other_provinces_are_found_by_name_or_code(units: AdminUnits, text: str, code: str) -> None:
    province = units.province(text)

    assert province is not None
    assert province.code == code


@pytest.mark.parametrize("text", ["Sóc Trăng", "Atlantis", "99", ""])
def test_former_or_unknown_provinces_are_not_found(units: AdminUnits, text: str) -> None:
    assert units.province(text) is None


def test_merged_province_remembers_what_it_was_made_from(units: AdminUnits) -> None:
    can_tho = units.province("92")

    assert can_tho is not None
    assert "Tỉnh Sóc Trăng" in can_tho.merged_from


def test_phuong_ba_dinh_without_accents_is_found_in_ha_noi(units: AdminUnits) -> None:
    found = units.find_commune("01", "phuong ba dinh")

    assert found[0].name == "Phường Ba Đình"
    assert found[0].province_code == "01"


def test_the_kind_word_is_optional(units: AdminUnits) -> None:
    assert units.find_commune("01", "Ba Đình")[0].name == "Phường Ba Đình"
    assert units.find_commune("38", "p. ham rong")[0].name == "Phường Hàm Rồng"


def test_a_typo_still_finds_the_ward(units: AdminUnits) -> None:
    assert units.find_commune("38", "ham rog")[0].name == "Phường Hàm Rồng"
    assert units.find_commune("38", "hac thnh")[0].name == "Phường Hạc Thành"


def test_a_name_that_begins_like_a_kind_word_is_still_found(units: AdminUnits) -> None:
    assert units.find_commune("01", "phuong liet")[0].name == "Phường Phương Liệt"


def test_typed_accents_and_kind_pick_between_names_that_fold_alike(units: AdminUnits) -> None:
    by_accent = units.find_commune("38", "Đông Tiến")
    by_kind = units.find_commune("38", "xa dong tien")

    assert [c.name for c in by_accent[:2]] == ["Phường Đông Tiến", "Xã Đồng Tiến"]
    assert [c.name for c in by_kind[:2]] == ["Xã Đồng Tiến", "Phường Đông Tiến"]


def test_search_stays_inside_the_province(units: AdminUnits) -> None:
    found = units.find_commune("38", "ba dinh")

    assert [(c.name, c.province_code) for c in found] == [("Xã Ba Đình", "38")]


def test_at_most_five_results_come_back(units: AdminUnits) -> None:
    assert len(units.find_commune("38", "xa", score_cutoff=0)) == 5


@pytest.mark.parametrize(
    ("code", "text"), [("38", ""), ("38", "xã"), ("99", "ba dinh"), ("38", "khong co xa nay")]
)
def test_nothing_sensible_finds_nothing(units: AdminUnits, code: str, text: str) -> None:
    assert units.find_commune(code, text) == []

"""The everyday names per record (knowledge/aliases.py): well-formed, unambiguous, and they work.

Checked against the records alone: each code exists, each name is a short phrase, a name is
shared only by level variants of one procedure, and representative names lead the matcher to
their record.
"""

from __future__ import annotations

import re
from collections import defaultdict
from difflib import SequenceMatcher

import pytest

from troly.knowledge.aliases import ALIASES
from troly.knowledge.folding import basic_fold
from troly.knowledge.index import ProcedureIndex
from troly.knowledge.records import KnowledgeBase


def _core(name: str) -> str:
    """A record name without bracketed level notes ("(cấp tỉnh)"), folded."""
    return basic_fold(re.sub(r"\([^)]*(\)|$)", " ", name)).strip()


def test_every_code_is_a_record(kb: KnowledgeBase) -> None:
    missing = [code for code in ALIASES if kb.get(code) is None]
    assert missing == []


def test_aliases_are_short_non_empty_phrases() -> None:
    for code, names in ALIASES.items():
        assert names, code
        for name in names:
            words = name.split()
            assert 2 <= len(words) <= 10, (code, name)
            assert name == name.strip() and "?" not in name, (code, name)


def test_no_alias_repeated_within_a_record() -> None:
    for code, names in ALIASES.items():
        folded = [basic_fold(n) for n in names]
        assert len(folded) == len(set(folded)), code


def test_shared_aliases_belong_to_level_variants(kb: KnowledgeBase) -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for code, names in ALIASES.items():
        for name in names:
            owners[basic_fold(name)].add(code)
    for alias, codes in owners.items():
        if len(codes) < 2:
            continue
        cores = sorted(_core(kb.procedures[c].name) for c in codes)
        for other in cores[1:]:
            ratio = SequenceMatcher(None, cores[0], other, autojunk=False).ratio()
            assert ratio >= 0.6, (alias, sorted(codes))


def _variants(code: str) -> set[str]:
    """The records sharing an everyday name with this one (its level variants)."""
    names = {basic_fold(n) for n in ALIASES[code]}
    return {c for c, ns in ALIASES.items() if names & {basic_fold(n) for n in ns}}


REPRESENTATIVE = [
    ("mở công ty một thành viên", "2.001583"),
    ("đổi giám đốc công ty", "2.002011"),
    ("giải thể công ty", "2.002023"),
    ("tạm nghỉ bán hộ kinh doanh", "1.001570"),
    ("mở chi nhánh hợp tác xã", "2.002123"),
    ("đóng mã số thuế", "1.007607"),
    ("mua hóa đơn lẻ", "1.010339"),
    ("nộp thuế khi bán nhà đất", "1.007674"),
    ("xin giấy xác nhận không nợ thuế", "1.008591"),
    ("khai hải quan hàng nhập khẩu", "1.006440"),
    ("tách sổ đỏ", "1.012784"),
    ("xin phép sửa nhà", "1.013229"),
    ("báo tăng lao động", "1.002051"),
    ("phù hiệu xe tải", "2.002288"),
    ("giấy phép khai thác nước ngầm", "1.004223"),
    ("sao y bản chính", "2.000815"),
    ("mở cửa hàng thuốc thú y", "1.001686"),
    ("đăng ký nuôi cá lồng bè", "1.014801"),
    ("xin cấp phép phòng cháy chữa cháy", "3.000489"),
    ("đăng ký thế chấp sổ đỏ vay ngân hàng", "1.011441"),
    ("thuế nhà thầu nước ngoài", "1.008333"),
    ("nộp thuế nhầm tài khoản", "1.008345"),
    ("hàng xuất khẩu bị khách trả về", "1.007843"),
    ("gửi hàng nước ngoài vào kho ngoại quan", "2.001243"),
    ("sửa đổi giấy phép môi trường", "1.010729"),
    ("sang nhượng mỏ cát", "1.014270"),
    ("giấy phép cho xe chạy sang Lào", "1.002856"),
    ("xin phép nhập khẩu phân bón", "1.007929"),
    ("xin giấy phép đầu tư ra nước ngoài", "2.000239"),
    ("xác định trước mã HS", "1.007807"),
    ("IPO cổ phiếu lần đầu", "1.009496"),
    ("đăng kiểm xe ô tô định kỳ", "1.005103"),
    ("công ty bảo lãnh người nước ngoài nhập cảnh", "1.003425"),
    ("đăng ký thế chấp xe ô tô vay ngân hàng", "1.011435"),
    ("đổi tiền rách", "2.001077"),
    ("làm thẻ ra vào sân bay", "3.000368"),
    ("xin phép nổ mìn gần đập thủy lợi", "2.001795"),
    ("chuyển chi nhánh phụ thuộc sang hạch toán độc lập", "2.002321"),
    ("mở tài khoản tín chỉ carbon", "1.014129"),
    ("hợp nhất hai công ty thành một", "2.002085"),
]


@pytest.mark.parametrize(("alias", "code"), REPRESENTATIVE)
def test_representative_alias_finds_its_record(
    index: ProcedureIndex, alias: str, code: str
) -> None:
    assert code in {c for c, names in ALIASES.items() for n in names if n == alias}
    best = index.search(alias).best
    assert best is not None
    assert best.code == code or best.code in _variants(code)

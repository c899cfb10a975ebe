"""Which aspect a question asks about, and the question left once the aspect phrase is out."""

from __future__ import annotations

import pytest

from troly.knowledge.aspects import Aspect, detect_aspect
from troly.knowledge.folding import Folder
from troly.knowledge.index import ProcedureIndex

FOLD = Folder().fold


@pytest.mark.parametrize(
    ("question", "aspect"),
    [
        ("đăng ký hộ kinh doanh mất bao lâu", Aspect.TIME),
        ("thanh lap cong ty bao lau thi xong", Aspect.TIME),
        ("thời hạn giải quyết hoàn thuế", Aspect.TIME),
        ("thành lập công ty cổ phần phí bao nhiêu", Aspect.FEE),
        ("cấp lại giấy phép lái xe có mất lệ phí không", Aspect.FEE),
        ("lam ho chieu het bao nhieu tien", Aspect.FEE),
        ("lệ phí thành lập công ty tnhh 1 thành viên", Aspect.FEE),
        ("lệ phí trước bạ nhà đất", Aspect.GENERAL),  # the name of a fee, not "how much"
        ("đăng ký hộ kinh doanh cần giấy tờ gì", Aspect.DOCUMENTS),
        ("hồ sơ gồm những gì để giải thể doanh nghiệp", Aspect.DOCUMENTS),
        ("thanh lap htx can chuan bi nhung giay to nao", Aspect.DOCUMENTS),
        ("đăng ký hộ kinh doanh nộp ở đâu", Aspect.WHERE),
        ("cơ quan nào cấp giấy phép lái xe", Aspect.AGENCY),
        ("chấp thuận chủ trương đầu tư do ai giải quyết", Aspect.AGENCY),
        ("thành lập hợp tác xã theo văn bản nào", Aspect.LEGAL_BASIS),
        ("căn cứ pháp lý của thủ tục giải thể doanh nghiệp", Aspect.LEGAL_BASIS),
        ("nộp trực tuyến được không", Aspect.ONLINE),
        ("hoàn thuế cần điều kiện gì", Aspect.CONDITIONS),
        ("trình tự thực hiện đăng ký khai sinh", Aspect.STEPS),
        ("đăng ký hộ kinh doanh", Aspect.GENERAL),
        ("giải thể doanh nghiệp", Aspect.GENERAL),
        ("how long does it take", Aspect.TIME),
        ("what is the fee", Aspect.FEE),
        ("which documents", Aspect.DOCUMENTS),
        ("where do I submit", Aspect.WHERE),
        ("legal basis", Aspect.LEGAL_BASIS),
    ],
)
def test_the_aspect_asked_is_detected(question: str, aspect: Aspect) -> None:
    assert detect_aspect(FOLD(question))[0] == aspect


@pytest.mark.parametrize(
    ("question", "rest"),
    [
        ("đăng ký ở đâu", "dang ky"),
        ("đăng ký hộ kinh doanh mất bao lâu", "dang ky ho kinh doanh"),
        ("thành lập công ty cổ phần phí bao nhiêu", "thanh lap cong ty co phan"),
        ("cấp lại giấy phép lái xe có mất lệ phí không", "cap lai giay phep lai xe"),
        ("đăng ký hộ kinh doanh cần giấy tờ gì", "dang ky ho kinh doanh"),
        ("cơ quan nào cấp giấy phép lái xe", "cap giay phep lai xe"),
        ("thành lập hợp tác xã theo văn bản nào", "thanh lap hop tac xa"),
        ("giải thể doanh nghiệp", "giai the doanh nghiep"),
        ("lệ phí đăng ký hộ kinh doanh", "dang ky ho kinh doanh"),
    ],
)
def test_the_aspect_phrase_is_removed_and_the_content_words_stay(question: str, rest: str) -> None:
    assert detect_aspect(FOLD(question))[1] == rest


def test_mat_bao_lau_does_not_leave_mat_behind() -> None:
    _, rest = detect_aspect(FOLD("cấp lại căn cước mất bao lâu"))

    assert "mat" not in rest.split()


def test_a_strong_aspect_wins_over_asking_how() -> None:
    aspect, _ = detect_aspect(FOLD("làm thế nào để biết lệ phí bao nhiêu"))

    assert aspect == Aspect.FEE


def test_asking_only_how_leads_with_the_steps() -> None:
    aspect, rest = detect_aspect(FOLD("đăng ký hộ kinh doanh như thế nào"))

    assert (aspect, rest) == (Aspect.STEPS, "dang ky ho kinh doanh")


def test_empty_question_is_general() -> None:
    assert detect_aspect("") == (Aspect.GENERAL, "")


def test_the_index_reports_the_aspect_of_a_vietnamese_question(index: ProcedureIndex) -> None:
    assert index.search("đăng ký thành lập công ty cổ phần lệ phí bao nhiêu").aspect == Aspect.FEE


def test_asking_online_keeps_the_verb_it_is_about() -> None:
    assert detect_aspect(FOLD("đăng ký online được không")) == (Aspect.ONLINE, "dang ky")


@pytest.mark.parametrize(
    ("question", "aspect"),
    [
        ("how long does it take to register a joint stock company", Aspect.TIME),
        ("how much is the fee to register a household business", Aspect.FEE),
    ],
)
def test_the_index_reports_the_aspect_of_an_english_question(
    index: ProcedureIndex, question: str, aspect: Aspect
) -> None:
    assert index.search(question).aspect == aspect

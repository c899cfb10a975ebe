"""The golden questions: the right procedure in the top 3, and no confident answer out of scope.

Written by hand over common business procedures (not taken from the dev or held-out sets); they
live in knowledge/data/golden_questions.jsonl, so the running assistant re-checks them after
staff teach it something.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from troly.knowledge.index import Decision, ProcedureIndex
from troly.knowledge.questions import golden_questions

DEV_QUESTIONS = Path(__file__).resolve().parents[2] / "shared" / "data" / "dev_questions.jsonl"


GOLDEN = golden_questions()
IN_SCOPE = [(q.question, q.expected[0]) for q in GOLDEN if q.expected]
OUT_OF_SCOPE = [q.question for q in GOLDEN if not q.expected]


def test_the_golden_set_covers_every_way_of_asking() -> None:
    groups = Counter(q.group for q in GOLDEN)

    assert set(groups) == {
        "diacritics",
        "no_diacritics",
        "typos",
        "abbreviations",
        "english",
        "out_of_scope",
    }
    assert min(groups.values()) >= 6


@pytest.mark.parametrize(("question", "code"), IN_SCOPE)
def test_the_right_procedure_is_in_the_top_three(
    index: ProcedureIndex, question: str, code: str
) -> None:
    top3 = [m.code for m in index.search(question).matches]

    assert code in top3, f"{question!r}: expected {code} in {top3}"


def test_every_golden_code_is_a_real_procedure(index: ProcedureIndex) -> None:
    codes = {code for _, code in IN_SCOPE}

    unknown = sorted(code for code in codes if index.kb.get(code) is None)

    assert unknown == []


@pytest.mark.parametrize("question", OUT_OF_SCOPE)
def test_an_out_of_scope_question_is_never_answered_confidently(
    index: ProcedureIndex, question: str
) -> None:
    result = index.search(question)

    assert result.decision in (Decision.UNKNOWN, Decision.CHOOSE), (
        f"{question!r} answered {result.best.code if result.best else None}"
    )


@pytest.mark.parametrize(
    "question", ["thủ tục 1.001612", "thu tuc 1001612 mat bao lau", "Mã 1.001612 cần giấy tờ gì?"]
)
def test_a_procedure_code_in_the_question_answers_that_procedure(
    index: ProcedureIndex, question: str
) -> None:
    result = index.search(question)

    assert (result.decision, result.matches[0].code) == (Decision.ANSWER, "1.001612")
    assert len(result.matches) == 3


@pytest.mark.parametrize(
    "question",
    [
        "đăng ký hộ kinh doanh cần giấy tờ gì",  # the welcome message's own example
        "dang ky ho kinh doanh",
        "register a household business",
    ],
)
def test_records_doing_something_else_do_not_make_a_question_ambiguous(
    index: ProcedureIndex, question: str
) -> None:
    # "Dừng thực hiện thủ tục đăng ký hộ kinh doanh" and "Đăng ký thay đổi nội dung…" share
    # the words, but the question asks for no stop and no change: it is answered outright.
    result = index.search(question)

    assert (result.decision, result.matches[0].code) == (Decision.ANSWER, "1.001612")


@pytest.mark.parametrize(
    ("question", "code"),
    [
        # "Giảm kiểm tra…" (reduced inspection) is another action than the inspection itself.
        ("kiem tra chat luong thuc an chan nuoi nhap khau", "1.008124"),
        # Restoring an activity suspended for fire safety is its own procedure.
        ("xin phục hồi hoạt động cơ sở sau khi bị đình chỉ pccc", "3.000494"),
    ],
)
def test_actions_beyond_issue_and_change_are_told_apart(
    index: ProcedureIndex, question: str, code: str
) -> None:
    assert index.search(question).matches[0].code == code


@pytest.mark.parametrize(
    "question", ["giai the cong ty tnhh", "giải thể công ty TNHH", "giai the cty tnhh 1 thanh vien"]
)
def test_an_action_typed_without_diacritics_keeps_its_meaning(
    index: ProcedureIndex, question: str
) -> None:
    # "giai the" is dissolution: the records that found or convert a company share more words
    # ("công ty TNHH") but do something else, so they are neither first nor a choice.
    result = index.search(question)
    offered = [m.code for m in (result.choices or result.matches[:1])]
    names = [m.procedure.name.lower() for m in result.choices or result.matches[:3]]

    assert ("2.002023" in offered, any("thành lập" in n or "chuyển đổi" in n for n in names)) == (
        True,
        False,
    )


def test_an_unknown_code_in_the_question_is_not_answered_by_code(index: ProcedureIndex) -> None:
    result = index.search("thủ tục 1.999999")

    assert [m.code for m in result.matches][:1] != ["1.999999"]


@pytest.fixture(scope="module")
def dev_questions() -> list[dict[str, object]]:
    if not DEV_QUESTIONS.exists():
        pytest.skip(f"{DEV_QUESTIONS} is absent")
    with DEV_QUESTIONS.open(encoding="utf-8") as fh:
        return [json.loads(row) for row in fh if row.strip()]


def test_the_dev_set_keeps_the_right_procedure_in_the_top_three(
    index: ProcedureIndex, dev_questions: list[dict[str, object]]
) -> None:
    in_scope = [q for q in dev_questions if q["expected"]]
    hits = sum(
        bool(set(q["expected"]) & {m.code for m in index.search(str(q["question"])).matches[:3]})
        for q in in_scope
    )

    assert hits / len(in_scope) >= 0.93, f"top-3 {hits}/{len(in_scope)}"


def test_the_dev_set_says_unknown_to_out_of_scope_questions(
    index: ProcedureIndex, dev_questions: list[dict[str, object]]
) -> None:
    out_of_scope = [q for q in dev_questions if not q["expected"]]
    unknown = sum(
        index.search(str(q["question"])).decision is Decision.UNKNOWN for q in out_of_scope
    )

    assert unknown / len(out_of_scope) >= 0.90, f"unknown {unknown}/{len(out_of_scope)}"


HELD_OUT = Path(__file__).parent / "data" / "heldout_questions.jsonl"


@pytest.fixture(scope="module")
def held_out() -> list[dict[str, object]]:
    with HELD_OUT.open(encoding="utf-8") as fh:
        return [json.loads(row) for row in fh if row.strip()]


def test_the_held_out_set_keeps_its_accuracy(
    index: ProcedureIndex, held_out: list[dict[str, object]]
) -> None:
    in_scope = [q for q in held_out if q["expected"]]
    results = [(q, index.search(str(q["question"]))) for q in in_scope]
    top3 = sum(bool(set(q["expected"]) & {m.code for m in r.matches[:3]}) for q, r in results)
    declined = sum(r.decision is Decision.UNKNOWN for _, r in results)

    assert (top3 / len(in_scope) >= 0.88, declined / len(in_scope) <= 0.05) == (True, True), (
        f"top-3 {top3}/{len(in_scope)}, declined {declined}/{len(in_scope)}"
    )


def test_the_held_out_set_says_unknown_to_out_of_scope_questions(
    index: ProcedureIndex, held_out: list[dict[str, object]]
) -> None:
    out_of_scope = [q for q in held_out if not q["expected"]]
    unknown = sum(
        index.search(str(q["question"])).decision is Decision.UNKNOWN for q in out_of_scope
    )

    assert unknown / len(out_of_scope) >= 0.80, f"unknown {unknown}/{len(out_of_scope)}"

"""``troly kb teach|taught|untaught|export-taught|unanswered`` from the terminal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from troly.handlers.cli import main
from troly.knowledge.aliases import parse_everyday

DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "dev_questions.jsonl"


@pytest.fixture(autouse=True)
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "t.db"
    monkeypatch.setenv("TROLY_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("TROLY_DEV_QUESTIONS_PATH", str(DEV))
    return path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().out


def ask(question: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code, out = run(["ask", "--json", question], capsys)
    assert code == 0
    result: dict[str, Any] = json.loads(out)
    return result


def test_a_taught_question_is_answered_with_its_record_until_it_is_undone(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert ask("thủ tục mở tiệm bán rượu", capsys)["decision"] != "answer"

    code, out = run(["kb", "teach", "thủ tục mở tiệm bán rượu", "1.013479", "--by", "an"], capsys)

    assert code == 0
    assert out.splitlines()[0].startswith("Đã dạy #1: «thủ tục mở tiệm bán rượu» → 1.013479.")
    assert "Kiểm tra: câu hỏi mẫu đúng" in out
    for said in ("thủ tục mở tiệm bán rượu", "thu tuc mo tiem ban ruou"):
        result = ask(said, capsys)
        assert (result["decision"], result["matches"][0]["code"]) == ("answer", "1.013479")

    code, listed = run(["kb", "taught"], capsys)
    assert listed.startswith("#1  thủ tục mở tiệm bán rượu  →  1.013479  · an ")

    code, out = run(["kb", "untaught", "1"], capsys)
    assert code == 0
    assert out.splitlines()[0] == "Đã bỏ câu đã dạy #1. / Teach #1 undone."
    assert "Kiểm tra: câu hỏi mẫu đúng" in out  # an undo is checked like a teach
    assert ask("thủ tục mở tiệm bán rượu", capsys)["decision"] != "answer"
    assert run(["kb", "taught"], capsys) == (0, "")
    assert run(["kb", "untaught", "1"], capsys)[0] == 1


def test_a_teach_that_makes_a_golden_question_wrong_is_warned_about(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # "giấy phép bán lẻ rượu" is a golden out-of-scope question: the retail licence is not in
    # the records, and the stamps procedure is not it.
    code, out = run(["kb", "teach", "giấy phép bán rượu", "1.013479"], capsys)

    assert code == 0
    assert "⚠ Câu hỏi mẫu bị sai sau khi dạy: «giấy phép bán lẻ rượu»" in out
    if DEV.exists():
        assert "Bộ câu hỏi phát triển: đúng" in out
    _, listed = run(["kb", "taught", "--json"], capsys)
    assert json.loads(listed)["golden_broken"] == 1


def test_an_undo_that_makes_a_golden_question_wrong_is_warned_about(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The first teach makes the golden «giấy phép bán lẻ rượu» answered; the second puts it
    # right (not a procedure of the province); undoing the second makes it wrong again.
    run(["kb", "teach", "giấy phép bán rượu", "1.013479"], capsys)
    run(["kb", "teach", "giấy phép bán lẻ rượu", "--not-procedure=out_of_remit"], capsys)

    code, out = run(["kb", "untaught", "2"], capsys)

    assert code == 0
    assert "⚠ Câu hỏi mẫu bị sai sau khi bỏ câu đã dạy: «giấy phép bán lẻ rượu»" in out


def test_a_not_procedure_teach_gets_the_standard_reply_and_both_exports_read_back(
    capsys: pytest.CaptureFixture[str],
) -> None:
    run(["kb", "teach", "bạn là người hay máy", "--not-procedure=small_talk"], capsys)
    run(["kb", "teach", "mở tiệm bán rượu", "1.013479"], capsys)

    assert ask("ban la nguoi hay may", capsys)["reply"].startswith("Chào bạn! Tôi là Trợ lý")
    code, names = run(["kb", "export-taught"], capsys)
    assert code == 0
    assert parse_everyday(names, source="export")["1.013479"].names == ("mở tiệm bán rượu",)
    _, phrases = run(["kb", "export-taught", "--not-procedure"], capsys)
    lines = [line for line in phrases.splitlines() if not line.startswith("#")]
    assert lines == ["small_talk\tbạn là người hay máy"]


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["kb", "teach", "mở tiệm bán rượu", "9.999999"], "Không có thủ tục mã 9.999999"),
        (["kb", "teach", "mở tiệm bán rượu"], "Hãy chọn một thủ tục, hoặc chọn"),
        (["kb", "unanswered", "--days", "0"], "--days phải từ 1 đến 3650."),
    ],
)
def test_a_teach_or_listing_that_cannot_be_done_says_why(
    capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    code, out = run(argv, capsys)
    assert code == 2
    assert out.startswith(says)


def test_unanswered_groups_near_identical_questions_newest_first(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for question in (
        "nấu canh chua thế nào",
        "nau canh chua the nao",
        "thế nào nấu canh chua",
        "giấy phép bán rượu",
        "đăng ký hộ kinh doanh",  # answered: not listed
    ):
        ask(question, capsys)

    code, out = run(["kb", "unanswered", "--json"], capsys)

    groups = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [(g["question"], g["count"]) for g in groups] == [
        ("giay phep ban ruou", 1),
        ("nau canh chua the nao", 3),
    ]
    assert groups[1]["channels"] == {"cli": 3}
    assert groups[1]["decisions"] == {"unknown": 3}
    _, text = run(["kb", "unanswered", "--days", "7"], capsys)
    assert "   3  nau canh chua the nao\n" in text

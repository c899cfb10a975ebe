"""The ``troly`` command line: the ``ask --json`` contract, stdin mode, kb stats, db."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory

from troly.bot.storage.database import alembic_config
from troly.bot.texts import t
from troly.handlers.cli import main

MATCH_KEYS = {"code", "name", "score"}


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A SQLite file in the test's directory, named by TROLY_DATABASE_URL."""
    path = tmp_path / "t.db"
    monkeypatch.setenv("TROLY_DATABASE_URL", f"sqlite:///{path}")
    return path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().out


def ask_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code, out = run(["ask", "--json", *argv], capsys)
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 1
    result: dict[str, Any] = json.loads(lines[0])
    return result


def assert_contract(result: dict[str, Any], question: str, k: int = 3) -> None:
    assert set(result) == {"question", "decision", "matches", "reply"}
    assert result["question"] == question
    assert result["decision"] in {"answer", "choose", "unknown"}
    assert isinstance(result["reply"], str)
    assert result["reply"] != ""
    matches = result["matches"]
    assert isinstance(matches, list)
    assert len(matches) == k
    for match in matches:
        assert set(match) == MATCH_KEYS
        assert isinstance(match["code"], str)
        assert isinstance(match["name"], str)
        assert isinstance(match["score"], int | float)
        assert not isinstance(match["score"], bool)
    scores = [m["score"] for m in matches]
    assert scores == sorted(scores, reverse=True)


# ask --json ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("database")
def test_ask_json_prints_the_contract_shape(capsys: pytest.CaptureFixture[str]) -> None:
    question = "đăng ký hộ kinh doanh"

    result = ask_json([question], capsys)

    assert_contract(result, question)
    assert result["matches"][0]["code"] == "1.001612"


@pytest.mark.usefixtures("database")
def test_ask_json_joins_the_words_of_an_unquoted_question(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = ask_json(["giải", "thể", "doanh", "nghiệp"], capsys)

    assert_contract(result, "giải thể doanh nghiệp")


@pytest.mark.usefixtures("database")
def test_an_answer_has_three_matches_and_the_card(capsys: pytest.CaptureFixture[str]) -> None:
    question = "Thủ tục đăng ký thành lập hộ kinh doanh cần giấy tờ gì?"

    result = ask_json([question], capsys)

    assert_contract(result, question)
    assert result["decision"] == "answer"
    assert result["reply"].startswith("📑 Hồ sơ cần chuẩn bị (trang 1/")
    assert "📄 Đăng ký thành lập hộ kinh doanh" in result["reply"]


@pytest.mark.usefixtures("database")
def test_k_five_gives_five_matches(capsys: pytest.CaptureFixture[str]) -> None:
    result = ask_json(["-k", "5", "giải thể doanh nghiệp"], capsys)

    assert_contract(result, "giải thể doanh nghiệp", k=5)


@pytest.mark.usefixtures("database")
def test_hello_is_unknown_and_still_lists_three_matches(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = ask_json(["hello"], capsys)

    assert_contract(result, "hello")
    assert result["decision"] == "unknown"
    assert result["reply"] == t("ask.unknown", "vi")


@pytest.mark.usefixtures("database")
def test_a_question_of_unknown_words_still_lists_three_matches(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = ask_json(["jshdkfjhs"], capsys)

    assert_contract(result, "jshdkfjhs")
    assert result["decision"] == "unknown"


@pytest.mark.usefixtures("database")
def test_a_code_in_the_question_lists_three_matches(capsys: pytest.CaptureFixture[str]) -> None:
    # The contract: matches always holds the best 3, whatever the decision.
    result = ask_json(["thủ tục 1.001612"], capsys)

    assert (result["decision"], result["matches"][0]["code"]) == ("answer", "1.001612")
    assert len(result["matches"]) == 3


@pytest.mark.usefixtures("database")
def test_english_locale_replies_in_english(capsys: pytest.CaptureFixture[str]) -> None:
    result = ask_json(["--locale", "en", "hello"], capsys)

    assert result["reply"] == t("ask.unknown", "en")


@pytest.mark.usefixtures("database")
def test_ask_refuses_k_below_one(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["ask", "--json", "-k", "0", "hello"])

    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    assert "-k" in captured.err


# stdin mode ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("database")
def test_stdin_mode_writes_one_object_per_line_in_order(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    questions = ["đăng ký hộ kinh doanh", "hello", "giai the doanh nghiep", "hoàn thuế gtgt"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(questions) + "\n"))

    code, out = run(["ask", "--json", "-"], capsys)

    results = [json.loads(row) for row in out.splitlines()]
    assert code == 0
    assert [r["question"] for r in results] == questions
    for result, question in zip(results, questions, strict=True):
        assert_contract(result, question)


@pytest.mark.usefixtures("database")
def test_stdin_mode_without_a_final_newline_reads_the_last_question(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("hello\nđăng ký hộ kinh doanh"))

    _, out = run(["ask", "--json", "-"], capsys)

    assert [json.loads(row)["question"] for row in out.splitlines()] == [
        "hello",
        "đăng ký hộ kinh doanh",
    ]


# plain mode ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("database")
def test_plain_mode_prints_the_card_and_numbered_buttons(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = run(["ask", "Thủ tục đăng ký thành lập hộ kinh doanh cần giấy tờ gì?"], capsys)

    assert code == 0
    assert out.startswith("📑 Hồ sơ cần chuẩn bị (trang 1/3)\n📄 Đăng ký thành lập hộ kinh doanh\n")
    assert "  [1] Xem tiếp ▶" in out


@pytest.mark.usefixtures("database")
def test_plain_mode_offers_choices(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = run(["ask", "thành lập công ty"], capsys)

    assert out.splitlines()[0] == t("ask.choose_lead", "vi", lead="Đăng ký thành lập công ty")
    assert "Không phải các thủ tục trên" in out


@pytest.mark.usefixtures("database")
def test_a_too_long_question_gets_the_polite_reply(capsys: pytest.CaptureFixture[str]) -> None:
    question = "đăng ký hộ kinh doanh " * 50
    assert len(question) > 1000

    result = ask_json([question], capsys)

    assert result["reply"] == t("ask.too_long", "vi", length=len(question), limit=1000)
    assert len(result["matches"]) == 3


@pytest.mark.usefixtures("database")
def test_the_question_limit_comes_from_the_settings(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TROLY_MAX_QUESTION_CHARS", "50")
    question = "thủ tục đăng ký thành lập hộ kinh doanh ở tỉnh Thanh Hóa mất bao lâu"

    result = ask_json([question], capsys)

    assert result["reply"] == t("ask.too_long", "vi", length=len(question), limit=50)


# kb and db ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("database")
def test_kb_stats_counts_the_bundled_procedures(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["kb", "stats"], capsys)

    assert code == 0
    assert "Thủ tục / procedures: 2642\n" in out
    assert "Bản ghi lỗi bị bỏ qua / malformed records skipped: 0\n" in out


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_the_first_migration_is_the_question_log() -> None:
    scripts = ScriptDirectory.from_config(alembic_config())

    assert scripts.get_base() == "0001"


def test_db_upgrade_then_current_prints_the_head_revision(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head = head_revision()

    upgraded = run(["db", "upgrade"], capsys)
    current = run(["db", "current"], capsys)

    assert upgraded == (0, f"database at revision {head}\n")
    assert current == (0, f"database at revision {head}\n")
    assert database.exists()


@pytest.mark.usefixtures("database")
def test_db_current_before_any_upgrade_prints_none(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["db", "current"], capsys) == (0, "database at revision None\n")


# The installed console script ---------------------------------------------------------------


def test_the_installed_console_script_prints_the_json_contract(tmp_path: Path) -> None:
    troly = shutil.which("troly")
    if troly is None:
        pytest.skip("the troly console script is not installed")
    env = {**os.environ, "TROLY_DATABASE_URL": f"sqlite:///{tmp_path / 'script.db'}"}
    question = "đăng ký hộ kinh doanh"

    done = subprocess.run(
        [troly, "ask", "--json", question],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert_contract(result, question)
    assert result["matches"][0]["code"] == "1.001612"
    assert (tmp_path / "script.db").exists()

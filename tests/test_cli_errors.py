"""The ``troly`` command's own errors: one line, Vietnamese then English, no traceback."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from troly.bot.settings import Settings
from troly.handlers import cli


def database_problem(reason: str) -> str:
    return (
        f"Không dùng được cơ sở dữ liệu ({reason}): kiểm tra TROLY_DATABASE_URL, thư mục và "
        f"quyền ghi / cannot use the database ({reason}): check TROLY_DATABASE_URL, its folder "
        "and write permission\n"
    )


def test_an_sqlite_file_in_a_missing_folder_gets_one_line_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing"
    monkeypatch.setenv("TROLY_DATABASE_URL", f"sqlite:///{missing / 't.db'}")
    for argv in (["db", "upgrade"], ["sessions", "list"], ["staff", "list"]):
        assert cli.main(argv) == 1
        assert capsys.readouterr() == ("", database_problem(f"no folder {missing}"))
    monkeypatch.setenv("TROLY_DATABASE_URL", f"sqlite:///{tmp_path}")
    assert cli.main(["db", "upgrade"]) == 1
    assert capsys.readouterr().err == database_problem(f"{tmp_path} is a folder")


def test_a_database_that_refuses_the_connection_gets_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(_args: argparse.Namespace, _settings: Settings) -> int:
        raise OperationalError("SELECT 1", {}, Exception("connection refused\ndetails"))

    monkeypatch.setenv("TROLY_DATABASE_URL", "postgresql://troly:secret@db.invalid/troly")
    monkeypatch.setattr(cli, "_dispatch", refuse)
    assert cli.main(["db", "upgrade"]) == 1
    out, err = capsys.readouterr()
    assert (out, err) == ("", database_problem("connection refused"))
    assert "secret" not in err


def test_an_unknown_command_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["frobnicate"])
    assert exited.value.code == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("Lệnh chưa đúng / invalid command: troly: argument command:")


BAD = "Cấu hình chưa đúng / bad setting: "


@pytest.mark.parametrize("argv", [["serve"], ["db", "upgrade"], ["kb", "stats"], ["ask", "mst"]])
def test_a_port_that_is_not_a_number_is_one_line_naming_it_with_an_example(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    monkeypatch.setenv("TROLY_PORT", "abc")
    assert cli.main(argv) == 2
    assert capsys.readouterr() == (
        "",
        BAD + "TROLY_PORT phải là số nguyên / must be a whole number "
        "(ví dụ / e.g. TROLY_PORT=8080)\n",
    )


def test_every_bad_setting_gets_its_own_line_and_no_value_is_quoted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TROLY_ENVIRONMENT", "production")
    monkeypatch.setenv("TROLY_TELEGRAM_TOKEN", "changeme")
    monkeypatch.setenv("TROLY_PORT", "99999")
    monkeypatch.setenv("TROLY_SCOPE_THRESHOLD", "1.5")
    monkeypatch.setenv("TROLY_STAFF_CHAT_ID", "nhóm cán bộ")
    monkeypatch.setenv("TROLY_DATABASE_URL", "mysql://root:hunter2@db/troly")

    assert cli.main(["serve"]) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        BAD + "TROLY_PORT phải không quá 65535 / must be at most 65535 "
        "(ví dụ / e.g. TROLY_PORT=8080)",
        BAD + "TROLY_SCOPE_THRESHOLD phải không quá 1 / must be at most 1 "
        "(ví dụ / e.g. TROLY_SCOPE_THRESHOLD=0.6)",
        BAD + "TROLY_STAFF_CHAT_ID phải là số nguyên / must be a whole number "
        "(ví dụ / e.g. TROLY_STAFF_CHAT_ID=-1001234567890)",
    ]
    monkeypatch.setenv("TROLY_PORT", "8080")
    monkeypatch.delenv("TROLY_SCOPE_THRESHOLD")
    monkeypatch.delenv("TROLY_STAFF_CHAT_ID")

    assert cli.main(["serve"]) == 2

    err = capsys.readouterr().err
    assert err.splitlines() == [
        BAD + "TROLY_DATABASE_URL phải là URL sqlite:// hoặc postgresql:// / must be an "
        "sqlite:// or postgresql:// URL "
        "(ví dụ / e.g. TROLY_DATABASE_URL=postgresql://troly@db:5432/troly)",
        BAD + "TROLY_TELEGRAM_TOKEN là giá trị mẫu, không phải bí mật thật / holds a "
        "placeholder, not a secret (đặt giá trị thật, hoặc TROLY_ENVIRONMENT=development để "
        "thử / set the real one, or TROLY_ENVIRONMENT=development to try things out)",
    ]
    assert "hunter2" not in err and "changeme" not in err


@pytest.mark.parametrize(
    ("name", "value", "line"),
    [
        (
            "TROLY_ENVIRONMENT",
            "prod",
            "TROLY_ENVIRONMENT phải là một trong 'development', 'production' or 'test' / must "
            "be one of 'development', 'production' or 'test' "
            "(ví dụ / e.g. TROLY_ENVIRONMENT=development)",
        ),
        (
            "TROLY_SESSION_DEPARTMENTS",
            "Sở Tài chính, Sở Xây dựng",
            "TROLY_SESSION_DEPARTMENTS phải là JSON / must be JSON "
            '(ví dụ / e.g. TROLY_SESSION_DEPARTMENTS=["Sở Tài chính", "Sở Xây dựng"])',
        ),
        (
            "TROLY_PETITION_DIGEST_TIME",
            "8h",
            "TROLY_PETITION_DIGEST_TIME không đúng dạng / has the wrong form "
            "(ví dụ / e.g. TROLY_PETITION_DIGEST_TIME=08:00)",
        ),
        (
            "TROLY_TIMEZONE",
            "Hanoi",
            "TROLY_TIMEZONE không phải múi giờ / is not a time zone "
            "(ví dụ / e.g. TROLY_TIMEZONE=Asia/Ho_Chi_Minh)",
        ),
        (
            "TROLY_ZALO_BOT_WEBHOOK_SECRET",
            "short",
            "TROLY_ZALO_BOT_WEBHOOK_SECRET phải dài 8–256 ký tự / must be 8 to 256 characters "
            "(ví dụ / e.g. 64 hex digits from "
            "python3 -c 'import secrets; print(secrets.token_hex(32))')",
        ),
    ],
)
def test_each_kind_of_bad_setting_says_what_is_wrong_and_an_example(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    value: str,
    line: str,
) -> None:
    monkeypatch.setenv(name, value)
    assert cli.main(["db", "current"]) == 2
    assert capsys.readouterr() == ("", BAD + line + "\n")


def test_troly_serve_with_a_bad_port_exits_2_with_one_line(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "TROLY_PORT": "abc", "PYTHONPATH": str(Path(cli.__file__).parents[2])}
    done = subprocess.run(
        [sys.executable, "-m", "troly.handlers.cli", "serve"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.splitlines() == [
        BAD + "TROLY_PORT phải là số nguyên / must be a whole number (ví dụ / e.g. TROLY_PORT=8080)"
    ]

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

"""``troly staff …``: what the roster refuses, in one line, before anything is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from troly.handlers import cli


@pytest.fixture(autouse=True)
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "staff.db"
    monkeypatch.setenv("TROLY_DATABASE_URL", f"sqlite:///{path}")
    return path


def troly(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["42", "--name", ""],
            "Tên cán bộ đang trống / the officer's name is empty\n",
        ),
        (
            ["42", "--name", "   "],
            "Tên cán bộ đang trống / the officer's name is empty\n",
        ),
        (
            ["42", "--name", "Lan\nDROP"],
            "Tên cán bộ phải là một dòng chữ / the officer's name must be one line of text\n",
        ),
        (
            ["42", "--name", "L" * 121],
            "Tên cán bộ dài quá 120 ký tự / the officer's name is over 120 characters\n",
        ),
        (
            ["abc", "--name", "Lan"],
            'Mã người dùng Telegram là một số dương, không phải "abc" (gõ /id trong nhóm) '
            '/ a Telegram user id is a positive number, not "abc" (type /id in the group)\n',
        ),
        (
            ["0", "--name", "Lan"],
            'Mã người dùng Telegram là một số dương, không phải "0" (gõ /id trong nhóm) '
            '/ a Telegram user id is a positive number, not "0" (type /id in the group)\n',
        ),
        (
            ["-1001234", "--name", "Lan"],
            "-1001234 là mã của một nhóm, không phải của một người (gõ /id trong nhóm) "
            "/ -1001234 is a group's id, not a person's (type /id in the group)\n",
        ),
        (
            ["12 34", "--name", "Lan", "--channel", "zalo_oa"],
            'Mã người dùng Zalo chỉ gồm chữ và số, không phải "12 34" '
            '/ a Zalo user id is letters and digits only, not "12 34"\n',
        ),
    ],
)
def test_staff_add_refuses_nonsense_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], database: Path, argv: list[str], message: str
) -> None:
    assert troly(capsys, "staff", "add", *argv) == (2, message, "")
    assert not database.exists()


@pytest.mark.parametrize(
    ("argv", "wrong"),
    [
        (["add", "42", "--name", "Lan", "--role", "boss"], "boss"),
        (["add", "42", "--name", "Lan", "--channel", "fax"], "fax"),
        (["add", "42"], "--name"),
    ],
)
def test_staff_argument_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], wrong: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["staff", *argv])
    captured = capsys.readouterr()
    assert (exited.value.code, captured.out) == (2, "")
    [line] = captured.err.splitlines()
    assert line.startswith("Lệnh chưa đúng / invalid command: troly staff add: ")
    assert wrong in line


def test_staff_add_tidies_the_name_and_accepts_zalo_ids(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert troly(capsys, "staff", "add", " 42 ", "--name", "  Nguyễn   Lan ") == (
        0,
        "telegram 42 agent Nguyễn Lan\n",
        "",
    )
    assert troly(
        capsys, "staff", "add", "4318712907561234567", "--name", "Minh", "--channel", "zalo_oa"
    ) == (0, "zalo_oa 4318712907561234567 agent Minh\n", "")
    assert troly(capsys, "staff", "list") == (
        0,
        "zalo_oa\t4318712907561234567\tagent\tMinh\ntelegram\t42\tagent\tNguyễn Lan\n",
        "",
    )
    assert troly(capsys, "staff", "remove", "43") == (
        1,
        "Không có trong danh sách cán bộ / not on the roster: telegram 43\n",
        "",
    )

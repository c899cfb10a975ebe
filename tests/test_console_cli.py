"""``troly console add-user|reset-password``: the password from standard input, the rules."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from console_support import add_user
from support import VN
from troly.bot.console.accounts import password_matches
from troly.bot.settings import Settings
from troly.bot.staff import add_staff
from troly.bot.storage.database import create_engine, session_factory, upgrade
from troly.bot.storage.models import StaffMember

GOOD = "mua-xuan-tren-song-ma-2026"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(environment="test", database_url=f"sqlite:///{tmp_path / 'cli.db'}")


def roster(settings: Settings) -> list[StaffMember]:
    async def read() -> list[StaffMember]:
        engine = create_engine(settings.database_url)
        try:
            await upgrade(engine)
            async with session_factory(engine)() as session:
                return list((await session.execute(select(StaffMember))).scalars())
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_add_user_creates_a_web_account_with_an_argon2id_hash(settings: Settings) -> None:
    code, out = add_user(
        settings,
        "add-user",
        "Lan@ThanhHoa.gov.vn",
        "--name",
        "Nguyễn  Thị Lan",
        "--role",
        "officer",
        "--topics",
        "xaydung,thue",
        password=GOOD,
    )
    assert (code, out) == (
        0,
        "Đã lưu tài khoản lan@thanhhoa.gov.vn (vai trò officer). "
        "/ Saved the account lan@thanhhoa.gov.vn (role officer).\n",
    )
    [member] = roster(settings)
    assert (member.email, member.name, member.console_role, member.role, member.topics) == (
        "lan@thanhhoa.gov.vn",
        "Nguyễn Thị Lan",
        "officer",
        "agent",
        ["xaydung", "thue"],
    )
    assert member.password_hash is not None and member.password_hash.startswith("$argon2id$")
    assert GOOD not in member.password_hash
    assert password_matches(member.password_hash, GOOD)


def test_add_user_again_updates_the_same_account(settings: Settings) -> None:
    add_user(settings, "add-user", "lan@thanhhoa.gov.vn", "--name", "Lan", "--role", "officer")
    add_user(
        settings,
        "add-user",
        "lan@thanhhoa.gov.vn",
        "--name",
        "Lan",
        "--role",
        "supervisor",
        password="a-whole-new-password-2026",
    )
    [member] = roster(settings)
    assert (member.console_role, member.role) == ("supervisor", "supervisor")
    assert password_matches(member.password_hash, "a-whole-new-password-2026")


@pytest.mark.parametrize(
    ("password", "message"),
    [
        (
            "short-pass1",
            "Mật khẩu phải có ít nhất 12 ký tự. "
            "/ The password must be at least 12 characters long.\n",
        ),
        (
            "",
            "Mật khẩu phải có ít nhất 12 ký tự. "
            "/ The password must be at least 12 characters long.\n",
        ),
        (
            "Password1234",
            "Mật khẩu này quá phổ biến hoặc dễ đoán; hãy chọn mật khẩu khác. "
            "/ This password is too common or easy to guess; choose another.\n",
        ),
        (
            "matkhau123456",
            "Mật khẩu này quá phổ biến hoặc dễ đoán; hãy chọn mật khẩu khác. "
            "/ This password is too common or easy to guess; choose another.\n",
        ),
        (
            "aaaaaaaaaaaaaaaa",
            "Mật khẩu này quá phổ biến hoặc dễ đoán; hãy chọn mật khẩu khác. "
            "/ This password is too common or easy to guess; choose another.\n",
        ),
    ],
)
def test_add_user_refuses_a_weak_password_and_writes_nothing(
    settings: Settings, password: str, message: str
) -> None:
    code, out = add_user(
        settings,
        "add-user",
        "lan@thanhhoa.gov.vn",
        "--name",
        "Lan",
        "--role",
        "officer",
        password=password,
    )
    assert (code, out) == (2, message)
    assert roster(settings) == []


def test_the_password_is_never_an_argument() -> None:
    from troly.handlers import cli

    with pytest.raises(SystemExit):
        cli.parser().parse_args(
            ["console", "add-user", "a@b.vn", "--name", "A", "--role", "admin", "--password", GOOD]
        )


def test_add_user_refuses_a_bad_email_or_topic(settings: Settings) -> None:
    assert add_user(settings, "add-user", "lan", "--name", "Lan", "--role", "officer") == (
        2,
        "Địa chỉ thư điện tử không hợp lệ. / That is not a valid e-mail address.\n",
    )
    code, out = add_user(
        settings,
        "add-user",
        "lan@thanhhoa.gov.vn",
        "--name",
        "Lan",
        "--role",
        "officer",
        "--topics",
        "thue,tien",
    )
    assert code == 2 and out.startswith("Lĩnh vực không có: tien.")


def test_a_telegram_officer_gets_a_login_on_the_same_roster_entry(settings: Settings) -> None:
    async def telegram_officer() -> None:
        engine = create_engine(settings.database_url)
        await upgrade(engine)
        async with session_factory(engine).begin() as session:
            now = datetime(2026, 12, 7, 9, 0, tzinfo=VN)
            await add_staff(
                session, channel="telegram", user_id="11", name="Lan", role="agent", now=now
            )
        await engine.dispose()

    asyncio.run(telegram_officer())
    code, _ = add_user(
        settings,
        "add-user",
        "lan@thanhhoa.gov.vn",
        "--name",
        "Nguyễn Thị Lan",
        "--role",
        "officer",
        "--telegram-id",
        "11",
    )
    assert code == 0
    [member] = roster(settings)
    assert (member.channel, member.user_id, member.email, member.role) == (
        "telegram",
        "11",
        "lan@thanhhoa.gov.vn",
        "agent",
    )
    assert (
        add_user(
            settings,
            "add-user",
            "x@thanhhoa.gov.vn",
            "--name",
            "X",
            "--role",
            "officer",
            "--telegram-id",
            "99",
        )[0]
        == 1
    )


def test_reset_password_sets_a_new_hash_and_refuses_unknown_accounts(settings: Settings) -> None:
    add_user(settings, "add-user", "lan@thanhhoa.gov.vn", "--name", "Lan", "--role", "officer")
    code, out = add_user(
        settings, "reset-password", "LAN@thanhhoa.gov.vn", password="another-long-secret-26"
    )
    assert code == 0 and out.startswith("Đã đặt mật khẩu mới cho lan@thanhhoa.gov.vn")
    [member] = roster(settings)
    assert password_matches(member.password_hash, "another-long-secret-26")
    assert not password_matches(member.password_hash, GOOD)
    assert add_user(settings, "reset-password", "ai@thanhhoa.gov.vn") == (
        1,
        "Không có tài khoản ai@thanhhoa.gov.vn. / No account ai@thanhhoa.gov.vn.\n",
    )

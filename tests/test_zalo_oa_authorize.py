"""Connecting the Zalo OA without pasting a token: ``troly zalo authorize`` prints the
permission link (PKCE), the OA's admin grants it, Zalo sends the browser back to the
callback, the code is traded once for the first pair, and the OA answers users."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from fakes.zalo_oa_server import ZaloOAFake
from troly.bot.storage.models import ZaloToken
from troly.handlers import cli
from troly.handlers.app import Runtime
from troly.knowledge.index import ProcedureIndex
from zalo_support import OAChat, oa_app

USER = "8123456789012345678"


async def _stored_access(rt: Runtime) -> str | None:
    """The OA access token the database holds, if any."""
    async with rt.sessions() as session:
        row = await session.get(ZaloToken, "zalo_oa")
        return row.access_token if row is not None else None


def _authorize(monkeypatch: pytest.MonkeyPatch, fake: ZaloOAFake, public_url: str) -> str:
    """Runs ``troly zalo authorize`` with the OA's settings in the environment; the link."""
    for name, value in {
        "TROLY_ZALO_OA_APP_ID": fake.app_id,
        "TROLY_ZALO_OA_APP_SECRET": fake.app_secret,
        "TROLY_ZALO_OA_SECRET": fake.oa_secret,
        "TROLY_ZALO_OA_OAUTH_URL": fake.oauth_url,
        "TROLY_PUBLIC_URL": public_url,
    }.items():
        monkeypatch.setenv(name, value)
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    assert cli.main(["zalo", "authorize"]) == 0
    printed = out.getvalue()
    assert f"{public_url}/zalo/oa/callback" in printed
    [link] = [line.strip() for line in printed.splitlines() if "/v4/oa/permission?" in line]
    return link


async def test_the_admin_grants_the_link_and_the_oa_answers_with_the_first_pair(
    tmp_path: Path, index: ProcedureIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with (
        ZaloOAFake() as fake,
        oa_app(tmp_path, fake, index=index, public=True, zalo_oa_refresh_token=None) as rt,
    ):
        assert await _stored_access(rt) is None
        public = rt.settings.public_url
        assert public is not None
        fake.callback_url = f"{public}/zalo/oa/callback"
        link = _authorize(monkeypatch, fake, public)

        async with httpx.AsyncClient(trust_env=False) as browser:
            # A state changed on the way back is refused before Zalo is asked anything.
            back = httpx.URL((await browser.get(link)).headers["location"])
            state = back.params["state"]
            forged = state[:-2] + ("AA" if state[-2:] != "AA" else "BB")
            tampered = await browser.get(back.copy_set_param("state", forged))
            assert tampered.status_code == 400
            assert "không hợp lệ" in tampered.text
            assert fake.refresh_calls == []
        async with httpx.AsyncClient(follow_redirects=True, trust_env=False) as browser:
            page = await browser.get(link)
            assert page.status_code == 200
            assert "Đã kết nối Zalo OA" in page.text
            assert fake.refresh_calls == ["code ok"]
            # The same code again (a reload of the callback page) is refused politely.
            again = await browser.get(str(page.url))
            assert again.status_code == 400
            assert "không chấp nhận" in again.text
            assert fake.refresh_calls == ["code ok", "code spent or unknown"]

        assert await _stored_access(rt) == fake.access_token
        chat = OAChat(rt, fake, USER)
        [card] = await chat.say("khôi phục mã số thuế")
        assert card.text.startswith("📄 Khôi phục mã số thuế")
    assert fake.errors[-1].code == -14019  # only the reload failed
    assert len(fake.errors) == 1


async def test_a_tampered_or_stale_link_is_refused_without_asking_zalo(
    tmp_path: Path, index: ProcedureIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    later = datetime.now(UTC) + timedelta(minutes=11)  # past the code's 10 minutes
    async with (
        ZaloOAFake() as fake,
        oa_app(
            tmp_path,
            fake,
            lambda: later,
            index=index,
            public=True,
            zalo_oa_refresh_token=None,
        ) as rt,
    ):
        public = rt.settings.public_url
        assert public is not None
        fake.callback_url = f"{public}/zalo/oa/callback"
        link = _authorize(monkeypatch, fake, public)
        async with httpx.AsyncClient(trust_env=False) as browser:
            grant = await browser.get(link)
            assert grant.status_code == 302
            back = httpx.URL(grant.headers["location"])
            stale = await browser.get(back)
            assert stale.status_code == 400
            assert "hết hạn" in stale.text
            no_code = await browser.get(back.copy_remove_param("code"))
            assert no_code.status_code == 400
        assert fake.refresh_calls == []  # Zalo was never asked
        assert await _stored_access(rt) is None


async def test_the_fake_holds_the_code_to_its_verifier_and_its_callback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with ZaloOAFake() as fake:
        fake.callback_url = "http://127.0.0.1:9/zalo/oa/callback"
        link = _authorize(monkeypatch, fake, "http://127.0.0.1:9")
        async with httpx.AsyncClient(trust_env=False) as client:
            elsewhere = await client.get(
                httpx.URL(link).copy_set_param("redirect_uri", "http://evil.example/cb")
            )
            assert elsewhere.status_code == 400
            grant = await client.get(link)
            code = httpx.URL(grant.headers["location"]).params["code"]
            wrong = await client.post(
                f"{fake.oauth_url}/v4/oa/access_token",
                data={
                    "app_id": fake.app_id,
                    "grant_type": "authorization_code",
                    "code": code,
                    "code_verifier": "x" * 43,
                },
                headers={"secret_key": fake.app_secret},
            )
            assert wrong.json()["error"] == -14020
    assert fake.refresh_calls == ["verifier does not match"]


def test_authorize_explains_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("TROLY_ZALO_OA_APP_ID", "TROLY_ZALO_OA_APP_SECRET", "TROLY_ZALO_OA_SECRET"):
        monkeypatch.delenv(name, raising=False)
    assert cli.main(["zalo", "authorize"]) == 2
    assert "TROLY_ZALO_OA_APP_ID" in capsys.readouterr().err
    monkeypatch.setenv("TROLY_ZALO_OA_APP_ID", "1")
    monkeypatch.setenv("TROLY_ZALO_OA_APP_SECRET", "app-secret")
    monkeypatch.setenv("TROLY_ZALO_OA_SECRET", "oa-secret")
    monkeypatch.delenv("TROLY_PUBLIC_URL", raising=False)
    assert cli.main(["zalo", "authorize"]) == 2
    assert "TROLY_PUBLIC_URL" in capsys.readouterr().err

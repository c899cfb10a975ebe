"""The staff console in a real headless Chromium, for a petition filed on Telegram (the fake
Bot API): an officer signs in, finds it, claims it and answers it; the answer reaches the
business's Telegram chat and the petition's topic sees both actions."""

from __future__ import annotations

import asyncio
import importlib.util
import socket
from pathlib import Path

import pytest
import uvicorn
from pydantic import SecretStr

from browser import CHROMIUM, CHROMIUM_ARGS
from console_support import PASSWORD, PEOPLE, add_people
from fakes.telegram_server import TelegramFake
from test_console_telegram import BUSINESS, GROUP, _file
from troly.bot.settings import Settings
from troly.handlers.app import build_runtime, create_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        importlib.util.find_spec("playwright") is None, reason="playwright is not installed"
    ),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]


async def test_an_officer_answers_a_telegram_petition_in_the_browser(tmp_path: Path) -> None:
    from playwright.async_api import async_playwright, expect

    async with TelegramFake(local_mode=True) as fake:
        fake.add_group(GROUP, "Cán bộ PAKN", forum=True, bot_can_manage_topics=True)
        settings = Settings(
            environment="test",
            database_url=f"sqlite:///{tmp_path / 'tg.db'}",
            telegram_token=SecretStr(fake.token),
            telegram_api_url=fake.base_url.removesuffix("/bot"),
            staff_chat_id=GROUP,
        )
        await asyncio.to_thread(add_people, settings)
        app, _runtime = create_app(settings, runtime=build_runtime(settings), scheduler=False)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
        )
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            while not server.started:  # noqa: ASYNC110 - uvicorn has no "started" event
                await asyncio.sleep(0.05)
            code = await _file(fake)
            base = f"http://127.0.0.1:{port}"
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS
                )
                page = await browser.new_page(viewport={"width": 1366, "height": 768})
                await page.goto(base + "/console/login")
                await page.get_by_label("Thư điện tử").fill(PEOPLE["officer"][0])
                await page.get_by_label("Mật khẩu").fill(PASSWORD)
                await page.get_by_role("button", name="Đăng nhập").click()
                await expect(page).to_have_url(base + "/console/petitions")
                await page.get_by_test_id(f"row-{code}").click()
                await expect(page.get_by_test_id("case-code")).to_contain_text(code)
                await page.get_by_test_id("claim").click()
                await expect(page.get_by_test_id("assignee")).to_have_text("Nguyễn Thị Lan")
                await page.get_by_test_id("text-answer").fill("Đã cấp phép ngày 07/12/2026.")
                await page.get_by_test_id("submit-answer").click()
                await expect(page.get_by_test_id("status")).to_have_text("Đã trả lời")
                await browser.close()
            answered = await fake.wait_for_messages(BUSINESS, 11)
            assert any("Đã cấp phép ngày 07/12/2026." in str(m["text"]) for m in answered[9:])
            await fake.wait_until(
                lambda: (
                    sum("Nguyễn Thị Lan" in str(m.get("text")) for m in fake.sent_to(GROUP)) >= 2
                ),
                timeout=10,
            )
        finally:
            server.should_exit = True
            await serving
            sock.close()

"""A public page in a real headless Chromium at phone size: readable in one column (nothing
wider than the screen), the language switch works, and the browser reports no error (the
Content-Security-Policy blocks nothing the page needs)."""

from __future__ import annotations

import asyncio
import importlib.util
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from browser import CHROMIUM, serve
from support import VN
from troly.bot.petitions.model import Petition
from troly.bot.petitions.publication import approve
from troly.bot.petitions.staff_actions import Actor
from troly.bot.settings import Settings
from troly.bot.storage.database import create_engine, session_factory, upgrade
from troly.handlers.app import create_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        importlib.util.find_spec("playwright") is None, reason="playwright is not installed"
    ),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]
ANSWER = (
    "Sở Xây dựng đã rà soát hồ sơ đề nghị cấp giấy phép xây dựng nhà xưởng và cấp phép ngày "
    "04/12/2026; thời hạn giải quyết theo quy định là 20 ngày làm việc kể từ ngày nhận đủ hồ sơ "
    "hợp lệ (https://dichvucong.thanhhoa.gov.vn/thu-tuc/cap-giay-phep-xay-dung-nha-xuong)."
)


async def _publish(url: str, count: int) -> None:
    """``count`` answered public petitions, approved for the public pages."""
    engine = create_engine(url)
    await upgrade(engine)
    received = datetime(2026, 11, 2, 9, 0, tzinfo=VN)
    async with session_factory(engine).begin() as session:
        for n in range(count):
            session.add(
                Petition(
                    code=f"PA-TEST{n:03d}",
                    channel="web",
                    user_id=f"biz{n}",
                    topic="xaydung",
                    description=f"Giấy phép xây dựng nhà xưởng số {n} chậm",
                    public=True,
                    received_at=received,
                    deadline=received + timedelta(days=14),
                    original_deadline=received + timedelta(days=14),
                    answer=ANSWER,
                    answered_at=received + timedelta(days=10),
                    status="answered",
                    updated_at=received,
                )
            )
        await session.flush()
        for n in range(count):
            await approve(
                session,
                f"PA-TEST{n:03d}",
                question=f"Doanh nghiệp chờ giấy phép xây dựng nhà xưởng số {n} đã hơn 30 ngày.",
                answer=ANSWER,
                actor=Actor("lead", "Phạm Lãnh Đạo", "supervisor"),
                now=received + timedelta(days=11),
            )
    await engine.dispose()


def test_a_published_petition_reads_well_on_a_phone(chromium: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    settings = Settings(environment="test", database_url=f"sqlite:///{tmp_path / 'public.db'}")
    # Its own thread and loop: Playwright's sync API already runs one here.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(
            asyncio.run, _publish(settings.database_url, settings.public_min_count)
        ).result()
    app, _ = create_app(settings, scheduler=False)
    errors: list[str] = []
    with serve(app, lifespan="on") as base_url:
        context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(base_url + "/cong-khai/")
        # The browser asks for English (Accept-Language: en-US): the switch gives Vietnamese.
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.get_by_test_id("switch-locale").click()
        expect(page.locator("html")).to_have_attribute("lang", "vi")
        page.get_by_role("link", name="Phản ánh, kiến nghị đã được trả lời").click()
        expect(page.get_by_test_id("matched")).to_contain_text("5 phản ánh phù hợp")
        page.get_by_role("link", name="Xây dựng").first.click()
        answer = page.get_by_test_id("answer")
        expect(answer).to_contain_text("Sở Xây dựng đã rà soát hồ sơ")
        page.screenshot(path="/tmp/public-petition-390.png", full_page=True)
        box = answer.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
        size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        assert size >= 16
        page.get_by_test_id("switch-locale").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("heading", name="The official answer")).to_be_visible()
        context.close()
    assert errors == []

"""The reports in a real headless Chromium: a supervisor signs in, picks November, and every
chart is drawn, with marks whose values are what the database holds (counted here with
queries of the test's own); the public index renders on a phone without sideways scrolling."""

from __future__ import annotations

import asyncio
import importlib.util
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from browser import CHROMIUM, serve
from console_support import PASSWORD, PEOPLE, add_people
from report_support import CAL, Filing
from support import VN, Clock
from troly.bot.petitions.model import Petition
from troly.bot.settings import Settings
from troly.bot.storage.database import create_engine, session_factory, upgrade
from troly.handlers.app import build_runtime, create_app
from troly.knowledge.index import ProcedureIndex

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        importlib.util.find_spec("playwright") is None, reason="playwright is not installed"
    ),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=VN)
TOPICS = ("xaydung", "xaydung", "thue", "xaydung", "datdai", "thue", "xaydung")


async def fill(url: str) -> dict[str, int]:
    """Seven November petitions, varied; returns the count per topic read back by a query."""
    engine = create_engine(url)
    await upgrade(engine)
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        f = Filing(session)
        for n, topic in enumerate(TOPICS):
            received = datetime(2026, 11, 2 + 3 * n, 10, 0, tzinfo=VN)
            deadline = CAL.add_working_days(received, 10)
            answered = received + timedelta(days=1) if n % 3 else None
            if n == 4:
                answered = deadline + timedelta(hours=1)
            await f.petition(
                received,
                topic=topic,
                answered=answered,
                rating=(n % 5) + 1 if answered else None,
            )
    async with sessions() as session:
        query = select(Petition.topic).where(
            Petition.received_at >= datetime(2026, 11, 1, tzinfo=VN)
        )
        counts = Counter((await session.execute(query)).scalars())
    await engine.dispose()
    return dict(counts)


def test_the_charts_render_and_their_marks_agree_with_the_database(
    chromium: Any, tmp_path: Path, index: ProcedureIndex
) -> None:
    from playwright.sync_api import expect

    url = f"sqlite:///{tmp_path / 'reports.db'}"
    settings = Settings(environment="test", database_url=url)
    add_people(settings)
    # Its own thread and loop: Playwright's sync API runs one in this thread.
    with ThreadPoolExecutor(1) as pool:
        in_database = pool.submit(asyncio.run, fill(url)).result()
    runtime = build_runtime(settings, clock=Clock(NOW), index=index)
    app, _ = create_app(settings, runtime=runtime, scheduler=False)
    errors: list[str] = []
    with serve(app, lifespan="on") as base_url:
        staff = chromium.new_context(viewport={"width": 1366, "height": 768})
        page = staff.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(base_url + "/console/login")
        page.get_by_label("Thư điện tử").fill(PEOPLE["supervisor"][0])
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.get_by_role("link", name="Báo cáo").click()
        expect(page).to_have_url(base_url + "/console/reports/petitions")
        page.locator("select[name=kind]").select_option("month")
        page.locator("input[name=month]").fill("2026-11")
        page.get_by_test_id("show-period").click()
        expect(page.get_by_test_id("period")).to_have_text("tháng 11/2026")

        charts = page.locator("svg[role=img]")
        expect(charts).to_have_count(10)
        for n in range(10):
            box = charts.nth(n).bounding_box()
            assert box is not None and box["width"] > 300 and box["height"] > 30

        by_topic = page.get_by_test_id("report-by_topic")
        marks = by_topic.locator("svg rect[data-value]")
        drawn = {
            marks.nth(i).get_attribute("data-label"): float(
                marks.nth(i).get_attribute("data-value") or 0
            )
            for i in range(marks.count())
        }
        assert drawn == {"Xây dựng": 4.0, "Thuế": 2.0, "Đất đai": 1.0}
        assert {"Xây dựng": in_database["xaydung"], "Thuế": in_database["thue"]} == {
            "Xây dựng": 4,
            "Thuế": 2,
        }
        widths = {
            marks.nth(i).get_attribute("data-label"): marks.nth(i).bounding_box()["width"]  # type: ignore[index]
            for i in range(marks.count())
        }
        assert abs(widths["Xây dựng"] - 4 * widths["Đất đai"]) < 2
        cells = by_topic.locator("table tbody tr")
        shown = {
            cells.nth(i).locator("th").inner_text(): cells.nth(i).locator("td").inner_text()
            for i in range(cells.count())
        }
        assert shown == {"Xây dựng": "4", "Thuế": "2", "Đất đai": "1"}

        outcomes = page.get_by_test_id("report-outcomes").locator("svg rect[data-value]")
        total = sum(
            float(outcomes.nth(i).get_attribute("data-value") or 0) for i in range(outcomes.count())
        )
        assert total == sum(in_database.values()) == 7
        tooltip = page.get_by_test_id("report-by_topic").locator("svg rect title").first
        assert tooltip.text_content() == "Xây dựng: 4"

        phone = chromium.new_context(viewport={"width": 390, "height": 844})
        public = phone.new_page()
        public.goto(base_url + "/cong-khai/chi-so?nam=2026")
        expect(public.locator("h1")).to_contain_text("2026")
        svg = public.locator("svg[role=img]")
        expect(svg).to_have_count(1)
        assert (svg.bounding_box() or {"width": 0})["width"] > 200
        scroll = public.evaluate("document.documentElement.scrollWidth")
        assert scroll <= 390
    assert errors == []

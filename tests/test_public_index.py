"""The public on-time and satisfaction index (/cong-khai/chi-so): month by month per
department or topic, each figure with its count, hidden under the minimum count; cacheable,
no cookie, Vietnamese and English."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from public_support import TestClient, public_app, visible
from report_support import CAL, Filing
from support import VN, Clock
from troly.handlers.app import Runtime
from troly.knowledge.index import ProcedureIndex

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=VN)


@pytest.fixture
def site(tmp_path: Path, index: ProcedureIndex) -> Iterator[tuple[TestClient, Runtime]]:
    with public_app(tmp_path, index, Clock(NOW)) as running:
        yield running


def file_november(client: TestClient, runtime: Runtime) -> None:
    """Sở Xây dựng: six petitions in November, five answered on time (rated 5), one late;
    Cục Thuế: two, both on time (too few to publish)."""

    async def work() -> None:
        async with runtime.sessions.begin() as session:
            f = Filing(session)
            received = datetime(2026, 11, 2, 9, 0, tzinfo=VN)
            deadline = CAL.add_working_days(received, 10)
            for _ in range(5):
                await f.petition(received, answered=received + timedelta(days=2), rating=5)
            await f.petition(received, answered=deadline + timedelta(minutes=1))
            for _ in range(2):
                await f.petition(
                    received,
                    topic="thue",
                    department="Cục Thuế",
                    answered=received + timedelta(hours=3),
                    rating=3,
                )

    portal = client.portal
    assert portal is not None
    portal.call(work)


def section(html: str, group: str) -> str:
    found = re.search(rf'data-group="{re.escape(group)}">(.*?)</section>', html, re.S)
    assert found is not None, group
    return visible(found.group(1))


def test_each_agency_shows_its_month_with_the_counts_it_rests_on(
    site: tuple[TestClient, Runtime],
) -> None:
    client, runtime = site
    file_november(client, runtime)
    page = client.get("/cong-khai/chi-so")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "public, max-age=300"
    assert "set-cookie" not in page.headers
    building = section(page.text, "Sở Xây dựng")
    assert "11/2026 83.3% (5/6 hồ sơ) 5.00 (5 lượt chấm)" in building
    assert "10/2026 — —" in building and "12/2026 — —" in building
    tax = section(page.text, "Cục Thuế")
    assert "83.3%" not in tax and "11/2026 — —" in tax  # two petitions: fewer than five
    assert "Đúng hạn: 87.5% (7/8 hồ sơ)" in visible(page.text)
    # The year's bar chart names only the agencies with enough petitions.
    assert 'data-label="Sở Xây dựng" data-value="83.3333"' in page.text
    assert 'data-label="Cục Thuế"' not in page.text


def test_by_topic_in_english(site: tuple[TestClient, Runtime]) -> None:
    client, runtime = site
    file_november(client, runtime)
    page = client.get("/cong-khai/chi-so", params={"theo": "topic", "lang": "en"})
    assert '<html lang="en">' in page.text
    text = visible(page.text)
    assert "On time and satisfaction per agency, 2026" in text
    construction = section(page.text, "xaydung")
    assert "Construction" in construction
    assert "11/2026 83.3% (5 of 6) 5.00 (5 ratings)" in construction
    assert 'href="/cong-khai/chi-so?nam=2025&amp;theo=topic&amp;lang=en"' in page.text


def test_a_lower_minimum_count_publishes_the_smaller_agency(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    with public_app(tmp_path, index, Clock(NOW), public_min_count=2) as (client, runtime):
        file_november(client, runtime)
        page = client.get("/cong-khai/chi-so")
    assert "11/2026 100.0% (2/2 hồ sơ) 3.00 (2 lượt chấm)" in section(page.text, "Cục Thuế")


def test_too_few_petitions_in_all_say_there_is_not_enough_data(
    site: tuple[TestClient, Runtime],
) -> None:
    client, _ = site
    page = client.get("/cong-khai/chi-so")
    assert 'data-testid="thin"' in page.text
    assert 'data-testid="index-row"' not in page.text
    assert "Đúng hạn và hài lòng theo cơ quan" in visible(client.get("/cong-khai/").text)


def test_a_year_out_of_range_is_not_found(site: tuple[TestClient, Runtime]) -> None:
    client, _ = site
    assert client.get("/cong-khai/chi-so", params={"nam": "2019"}).status_code == 404
    assert client.get("/cong-khai/chi-so", params={"nam": "2027"}).status_code == 404
    assert client.get("/cong-khai/chi-so", params={"nam": "2024"}).status_code == 200
    unknown: dict[str, Any] = {"theo": "officer"}  # never by person: falls back to departments
    page = client.get("/cong-khai/chi-so", params=unknown)
    assert page.status_code == 200
    assert 'theo=department" aria-current="page"' in page.text

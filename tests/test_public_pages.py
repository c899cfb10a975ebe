"""The public pages (/cong-khai): anyone may read them, in Vietnamese or English, cached,
with no cookie and no script of their own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from public_support import TestClient, public_app, visible
from support import Clock
from troly.handlers.public.site import accepted_locale
from troly.knowledge.index import ProcedureIndex


@pytest.fixture
def client(tmp_path: Path, index: ProcedureIndex) -> Iterator[TestClient]:
    with public_app(tmp_path, index, Clock()) as (client, _runtime):
        yield client


def test_the_landing_page_is_in_vietnamese_with_a_link_to_english(client: TestClient) -> None:
    page = client.get("/cong-khai/")
    assert page.status_code == 200
    assert '<html lang="vi">' in page.text
    assert "Thông tin công khai" in visible(page.text)
    assert 'href="/cong-khai/?lang=en"' in page.text


def test_english_is_chosen_by_the_switch_or_by_the_browser(client: TestClient) -> None:
    switched = client.get("/cong-khai/?lang=en")
    browser = client.get("/cong-khai/", headers={"Accept-Language": "en-GB,en;q=0.9,vi;q=0.5"})
    for page in (switched, browser):
        assert '<html lang="en">' in page.text
        assert "Public information" in visible(page.text)
        assert "Thanh Hoa Province" in page.text and "Tỉnh Thanh Hóa" not in page.text
    assert 'href="/cong-khai/?lang=vi"' in switched.text
    # A language picked with the switch stays picked on the links of the page.
    assert 'href="/cong-khai/?lang=en"' in switched.text


def test_the_browsers_languages_are_read_by_weight() -> None:
    assert accepted_locale("fr-FR, en;q=0.4, vi;q=0.8") == "vi"
    assert accepted_locale("de, fr") is None
    assert accepted_locale("en;q=0, vi") == "vi"
    assert accepted_locale("en-US;q=abc, en") == "en"


def test_pages_are_cacheable_and_set_no_cookie(client: TestClient) -> None:
    page = client.get("/cong-khai/")
    assert page.headers["cache-control"] == "public, max-age=300"
    assert page.headers["vary"] == "Accept-Language"
    assert "set-cookie" not in page.headers
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script" not in page.text
    assert "style=" not in page.text


def test_the_stylesheet_is_served(client: TestClient) -> None:
    css = client.get("/cong-khai/static/public.css")
    assert css.status_code == 200
    assert "max-width" in css.text


def test_the_cache_lifetime_is_a_setting(tmp_path: Path, index: ProcedureIndex) -> None:
    with public_app(tmp_path, index, Clock(), public_cache_seconds=0) as (client, _runtime):
        assert client.get("/cong-khai/").headers["cache-control"] == "no-cache"


def test_an_unknown_public_page_says_so_in_the_readers_language(client: TestClient) -> None:
    page = client.get("/cong-khai/khong-co?lang=en")
    assert page.status_code == 404
    assert "Page not found" in visible(page.text)
    assert page.headers["cache-control"] == "public, max-age=60"


def test_the_landing_page_links_every_section(client: TestClient) -> None:
    page = client.get("/cong-khai/")
    for path in ("/cong-khai/phan-anh", "/cong-khai/cam-ket", "/cong-khai/chi-so"):
        assert f'href="{path}"' in page.text
        assert client.get(path).status_code == 200
    text = visible(page.text)
    assert "Phản ánh, kiến nghị đã được trả lời" in text
    assert "Theo dõi cam kết của Chủ tịch UBND tỉnh" in text

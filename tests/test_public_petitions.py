"""Answered petitions on the public pages: the business opts in, a leader approves the
edited texts, anyone acting on petitions can withdraw them, and no business's name, tax code
or phone ever reaches a public page."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from httpx import Response
from sqlalchemy import select

from console_support import Console, console_app
from public_support import visible
from support import VN, Clock
from troly.bot.console.model import AuditEntry
from troly.knowledge.index import ProcedureIndex

MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=VN)
NAME, TAX_CODE, PHONE = "Công ty TNHH Sông Mã", "0300588569", "0912345678"
"""What ``Console.file_petition(consent=True)`` gives as the business's details."""
SEEDED = (NAME, "Sông Mã", TAX_CODE, PHONE, "0912 345 678")
PUBLIC_LINK = re.compile(r'href="(/cong-khai/phan-anh/[A-Za-z0-9_-]{8,24})[^"]*"')


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


@pytest.fixture
def console(tmp_path: Path, index: ProcedureIndex, clock: Clock) -> Iterator[Console]:
    with console_app(tmp_path, index, clock) as running:
        for who in ("supervisor", "officer", "viewer"):
            running.sign_in(who)
        yield running


def post(console: Console, who: str, path: str, **form: str) -> Response:
    csrf = console.csrf(who)
    with console.as_(who) as client:
        return client.post(path, data={"csrf": csrf, **form}, follow_redirects=False)


def answered(console: Console, n: int, *, public: bool = True, commune: str | None = None) -> str:
    """A public petition that names its business, answered by the officer; its code."""
    code = console.file_petition(
        f"{NAME} (điện thoại 0912 345 678) chờ giấy phép xây dựng nhà xưởng số {n} đã 3 tháng",
        consent=True,
        public=public,
        commune=commune,
    )
    post(console, "officer", f"/console/petitions/{code}/act", action="claim")
    answer = f"Sở Xây dựng đã cấp giấy phép số {n} cho doanh nghiệp MST {TAX_CODE}."
    done = post(console, "officer", f"/console/petitions/{code}/act", action="answer", text=answer)
    assert done.status_code == 303
    return code


def publish(console: Console, code: str, who: str = "supervisor", **texts: str) -> Response:
    """Approves with the texts as given, or as the case page's form offers them."""
    if not texts:
        with console.as_(who) as client:
            page = client.get(f"/console/petitions/{code}").text
        for name in ("question", "answer"):
            found = re.search(rf'name="{name}"[^>]*>([^<]*)</textarea>', page)
            assert found is not None, page
            texts[name] = found.group(1).replace("&#34;", '"').replace("&amp;", "&")
    return post(console, who, f"/console/petitions/{code}/publish", **texts)


def public_pages(console: Console) -> dict[str, str]:
    """Every public page a reader can reach from the landing page, in both languages."""
    client = console.client
    client.cookies.clear()
    pages: dict[str, str] = {}
    queue = ["/cong-khai/", "/cong-khai/?lang=en", "/cong-khai/phan-anh?topic=xaydung"]
    while queue:
        path = queue.pop()
        if path in pages:
            continue
        response = client.get(path)
        assert response.status_code in (200, 404), path
        pages[path] = response.text
        queue.extend(
            html.unescape(h) for h in re.findall(r'href="(/cong-khai/[^"]*)"', response.text)
        )
    return {path: html.unescape(text) for path, text in pages.items()}


def test_the_approval_form_starts_scrubbed_and_publishing_is_recorded(console: Console) -> None:
    code = answered(console, 1)
    with console.as_("supervisor") as client:
        page = client.get(f"/console/petitions/{code}").text
    form = page.split('data-testid="publication"')[1].split("</section>")[0]
    for seeded in (NAME, PHONE, "0912 345 678", TAX_CODE):
        assert seeded not in form
    assert "[…] (điện thoại [số]) chờ giấy phép" in form
    assert "MST […]" in form

    done = publish(console, code, question="Doanh nghiệp chờ giấy phép xây dựng đã 3 tháng.")
    assert done.status_code == 409  # the answer was left out
    assert "Cần có cả nội dung phản ánh và câu trả lời" in done.text
    assert "Doanh nghiệp chờ giấy phép xây dựng đã 3 tháng." in done.text  # kept as typed

    done = publish(console, code)
    assert (done.status_code, done.headers["location"]) == (
        303,
        f"/console/petitions/{code}?done=publish",
    )
    with console.as_("viewer") as client:
        page = visible(client.get(f"/console/petitions/{code}").text)
    assert "Đang công khai — Phạm Lãnh Đạo duyệt lúc 09:00 07/12/2026." in page
    # One of the five the public pages wait for: no link to a page that would say "not found".
    assert "khi đã có từ 5 phản ánh được duyệt (hiện có 1)" in page
    assert not PUBLIC_LINK.findall(page)
    assert "Duyệt công khai trên trang /cong-khai Phạm Lãnh Đạo" in page  # the timeline

    async def actions() -> list[tuple[str, str | None, str | None]]:
        async with console.runtime.sessions() as session:
            rows = (await session.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars()
            return [(r.staff_name, r.action, r.target) for r in rows if "publish" in r.action]

    assert console.run(actions) == [
        ("Phạm Lãnh Đạo", "petition.publish.refused", code),
        ("Phạm Lãnh Đạo", "petition.publish", code),
    ]


def test_nothing_is_public_until_enough_are_published_and_no_personal_data_ever(
    console: Console,
) -> None:
    codes = [answered(console, n) for n in range(1, 6)]
    for code in codes[:4]:
        assert publish(console, code).status_code == 303
    console.client.cookies.clear()
    thin = console.client.get("/cong-khai/phan-anh")
    assert "Chưa đủ dữ liệu để công khai: cần ít nhất 5 hồ sơ" in visible(thin.text)
    assert 'data-testid="published"' not in thin.text

    assert publish(console, codes[4]).status_code == 303
    pages = public_pages(console)
    listing = visible(pages["/cong-khai/phan-anh?topic=xaydung"])
    assert "5 phản ánh phù hợp (trong 5 phản ánh đã công khai)." in listing
    petition_pages = {path for path in pages if PUBLIC_LINK.fullmatch(f'href="{path}"')}
    assert len({path.split("?")[0] for path in petition_pages}) == 5
    one = visible(pages[sorted(petition_pages)[0]])
    assert "Sở Xây dựng đã cấp giấy phép số" in one
    assert "Ngày tiếp nhận 07/12/2026 Ngày trả lời 07/12/2026" in one
    for path, text in pages.items():
        for seeded in SEEDED:
            assert seeded not in text, (path, seeded)
        for code in codes:
            assert code not in text, (path, code)  # the tracking code opens nothing here
    for code in codes:
        assert console.client.get(f"/cong-khai/phan-anh/{code}").status_code == 404


@pytest.fixture
def lenient(tmp_path: Path, index: ProcedureIndex, clock: Clock) -> Iterator[Console]:
    """The app with ``TROLY_PUBLIC_MIN_COUNT=2``."""
    with console_app(tmp_path, index, clock, public_min_count=2) as running:
        for who in ("supervisor", "officer"):
            running.sign_in(who)
        yield running


def public_link(console: Console, code: str) -> str:
    with console.as_("supervisor") as client:
        page = client.get(f"/console/petitions/{code}").text
    [link] = PUBLIC_LINK.findall(page)
    return str(link)


def test_a_second_guard_masks_what_the_editor_left_in(lenient: Console) -> None:
    code = answered(lenient, 1)
    done = publish(
        lenient,
        code,
        question=f"{NAME.upper()} gọi 0912.345.678 hoặc viết songma@example.vn",
        answer=f"Đã trả lời cho mã số thuế {TAX_CODE}.",
    )
    assert done.status_code == 303
    assert publish(lenient, answered(lenient, 2)).status_code == 303
    lenient.client.cookies.clear()
    page = visible(lenient.client.get(public_link(lenient, code)).text)
    assert "[…] gọi [số] hoặc viết [email]" in page
    assert "Đã trả lời cho mã số thuế […]." in page


def test_a_commune_is_named_only_when_enough_petitions_come_from_it(lenient: Console) -> None:
    codes = [
        answered(lenient, n, commune=c) for n, c in enumerate(("hac thanh",) * 2 + ("quang phu",))
    ]
    for code in codes:
        assert publish(lenient, code).status_code == 303
    lenient.client.cookies.clear()
    listing = lenient.client.get("/cong-khai/phan-anh").text
    assert '<option value="' in listing
    assert "Phường Hạc Thành" in listing
    assert "Phường Quảng Phú" not in listing
    assert visible(listing).count("Xã, phường không nêu") == 1
    lone = lenient.client.get(public_link(lenient, codes[2])).text
    assert "Phường Quảng Phú" not in lone
    assert "Xã, phường không nêu" in visible(lone)
    hac_thanh = re.search(r'<option value="(\d+)"[^>]*>Phường Hạc Thành<', listing)
    assert hac_thanh is not None
    narrowed = lenient.client.get(f"/cong-khai/phan-anh?commune={hac_thanh.group(1)}").text
    assert "2 phản ánh phù hợp (trong 3 phản ánh đã công khai)." in visible(narrowed)
    searched = lenient.client.get("/cong-khai/phan-anh?q=giấy phép số 2&lang=en").text
    assert "1 matching petitions (of 3 published)." in visible(searched)


def test_only_leaders_approve_and_workers_withdraw(console: Console) -> None:
    code = answered(console, 1)
    texts = {"question": "Chờ giấy phép xây dựng.", "answer": "Đã cấp giấy phép."}
    for who in ("officer", "viewer"):
        refused = post(console, who, f"/console/petitions/{code}/publish", **texts)
        assert refused.status_code == 403
        assert "không có quyền mở trang này" in refused.text
    assert (
        post(console, "supervisor", f"/console/petitions/{code}/publish", **texts).status_code
        == 303
    )
    assert post(console, "viewer", f"/console/petitions/{code}/unpublish").status_code == 403
    withdrawn = post(console, "officer", f"/console/petitions/{code}/unpublish")
    assert withdrawn.status_code == 303
    with console.as_("officer") as client:
        page = visible(client.get(f"/console/petitions/{code}").text)
    assert "Đã gỡ khỏi trang công khai — Nguyễn Thị Lan, lúc 09:00 07/12/2026." in page
    again = post(console, "officer", f"/console/petitions/{code}/unpublish")
    assert again.status_code == 409
    assert "Phản ánh này hiện không được công khai." in visible(again.text)


def test_a_private_petition_cannot_be_published(console: Console) -> None:
    code = answered(console, 1, public=False)
    with console.as_("supervisor") as client:
        page = client.get(f"/console/petitions/{code}").text
    assert 'name="question"' not in page
    assert "Doanh nghiệp không đồng ý công khai phản ánh này." in visible(page)
    texts = {"question": "Chờ giấy phép.", "answer": "Đã cấp."}
    refused = post(console, "supervisor", f"/console/petitions/{code}/publish", **texts)
    assert refused.status_code == 409

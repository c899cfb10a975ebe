"""The console's province page: admins set the service center's details, staff add a local
note per procedure, a viewer only reads; the web chat's cards use them; ``troly kb note``."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from httpx import Response

from console_support import Console, console_app
from support import Clock
from test_kb_import import export
from troly.handlers import cli
from troly.handlers import kb_records_cli as kb_cli
from troly.knowledge.index import ProcedureIndex

COMPANY = "2.002043"


@pytest.fixture
def console(tmp_path: Path, index: ProcedureIndex) -> Iterator[Console]:
    with console_app(tmp_path, index, Clock()) as running:
        for who in ("admin", "officer", "viewer"):
            assert running.sign_in(who).status_code == 303
        yield running


def post(console: Console, who: str, path: str, **form: str) -> Response:
    csrf = console.csrf(who)
    with console.as_(who) as client:
        return client.post(path, data={"csrf": csrf, **form}, follow_redirects=False)


def test_an_admin_sets_the_centers_address_and_the_next_card_names_it(console: Console) -> None:
    saved = post(
        console,
        "admin",
        "/console/province",
        name="center_address",
        value="28 Đại lộ Lê Lợi, phường Hạc Thành",
    )
    assert (saved.status_code, saved.headers["location"]) == (
        303,
        "/console/province?saved=center_address",
    )
    with console.as_("viewer") as client:
        page = client.get("/console/province").text
    assert 'data-testid="value-center_address">28 Đại lộ Lê Lợi, phường Hạc Thành<' in page
    assert 'action="/console/province"' not in page

    card = console.chat(text="đăng ký thành lập công ty cổ phần")[0]
    place = (
        "📍 Nơi nộp: Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa, "
        "28 Đại lộ Lê Lợi, phường Hạc Thành"
    )
    assert place in card.splitlines()
    console.client.cookies.clear()
    assert place in console.client.get(f"/p/{COMPANY}").text


def test_only_an_admin_changes_the_details_and_a_bad_link_is_refused_keeping_it(
    console: Console,
) -> None:
    refused = post(console, "officer", "/console/province", name="portal_url", value="x")
    bad = post(console, "admin", "/console/province", name="portal_url", value="dichvucong.vn")
    assert refused.status_code == 403
    assert bad.status_code == 409
    assert "Đường dẫn phải bắt đầu bằng https://" in bad.text
    assert 'value="dichvucong.vn"' in bad.text


def test_an_officer_adds_a_local_note_shown_on_the_card_then_removes_it(
    console: Console,
) -> None:
    note = "Lệ phí theo Nghị quyết 35/2025/NQ-HĐND tỉnh."
    unknown = post(console, "officer", "/console/province/notes", code="9.999999", note=note)
    added = post(console, "officer", "/console/province/notes", code=COMPANY, note=note)
    viewer = post(console, "viewer", "/console/province/notes", code=COMPANY, note="")

    assert (unknown.status_code, added.status_code, viewer.status_code) == (409, 303, 403)
    card = console.chat(text="đăng ký thành lập công ty cổ phần")[0]
    assert f"📌 Ghi chú của tỉnh: {note}" in card.splitlines()
    with console.as_("admin") as client:
        listed = client.get("/console/province").text
    assert note in listed and "Đăng ký thành lập công ty cổ phần" in listed

    post(console, "officer", "/console/province/notes", code=COMPANY, note="")
    again = console.chat(text="đăng ký thành lập công ty cổ phần")[0]
    assert "Ghi chú của tỉnh" not in again


def test_troly_kb_note_writes_the_note_and_refuses_an_unknown_code(console: Console) -> None:
    out = io.StringIO()
    args = cli.parser().parse_args(["kb", "note", COMPANY, "Nộp tại quầy số 5."])
    assert console.run(lambda: kb_cli.run(args, console.settings, out)) == 0
    assert out.getvalue() == (
        f"Đã lưu ghi chú / note saved: {COMPANY} Đăng ký thành lập công ty cổ phần\n"
    )
    bad = io.StringIO()
    args = cli.parser().parse_args(["kb", "note", "9.999999", "x"])
    assert console.run(lambda: kb_cli.run(args, console.settings, bad)) == 2
    console.runtime.dialogue.province.forget()
    card = console.chat(text="đăng ký thành lập công ty cổ phần")[0]
    assert "📌 Ghi chú của tỉnh: Nộp tại quầy số 5." in card.splitlines()


def test_the_page_lists_the_imports_of_the_procedure_records(
    console: Console, tmp_path: Path
) -> None:
    with console.as_("viewer") as client:
        before = client.get("/console/province").text
    assert 'data-testid="imports-none"' in before

    out = io.StringIO()
    args = cli.parser().parse_args(["kb", "import", str(export(tmp_path)), "--by", "lan"])
    assert console.run(lambda: kb_cli.run(args, console.settings, out)) == 0, out.getvalue()

    with console.as_("viewer") as client:
        after = client.get("/console/province").text
    assert 'data-testid="import-status-1">Đang dùng<' in after
    assert "+1 −1 ~1 *1" in after

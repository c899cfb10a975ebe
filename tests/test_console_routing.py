"""Routing: each topic's petitions go to a department's queue (a table admins edit), and a
supervisor can move one petition to another department with a reason."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from httpx import Response

from console_support import PASSWORD, Console, add_user, console_app
from support import VN, Clock
from test_console_petitions import topic_messages
from troly.knowledge.index import ProcedureIndex

MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=VN)
BUILDING = "Sở Xây dựng"


@pytest.fixture
def console(tmp_path: Path, index: ProcedureIndex) -> Iterator[Console]:
    with console_app(tmp_path, index, Clock(MONDAY)) as running:
        code, out = add_user(
            running.settings,
            "add-user",
            "hoa@thanhhoa.gov.vn",
            "--name",
            "Đỗ Thị Hoa",
            "--role",
            "officer",
            "--department",
            BUILDING,
            password=PASSWORD,
        )
        assert code == 0, out
        yield running


def post(console: Console, who: str, path: str, **form: str) -> Response:
    csrf = console.csrf(who)
    with console.as_(who) as client:
        return client.post(path, data={"csrf": csrf, **form}, follow_redirects=False)


def sign_in_as_hoa(console: Console) -> None:
    console.client.cookies.clear()
    page = console.client.get("/console/login")
    nonce = page.text.split('name="csrf" value="')[1].split('"')[0]
    form = {"email": "hoa@thanhhoa.gov.vn", "password": PASSWORD, "csrf": nonce}
    assert console.client.post("/console/login", data=form).status_code == 200
    console.cookies["hoa"] = {c.name: c.value or "" for c in console.client.cookies.jar}


def test_a_new_petition_lands_in_its_topics_department_queue(console: Console) -> None:
    code = console.file_petition("Cấp phép xây dựng nhà xưởng chậm", topic="xaydung")
    assert any(f"Đơn vị xử lý: {BUILDING}" in text for text in topic_messages(console))
    sign_in_as_hoa(console)
    with console.as_("hoa") as client:
        assert code in client.get("/console/petitions").text
        page = client.get(f"/console/petitions/{code}").text
    assert f'data-testid="department">{BUILDING}<' in page


def test_an_admin_edits_the_routing_table_and_new_petitions_follow_it(console: Console) -> None:
    console.sign_in("admin")
    saved = post(console, "admin", "/console/routing", topic="xaydung", department="Ban QLDA")
    assert (saved.status_code, saved.headers["location"]) == (303, "/console/routing?saved=xaydung")
    refused = post(console, "admin", "/console/routing", topic="xaydung", department="  ")
    assert refused.status_code == 409
    code = console.file_petition("Cấp phép xây dựng nhà xưởng chậm", topic="xaydung")
    console.sign_in("supervisor")
    with console.as_("supervisor") as client:
        table = client.get("/console/routing").text
        case = client.get(f"/console/petitions/{code}").text
    assert "Ban QLDA" in table and 'data-testid="save-xaydung"' not in table  # read only
    assert 'data-testid="department">Ban QLDA<' in case
    sign_in_as_hoa(console)
    with console.as_("hoa") as client:
        assert client.get(f"/console/petitions/{code}").status_code == 404


def test_a_supervisor_reroutes_a_petition_with_a_reason(console: Console) -> None:
    code = console.file_petition("Cấp phép xây dựng nhà xưởng chậm", topic="xaydung")
    console.sign_in("supervisor")
    path = f"/console/petitions/{code}/reroute"
    missing = post(console, "supervisor", path, department="Sở Công Thương", reason="")
    assert missing.status_code == 409
    assert "Hãy ghi lý do chuyển đơn vị." in missing.text
    assert 'value="Sở Công Thương"' in missing.text
    moved = post(
        console, "supervisor", path, department="Sở Công Thương", reason="Thuộc cụm công nghiệp"
    )
    assert moved.status_code == 303
    with console.as_("supervisor") as client:
        page = client.get(f"/console/petitions/{code}").text
    assert 'data-testid="department">Sở Công Thương<' in page
    assert "Sở Công Thương: Thuộc cụm công nghiệp" in page  # the timeline
    assert any(
        "sang Sở Công Thương. Lý do: Thuộc cụm công nghiệp" in text
        for text in topic_messages(console)
    )
    sign_in_as_hoa(console)
    with console.as_("hoa") as client:
        assert client.get(f"/console/petitions/{code}").status_code == 404


def test_an_exception_by_commune_sends_that_communes_petitions_elsewhere(
    console: Console,
) -> None:
    from troly.bot.petitions.communes import communes_of

    [hac_thanh] = [
        c for c in communes_of(console.settings.province) if c.name.endswith("Hạc Thành")
    ]
    console.sign_in("admin")
    saved = post(
        console,
        "admin",
        "/console/routing/communes",
        topic="xaydung",
        commune=hac_thanh.code,
        department="Phòng Kinh tế phường Hạc Thành",
    )
    assert saved.status_code == 303
    unknown = post(
        console,
        "admin",
        "/console/routing/communes",
        topic="xaydung",
        commune="99999",
        department="X",
    )
    assert unknown.status_code == 409

    def file_from(commune: str | None) -> str:
        console.chat(text="/phananh")
        console.chat(choice="pf:topic:xaydung")
        console.chat(text="Cấp phép sửa chữa nhà xưởng chậm")
        console.chat(choice="pf:done")
        console.chat(choice=f"pf:commune:{commune}" if commune else "pf:commune:none")
        console.chat(choice="pf:public:0")
        console.chat(choice="pf:consent:0")
        return console.chat(choice="pf:submit")[0].split("Mã theo dõi: ")[1].split()[0]

    there, elsewhere = file_from(hac_thanh.code), file_from(None)
    with console.as_("admin") as client:
        table = client.get("/console/routing").text
        first = client.get(f"/console/petitions/{there}").text
        second = client.get(f"/console/petitions/{elsewhere}").text
    assert "Phòng Kinh tế phường Hạc Thành" in table
    assert 'data-testid="department">Phòng Kinh tế phường Hạc Thành<' in first
    assert f'data-testid="department">{BUILDING}<' in second
    removed = post(
        console,
        "admin",
        "/console/routing/communes",
        topic="xaydung",
        commune=hac_thanh.code,
        department="",
    )
    assert removed.status_code == 303
    with console.as_("admin") as client:
        assert 'data-testid="commune-routes"' not in client.get("/console/routing").text

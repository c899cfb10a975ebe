"""The console's door: sign-in, sessions and their timeouts, sign-out, the throttle, CSRF,
and the authorisation matrix walked from the route table (no route escapes it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from starlette.routing import Mount, Route

from console_support import PASSWORD, Console, console_app, make_session, open_live_chat
from support import VN, Clock
from troly.bot.petitions.model import PetitionEvent
from troly.handlers.console.access import ACCESS, PUBLIC
from troly.knowledge.index import ProcedureIndex

MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=VN)
PRINCIPALS = (None, "viewer", "other_officer", "officer", "supervisor", "admin")
CODE_ROUTES = {
    "console:case",
    "console:case_details",
    "console:case_act",
    "console:case_reroute",
    "console:case_file",
    "console:case_timeline",
    "console:case_unpublish",
}
"""Routes of one petition: an officer of another topic gets 404, as if it did not exist."""


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


@pytest.fixture
def console(tmp_path: Path, index: ProcedureIndex, clock: Clock) -> Iterator[Console]:
    with console_app(tmp_path, index, clock) as running:
        yield running


def console_routes(console: Console) -> list[tuple[str, str, str]]:
    """(name, method, path) of every console route, from the app's router."""
    app = console.client.app
    mount = next(r for r in app.routes if isinstance(r, Mount) and r.name == "console")
    found = []
    for route in mount.routes:
        if isinstance(route, Route):
            for method in sorted((route.methods or set()) - {"HEAD"}):
                found.append((f"console:{route.name}", method, "/console" + route.path))
    return found


def test_every_console_route_is_in_the_access_table(console: Console) -> None:
    names = {name for name, _, _ in console_routes(console)}
    assert names - PUBLIC <= set(ACCESS)
    assert set(ACCESS) <= names


def test_signing_in_sets_a_new_httponly_lax_session_cookie(console: Console) -> None:
    first = console.sign_in("officer")
    assert first.status_code == 303
    assert first.headers["location"] == "/console/"
    cookie = first.headers["set-cookie"]
    assert "troly_console=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie
    old = console.cookies["officer"]["troly_console"]
    with console.as_("officer") as client:
        assert client.get("/console/petitions").status_code == 200
    again = console.sign_in("officer")
    assert again.status_code == 303
    assert console.cookies["officer"]["troly_console"] != old


def test_signing_in_again_in_the_same_browser_ends_the_old_session(console: Console) -> None:
    console.sign_in("officer")
    old = dict(console.cookies["officer"])
    console.client.cookies.clear()
    page = console.client.get("/console/login")  # the form's nonce cookie
    for name, value in old.items():
        console.client.cookies.set(name, value)  # and the session it still holds
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    form = {"email": "lan@thanhhoa.gov.vn", "password": PASSWORD, "csrf": csrf}
    response = console.client.post("/console/login", data=form, follow_redirects=False)
    assert response.status_code == 303
    console.client.cookies.clear()
    for name, value in old.items():
        console.client.cookies.set(name, value)
    replay = console.client.get("/console/petitions", follow_redirects=False)
    assert (replay.status_code, replay.headers["location"]) == (303, "/console/login")


def test_a_wrong_password_says_so_and_keeps_the_email(console: Console) -> None:
    response = console.sign_in("officer", password="not-the-password-at-all")
    assert response.status_code == 401
    assert "Thư điện tử hoặc mật khẩu không đúng." in response.text
    assert 'value="lan@thanhhoa.gov.vn"' in response.text


def test_the_sign_in_form_needs_its_hidden_token(console: Console) -> None:
    console.client.cookies.clear()
    form = {"email": "lan@thanhhoa.gov.vn", "password": PASSWORD}
    response = console.client.post("/console/login", data=form, follow_redirects=False)
    assert response.status_code == 403
    assert "troly_console=" not in response.headers.get("set-cookie", "")


def test_anonymous_requests_are_sent_to_the_sign_in_page_with_no_data(console: Console) -> None:
    code = console.file_petition("Cấp phép xây dựng nhà xưởng bị chậm")
    for name, method, path in console_routes(console):
        if name in PUBLIC:
            continue
        with console.as_(None) as client:
            response = client.request(method, path.replace("{code}", code), follow_redirects=False)
        assert (name, response.status_code) == (name, 303)
        assert response.headers["location"] == "/console/login"
        assert code not in response.text and "Cấp phép" not in response.text


def test_a_session_ends_after_30_idle_minutes(console: Console, clock: Clock) -> None:
    console.sign_in("officer")
    clock.advance(minutes=29)
    with console.as_("officer") as client:
        assert client.get("/console/petitions").status_code == 200
    clock.advance(minutes=31)
    with console.as_("officer") as client:
        response = client.get("/console/petitions", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/console/login")


def test_a_busy_session_still_ends_after_12_hours(console: Console, clock: Clock) -> None:
    console.sign_in("officer")
    for _ in range(35):
        clock.advance(minutes=20)
        with console.as_("officer") as client:
            assert client.get("/console/petitions").status_code == 200
    clock.advance(minutes=21)
    with console.as_("officer") as client:
        response = client.get("/console/petitions", follow_redirects=False)
    assert response.status_code == 303


def test_signing_out_ends_the_session_on_the_server(console: Console) -> None:
    console.sign_in("officer")
    csrf = console.csrf("officer")
    saved = dict(console.cookies["officer"])
    with console.as_("officer") as client:
        out = client.post("/console/logout", data={"csrf": csrf}, follow_redirects=False)
    assert (out.status_code, out.headers["location"]) == (303, "/console/login")
    console.client.cookies.clear()
    for name, value in saved.items():
        console.client.cookies.set(name, value)
    replay = console.client.get("/console/petitions", follow_redirects=False)
    assert (replay.status_code, replay.headers["location"]) == (303, "/console/login")


def test_five_wrong_passwords_slow_the_account_down_then_it_opens_again(
    console: Console, clock: Clock
) -> None:
    for _ in range(5):
        assert console.sign_in("officer", password="wrong-password-123").status_code == 401
    slowed = console.sign_in("officer")
    assert slowed.status_code == 429
    assert "Đã nhập sai nhiều lần. Vui lòng chờ 60 giây rồi thử lại." in slowed.text
    clock.advance(seconds=61)
    assert console.sign_in("officer").status_code == 303


def test_five_wrong_passwords_from_one_address_slow_every_account_there(
    console: Console, clock: Clock
) -> None:
    for who in ("viewer", "admin", "supervisor", "other_officer", "viewer"):
        assert console.sign_in(who, password="wrong-password-123").status_code == 401
    assert console.sign_in("officer").status_code == 429
    clock.advance(minutes=16)
    assert console.sign_in("officer").status_code == 303


def test_under_https_the_cookie_is_secure_and_host_prefixed(
    tmp_path: Path, index: ProcedureIndex, clock: Clock
) -> None:
    with console_app(tmp_path, index, clock, public_url="https://troly.example.vn") as console:
        console.client.base_url = "https://testserver"
        response = console.sign_in("officer")
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("__Host-troly_console=")
        assert "Secure" in cookie and "Path=/" in cookie and "HttpOnly" in cookie


def _expected(name: str, who: str | None) -> str:
    if who is None:
        return "sign-in"
    role = "officer" if who == "other_officer" else who
    if role not in ACCESS[name]:
        return "forbidden"
    if who == "other_officer" and name in CODE_ROUTES:
        return "not-found"
    return "ok"


def _outcome(status: int, location: str, cookie: str) -> str:
    if status == 303 and location == "/console/login":
        # Signing out also lands on the sign-in page, but it clears the session cookie.
        return "ok" if "troly_console=" in cookie and "Max-Age=0" in cookie else "sign-in"
    return {403: "forbidden", 404: "not-found"}.get(status, "ok" if status < 500 else "error")


def test_the_authorisation_matrix_holds_for_every_route_and_role(console: Console) -> None:
    photo = ("anh.png", b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"x" * 64, "image/png")
    code = console.file_petition(
        "Cấp phép xây dựng nhà xưởng bị chậm", topic="xaydung", files=(photo,)
    )
    session_id, bookings = make_session(console)
    chat = open_live_chat(console)
    routes = [r for r in console_routes(console) if r[0] not in PUBLIC]
    # Signing out is walked last, or it would end the session the other routes need.
    routes.sort(key=lambda r: r[0] == "console:sign_out")
    forms = {
        "console:case_act": {"action": "write", "text": ""},
        "console:locale": {"locale": "vi"},
        "console:session_screen": {"code": bookings[0], "action": "text", "arg": ""},
        "console:session_conclude": {"code": bookings[0], "text": ""},
        "console:live_act": {"action": "send", "text": ""},
    }
    table: list[tuple[str, str | None, str]] = []
    expected: list[tuple[str, str | None, str]] = []
    for who in PRINCIPALS:
        csrf = ""
        if who is not None:
            assert console.sign_in(who).status_code == 303
            csrf = console.csrf(who)
        for name, method, path in routes:
            target = chat if path.startswith("/console/live/") else code
            url = path.replace("{code}", target).replace("{id}", str(session_id))
            url = url.replace("{number}", "1")
            url = url.replace("{page}", "petitions").replace("{table}", "received")
            with console.as_(who) as client:
                if method == "GET":
                    response = client.get(url, follow_redirects=False)
                else:
                    data = {"csrf": csrf, **forms.get(name, {})}
                    response = client.post(url, data=data, follow_redirects=False)
            headers = response.headers
            outcome = _outcome(
                response.status_code, headers.get("location", ""), headers.get("set-cookie", "")
            )
            table.append((name, who, outcome))
            expected.append((name, who, _expected(name, who)))
    assert table == expected


def test_every_state_change_without_the_token_is_refused_and_changes_nothing(
    console: Console,
) -> None:
    code = console.file_petition("Cấp phép xây dựng nhà xưởng bị chậm")
    session_id, bookings = make_session(console)
    console.sign_in("supervisor")

    async def events() -> int:
        async with console.runtime.sessions() as session:
            return int(await session.scalar(select(func.count(PetitionEvent.id))) or 0)

    before = console.run(events)
    unsafe = [r for r in console_routes(console) if r[1] != "GET"]
    assert {name for name, _, _ in unsafe} >= {"console:case_act", "console:sign_out"}
    for name, _method, path in unsafe:
        data = {
            "action": "claim",
            "locale": "en",
            "email": "x@y.vn",
            "password": PASSWORD,
            "code": bookings[0],
            "arg": "",
            "topic": "thue",
            "department": "Sở X",
            "reason": "x",
        }
        for token in (None, "wrong-token"):
            with console.as_("supervisor") as client:
                # Each form would change something if the token were not checked first.
                if "session" in name:
                    data = {**data, "action": "ok", "present": bookings[0], "text": "Kết luận"}
                form = data if token is None else {**data, "csrf": token}
                url = path.replace("{code}", code).replace("{id}", str(session_id))
                response = client.post(url, data=form, follow_redirects=False)
            assert (name, response.status_code) == (name, 403)
    assert console.run(events) == before
    with console.as_("supervisor") as client:
        listed = client.get(f"/console/sessions/{session_id}").text
    assert "đang chờ xét duyệt" in listed  # the pending booking is still pending
    with console.as_("supervisor") as client:
        page = client.get(f"/console/petitions/{code}")
    assert page.status_code == 200  # still signed in, still Vietnamese, still unassigned
    assert 'lang="vi"' in page.text and 'data-testid="assignee">—<' in page.text


def test_the_inbox_refreshing_itself_does_not_keep_an_idle_session(
    console: Console, clock: Clock
) -> None:
    console.sign_in("officer")
    for _ in range(8):
        clock.advance(minutes=4)
        with console.as_("officer") as client:
            polled = client.get("/console/petitions/rows", headers={"X-Console-Poll": "1"})
        assert polled.status_code == 200
    with console.as_("officer") as client:
        response = client.get("/console/petitions/rows", follow_redirects=False)
        swap = client.get("/console/petitions/rows", headers={"HX-Request": "true"})
    assert (response.status_code, response.headers["location"]) == (303, "/console/login")
    assert (swap.headers["hx-redirect"], swap.text) == ("/console/login", "")


def test_an_admin_reads_the_web_accounts(console: Console) -> None:
    console.sign_in("admin")
    with console.as_("admin") as client:
        page = client.get("/console/accounts").text
    assert "lan@thanhhoa.gov.vn" in page and "Xây dựng, Thuế" in page
    assert page.index("Lê Quản Trị") < page.index("Nguyễn Thị Lan")  # admins first


def test_expired_sessions_and_old_failures_are_deleted_at_the_next_sign_in(
    console: Console, clock: Clock
) -> None:
    from troly.bot.console.model import ConsoleSession, LoginFailure

    console.sign_in("viewer")
    console.sign_in("officer", password="wrong-password-123")
    clock.advance(hours=13)
    console.sign_in("admin")

    async def rows() -> tuple[int, int]:
        async with console.runtime.sessions() as session:
            sessions = await session.scalar(select(func.count()).select_from(ConsoleSession))
            failures = await session.scalar(select(func.count()).select_from(LoginFailure))
            return int(sessions or 0), int(failures or 0)

    assert console.run(rows) == (1, 0)  # the admin's new session only

"""The procedure records' imports in the console: an admin uploads an export, sees the same
check and difference as ``troly kb import --dry-run``, confirms it, and rolls it back (asked
first); nobody else may."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from httpx import Response
from sqlalchemy import select

from console_support import Console, console_app
from support import Clock
from test_kb_import import ADDED, ADDED_NAME, CHANGED, NEW_NAME, REMOVED, RENAMED, export
from troly.bot.console.audit import AuditEntry
from troly.knowledge.index import ProcedureIndex

HOME = "/console/knowledge/imports"
CONFIRM = re.compile(
    r'action="(/console/knowledge/imports/\d+/confirm)".*?name="sha" value="([0-9a-f]{64})"', re.S
)


@pytest.fixture
def console(tmp_path: Path, index: ProcedureIndex) -> Iterator[Console]:
    with console_app(tmp_path, index, Clock()) as running:
        for who in ("admin", "supervisor", "officer", "viewer"):
            running.sign_in(who)
        yield running


def upload(console: Console, who: str, name: str, data: bytes) -> Response:
    csrf = console.csrf(who)
    with console.as_(who) as client:
        return client.post(
            HOME, data={"csrf": csrf}, files={"file": (name, data)}, follow_redirects=False
        )


def post(console: Console, who: str, path: str, **form: str) -> Response:
    csrf = console.csrf(who)
    with console.as_(who) as client:
        return client.post(path, data={"csrf": csrf, **form}, follow_redirects=False)


def confirm(console: Console, checked: Response, **form: str) -> Response:
    """Presses the checked page's confirm button."""
    found = CONFIRM.search(checked.text)
    assert found is not None, checked.text[-500:]
    return post(console, "admin", found.group(1), sha=found.group(2), **form)


def get(console: Console, who: str, path: str) -> Response:
    with console.as_(who) as client:
        return client.get(path, follow_redirects=False)


def actions(console: Console) -> list[tuple[str, str | None]]:
    async def read() -> list[tuple[str, str | None]]:
        async with console.runtime.sessions() as session:
            rows = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
            return [(r.action, r.target) for r in rows if r.action.startswith("knowledge.")]

    return console.run(read)


def test_only_admins_import_or_roll_back(console: Console, tmp_path: Path) -> None:
    data = export(tmp_path).read_bytes()
    assert 'data-testid="tab-imports"' in get(console, "admin", "/console/knowledge").text
    for who in ("supervisor", "officer", "viewer"):
        assert 'data-testid="tab-imports"' not in get(console, who, "/console/knowledge").text
        assert get(console, who, HOME).status_code == 403
        assert upload(console, who, "new.jsonl.gz", data).status_code == 403
        assert get(console, who, f"{HOME}/rollback").status_code == 403
        assert post(console, who, f"{HOME}/rollback").status_code == 403
        assert post(console, who, f"{HOME}/1/confirm").status_code == 403
    assert actions(console) == []


def test_an_admin_sees_the_difference_confirms_and_every_question_uses_the_new_set(
    console: Console, tmp_path: Path
) -> None:
    checked = upload(console, "admin", "new.jsonl.gz", export(tmp_path).read_bytes())

    assert checked.status_code == 200
    page = checked.text
    assert "Đọc được 2642 thủ tục, 0 bản ghi lỗi bị bỏ qua." in page
    assert "So với bộ đóng gói sẵn đang dùng" in page
    assert "Thêm 1, bỏ 1, đổi tên 1, thay đổi 1." in page
    assert f'data-testid="added-{ADDED}">+ <code>{ADDED}</code> {ADDED_NAME}<' in page
    assert f'data-testid="removed-{REMOVED}">' in page
    assert f"{NEW_NAME}</li>" in page and f'data-testid="renamed-{RENAMED}"' in page
    assert f'data-testid="changed-{CHANGED}"' in page and "căn cứ pháp lý" in page
    assert f'data-testid="left-{REMOVED}"' in page  # its everyday names lead nowhere now
    # Nothing is in use until confirmed.
    assert 'data-testid="imports-none"' in get(console, "admin", HOME).text
    assert not console.chat(text=ADDED_NAME)[0].startswith(f"📄 {ADDED_NAME}")

    done = confirm(console, checked)

    assert (done.status_code, done.headers["location"]) == (303, f"{HOME}?done=1")
    console.run(console.runtime.guard.wait)
    assert console.chat(text=ADDED_NAME)[0].startswith(f"📄 {ADDED_NAME}")
    listed = get(console, "admin", f"{HOME}?done=1").text
    assert 'data-testid="import-status-1">Đang dùng' in listed
    assert "Đã lưu lần nhập #1" in listed
    assert actions(console) == [("knowledge.import_check", "1"), ("knowledge.import", "1")]
    # The same file again: nothing to import.
    again = upload(console, "admin", "again.jsonl", gzip.decompress(export(tmp_path).read_bytes()))
    assert "Tệp giống hệt lần nhập #1 đang dùng" in again.text
    assert 'data-testid="import-confirm"' not in again.text


def test_a_rollback_asks_first_then_goes_back_to_the_bundled_set(
    console: Console, tmp_path: Path
) -> None:
    confirm(console, upload(console, "admin", "new.jsonl.gz", export(tmp_path).read_bytes()))
    console.run(console.runtime.guard.wait)
    assert 'data-testid="rollback"' in get(console, "admin", HOME).text

    asked = get(console, "admin", f"{HOME}/rollback")

    assert "Bỏ lần nhập #1 (new.jsonl.gz) và quay lại bộ đóng gói sẵn?" in asked.text
    assert console.chat(text=ADDED_NAME)[0].startswith(f"📄 {ADDED_NAME}")  # nothing changed yet
    back = post(console, "admin", f"{HOME}/rollback")
    assert (back.status_code, back.headers["location"]) == (303, f"{HOME}?back=1")
    console.run(console.runtime.guard.wait)
    assert not console.chat(text=ADDED_NAME)[0].startswith(f"📄 {ADDED_NAME}")
    listed = get(console, "admin", HOME).text
    assert 'data-testid="import-status-1">Đã quay lại' in listed
    assert 'data-testid="rollback"' not in listed
    assert "không có gì để quay lại" in get(console, "admin", f"{HOME}/rollback").text
    assert ("knowledge.rollback", "1") in actions(console)


def test_a_file_that_is_no_export_or_drops_most_records_is_not_stored_as_it_is(
    console: Console, tmp_path: Path
) -> None:
    refused = upload(console, "admin", "photo.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    assert refused.status_code == 409
    assert "Tệp không phải bản xuất JSON lines" in refused.text

    lines = gzip.decompress(export(tmp_path).read_bytes()).decode().splitlines()
    half = upload(console, "admin", "cut.jsonl", "\n".join(lines[:100]).encode())
    assert 'data-testid="too-many"' in half.text and 'data-testid="import-force"' in half.text
    unforced = confirm(console, half)
    assert unforced.status_code == 409
    assert 'data-testid="imports-none"' in unforced.text
    forced = confirm(console, half, force="1")
    assert forced.status_code == 303


def test_a_checked_file_is_not_stored_once_the_set_in_use_changed(
    console: Console, tmp_path: Path
) -> None:
    first = upload(console, "admin", "first.jsonl.gz", export(tmp_path).read_bytes())
    lines = gzip.decompress(export(tmp_path).read_bytes()).decode().splitlines()
    second = upload(console, "admin", "second.jsonl", "\n".join(lines[:-1]).encode())
    third = upload(console, "admin", "third.jsonl", "\n".join(lines[:-2]).encode())
    # Only the last file checked waits; the first is gone.
    assert confirm(console, first).headers["location"] == f"{HOME}?stale=1"
    assert confirm(console, second).headers["location"] == f"{HOME}?stale=1"
    assert confirm(console, third).status_code == 303
    # Checked against the bundled set: once another set is in use, it is checked again.
    again = upload(console, "admin", "first.jsonl.gz", export(tmp_path).read_bytes())
    rollback = post(console, "admin", f"{HOME}/rollback")
    assert rollback.status_code == 303
    assert confirm(console, again).headers["location"] == f"{HOME}?stale=1"
    assert 'data-testid="stale"' in get(console, "admin", f"{HOME}?stale=1").text

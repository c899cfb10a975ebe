"""Refreshing the procedure records: ``troly kb import`` checks a newer export, prints what it
changes, stores it for every worker and switches their index; ``history`` and ``rollback``."""

from __future__ import annotations

import gc
import gzip
import io
import json
import sys
from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from support import Chat, Clock
from troly.bot.knowledge.imports import gzipped
from troly.bot.knowledge.taught import teach
from troly.bot.settings import Settings
from troly.bot.storage.database import upgrade
from troly.handlers import cli, kb_records_cli
from troly.handlers.app import Runtime, build_runtime
from troly.knowledge.index import ProcedureIndex

REMOVED = "1.001612"  # Đăng ký thành lập hộ kinh doanh (it has everyday names)
RENAMED = "2.002043"  # Đăng ký thành lập công ty cổ phần
CHANGED = "1.008510"  # Khôi phục mã số thuế
ADDED = "9.000001"
ADDED_NAME = "Đăng ký tham gia sàn giao dịch tín chỉ carbon trong nước"
NEW_NAME = "Đăng ký thành lập công ty cổ phần (mẫu mới 2026)"


def bundled() -> list[dict[str, Any]]:
    raw = resources.files("troly.knowledge").joinpath("data/procedures.jsonl.gz").read_bytes()
    return [json.loads(line) for line in gzip.decompress(raw).decode().splitlines()]


def export(tmp_path: Path, *, name: str = "new.jsonl.gz", extra: list[str] = ()) -> Path:
    """The bundled export with one record added, one removed, one renamed, one changed."""
    records = [r for r in bundled() if r["ma_thu_tuc"] != REMOVED]
    for record in records:
        if record["ma_thu_tuc"] == RENAMED:
            record["ten_thu_tuc"] = NEW_NAME
        if record["ma_thu_tuc"] == CHANGED:
            record["can_cu_phap_ly"] = [{"code": "99/2026/TT-BTC", "title": "Thông tư mới"}]
    added = {**records[0], "ma_thu_tuc": ADDED, "ten_thu_tuc": ADDED_NAME, "topics": []}
    records.append(added)
    lines = [json.dumps(r, ensure_ascii=False) for r in records] + list(extra)
    path = tmp_path / name
    text = "\n".join(lines) + "\n"
    path.write_bytes(gzip.compress(text.encode()) if name.endswith(".gz") else text.encode())
    return path


@pytest_asyncio.fixture
async def worker(tmp_path: Path, index: ProcedureIndex) -> AsyncIterator[Runtime]:
    """A running worker of the assistant (its index: the bundled records)."""
    settings = Settings(environment="test", database_url=f"sqlite:///{tmp_path / 'kb.db'}")
    runtime = build_runtime(settings, index=index, clock=Clock())
    await upgrade(runtime.engine)
    try:
        yield runtime
    finally:
        await runtime.engine.dispose()


async def kb(worker: Runtime, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    args = cli.parser().parse_args(["kb", *argv])
    code = await kb_records_cli.run(args, worker.settings, out)
    return code, out.getvalue()


async def test_an_import_prints_the_diff_and_every_worker_switches_to_it(
    worker: Runtime, tmp_path: Path
) -> None:
    async with worker.sessions.begin() as session:
        await teach(
            session,
            worker.index,
            "giấy phép kinh doanh cá thể",
            code=REMOVED,
            by="lan",
            now=worker.clock(),
        )
    chat = Chat(worker.dialogue)
    assert (await chat.say("an", ADDED_NAME))[0].kind != f"procedure:{ADDED}"

    code, out = await kb(worker, "import", str(export(tmp_path)), "--by", "lan")

    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == (
        "Đọc được / read: 2642 thủ tục / records, 0 bản ghi lỗi bị bỏ qua / malformed records "
        "left out"
    )
    assert "  thêm / added 1, bỏ / removed 1, đổi tên / renamed 1, thay đổi / changed 1" in lines
    assert f"  + {ADDED} {ADDED_NAME}" in lines
    assert f"  - {REMOVED} Đăng ký thành lập hộ kinh doanh" in lines
    assert f"  ~ {RENAMED} Đăng ký thành lập công ty cổ phần → {NEW_NAME}" in lines
    assert f"  * {CHANGED} Khôi phục mã số thuế: căn cứ pháp lý / legal basis" in lines
    assert "    câu đã dạy / taught question: giấy phép kinh doanh cá thể" in lines
    assert any(line.startswith("    tên thường gọi / everyday name: ") for line in lines)
    assert lines[-1].startswith("Đã lưu lần nhập #1;")

    interval = sys.getswitchinterval()
    assert await worker.reloader.check() is True
    # The rebuild's gentle mode (a short switch interval, the collector paused) is over.
    assert (sys.getswitchinterval(), gc.isenabled()) == (interval, True)
    assert (await chat.say("an", ADDED_NAME))[0].kind == f"procedure:{ADDED}"
    renamed = await chat.say("an", "đăng ký thành lập công ty cổ phần")
    assert renamed[0].kind == f"procedure:{RENAMED}"
    assert renamed[0].text.splitlines()[0] == f"📄 {NEW_NAME}"
    assert worker.index.kb.get(REMOVED) is None


async def test_a_malformed_record_is_reported_by_code_and_field_and_left_out(
    worker: Runtime, tmp_path: Path
) -> None:
    broken = json.dumps(
        {
            "ma_thu_tuc": "9.000002",
            "ten_thu_tuc": "Thủ tục hỏng",
            "phi": 1,
            "cach_thuc_thuc_hien": "trực tiếp",
        },
        ensure_ascii=False,
    )
    path = export(tmp_path, name="new.jsonl", extra=["{not json", broken])

    code, out = await kb(worker, "import", str(path), "--dry-run")

    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("Đọc được / read: 2642 thủ tục / records, 2 bản ghi lỗi")
    assert lines[1].startswith("  ! line 2643 [json] ")
    assert lines[2] == "  ! 9.000002 [cach_thuc_thuc_hien] expected a list, got str"
    assert lines[-1] == "Chạy thử: chưa lưu gì / dry run: nothing stored"
    assert (await kb(worker, "history"))[1] == (
        "Chưa nhập lần nào: đang dùng bản đóng gói / no import: the bundled set\n"
    )


async def test_a_file_that_is_not_an_export_or_cuts_the_set_is_refused(
    worker: Runtime, tmp_path: Path
) -> None:
    garbage = tmp_path / "x.jsonl.gz"
    garbage.write_bytes(b"\x1f\x8b\x08\x00broken")
    half = tmp_path / "half.jsonl"
    half.write_text("\n".join(json.dumps(r) for r in bundled()[:100]) + "\n")

    bad_code, bad = await kb(worker, "import", str(garbage))
    cut_code, cut = await kb(worker, "import", str(half))
    missing_code, _ = await kb(worker, "import", str(tmp_path / "none.jsonl"))

    assert (bad_code, cut_code, missing_code) == (2, 2, 2)
    assert bad.startswith("Tệp không phải bản xuất JSON lines / not a JSON-lines export: ")
    assert "có thể bị cắt cụt" in cut.splitlines()[-1]
    assert (await kb(worker, "history"))[1].startswith("Chưa nhập lần nào")


def test_an_export_is_stored_as_one_gzip_member_compressed_a_piece_at_a_time() -> None:
    # Compressed in pieces (in a thread, so a worker's loop goes on answering): the stored
    # bytes are one ordinary gzip member, and a piece ends between characters, not bytes.
    text = "Thủ tục đăng ký hộ kinh doanh — ".join(str(i) for i in range(60_000))
    assert len(text) > 1_500_000  # more than one piece
    stored = gzipped(text)
    assert stored[:2] == b"\x1f\x8b"
    assert gzip.decompress(stored).decode("utf-8") == text


async def test_rollback_returns_to_the_previous_set_and_history_lists_both(
    worker: Runtime, tmp_path: Path
) -> None:
    assert (await kb(worker, "import", str(export(tmp_path)), "--by", "lan"))[0] == 0
    second = export(tmp_path, name="second.jsonl", extra=[])
    assert (await kb(worker, "import", str(second)))[1].endswith(
        "Giống hệt lần nhập #1 đang dùng / the same as import #1\n"
    )

    code, out = await kb(worker, "rollback", "--by", "lan")
    assert code == 0
    assert out.splitlines()[:2] == [
        "Đã bỏ lần nhập #1; quay lại bản đóng gói / the bundled set / left import #1",
        "  thêm / added 1, bỏ / removed 1, đổi tên / renamed 1, thay đổi / changed 1",
    ]
    assert await worker.reloader.check() is True
    assert worker.index.kb.get(REMOVED) is not None and worker.index.kb.get(ADDED) is None
    history = (await kb(worker, "history"))[1].splitlines()
    assert history[0].endswith(
        "new.jsonl.gz: 2642 thủ tục / records (+1 -1 ~1 *1, 0 lỗi / "
        "malformed) — đã quay lại / rolled back"
    )
    assert history[1] == "Đang dùng bản đóng gói / the bundled set is in use"
    assert (await kb(worker, "rollback"))[0] == 2


async def _two_workers_switch_to_an_import_and_back(
    url: str, index: ProcedureIndex, tmp: Path
) -> None:
    settings = Settings(environment="test", database_url=url)
    one, other = (build_runtime(settings, index=index, clock=Clock()) for _ in range(2))
    await upgrade(one.engine)
    try:
        assert (await kb(one, "import", str(export(tmp))))[0] == 0
        # Both workers read the same stored set: the one that imported and the other.
        assert await one.reloader.check() is True
        assert await other.reloader.check() is True
        for worker in (one, other):
            replies = await Chat(worker.dialogue).say("an", ADDED_NAME)
            assert replies[0].kind == f"procedure:{ADDED}"
        # An everyday name of a record that stays still leads to it.
        replies = await Chat(other.dialogue).say("bo", "khôi phục mã số thuế")
        assert replies[0].kind == f"procedure:{CHANGED}"

        assert (await kb(other, "rollback"))[0] == 0
        assert await one.reloader.check() is True
        assert one.index.kb.get(ADDED) is None and one.index.kb.get(REMOVED) is not None
    finally:
        for worker in (one, other):
            await worker.engine.dispose()


async def test_two_workers_on_one_database_switch_to_an_import_and_back(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    url = f"sqlite:///{tmp_path / 'two.db'}"
    await _two_workers_switch_to_an_import_and_back(url, index, tmp_path)


@pytest.mark.postgres
async def test_on_postgresql_two_workers_switch_to_an_import_and_back(
    pg_url: str, index: ProcedureIndex, tmp_path: Path
) -> None:
    await _two_workers_switch_to_an_import_and_back(pg_url, index, tmp_path)

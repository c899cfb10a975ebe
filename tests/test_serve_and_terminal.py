"""`troly serve` starts, answers and stops cleanly on SIGTERM; `troly chat` talks in a terminal."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import socket
import sys
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from support import Clock
from troly.bot.dialogue import Dialogue
from troly.bot.settings import Settings
from troly.handlers.terminal import run_terminal_chat
from troly.knowledge.index import ProcedureIndex


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_serve_answers_then_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "TROLY_PORT": str(port),
        "TROLY_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "PYTHONWARNINGS": "ignore",
    }
    env.pop("TROLY_TELEGRAM_TOKEN", None)
    env.pop("TROLY_STAFF_CHAT_ID", None)
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "troly.handlers.cli",
        "serve",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(300):  # up to 30 s for the index and migrations
                try:
                    health = await client.get("/healthz")
                    break
                except httpx.ConnectError:
                    await asyncio.sleep(0.1)
            else:
                raise AssertionError("troly serve did not start")
            answer = await client.post(
                "/api/chat", json={"session": "s1", "text": "khôi phục mã số thuế"}
            )
        assert health.json() == {"status": "ok"}
        assert answer.json()["replies"][0]["kind"] == "procedure:1.008510"
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(server.communicate(), timeout=30)
    log = output.decode()
    assert server.returncode == 0
    assert "Application shutdown complete" in log
    assert "Traceback" not in log
    assert "channels: web;" in log
    # Without a staff group nobody would hear of petitions: the operator is told at start.
    assert "TROLY_STAFF_CHAT_ID is not set" in log


async def test_terminal_chat_numbers_the_buttons_and_a_number_presses_one(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    dialogue = Dialogue(
        sessions=sessions, index=index, settings=Settings(environment="test"), clock=Clock()
    )
    typed = io.StringIO("khôi phục mã số thuế\n1\n/thoat\n")
    out = io.StringIO()
    code = await run_terminal_chat(dialogue, out=out, stdin=typed)
    transcript = out.getvalue()
    assert code == 0
    assert "[1] ❓ Hỏi thủ tục hành chính" in transcript
    assert "📄 Khôi phục mã số thuế" in transcript
    assert "[1] 📑 Hồ sơ cần chuẩn bị" in transcript
    assert transcript.count("Hồ sơ cần chuẩn bị") == 2
    assert transcript.rstrip().endswith("Tạm biệt!")

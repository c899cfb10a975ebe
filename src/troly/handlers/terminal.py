"""``troly chat``: the same dialogue in a terminal, buttons as numbered choices."""

from __future__ import annotations

import asyncio
import secrets
from typing import TextIO

from troly.bot.choices import unnumbered
from troly.bot.clean import clean_incoming, clean_text
from troly.bot.dialogue import Dialogue
from troly.bot.messages import Button, Incoming, Reply


def render_terminal(reply: Reply, start: int = 1) -> tuple[str, list[Button]]:
    """A reply as terminal text, its buttons numbered from ``start``."""
    buttons = reply.all_buttons()
    lines = [reply.text]
    for number, button in enumerate(buttons, start=start):
        suffix = f" → {button.url}" if button.url else ""
        lines.append(f"  [{number}] {unnumbered(button.label)}{suffix}")
    return "\n".join(lines), buttons


def to_terminal_incoming(line: str, buttons: list[Button], user_id: str) -> Incoming:
    """What a typed line means: a number picks a button, anything else is text."""
    text = clean_text(line).strip()
    if text.isdigit() and 1 <= int(text) <= len(buttons):
        button = buttons[int(text) - 1]
        if button.choice is not None:
            return Incoming(channel="cli", user_id=user_id, choice=button.choice)
        return Incoming(channel="cli", user_id=user_id, text=button.url or "")
    return clean_incoming(Incoming(channel="cli", user_id=user_id, text=text))


async def run_terminal_chat(dialogue: Dialogue, *, out: TextIO, stdin: TextIO) -> int:
    """Talks to the dialogue until end of input or ``/thoat``."""
    user_id = "cli-" + secrets.token_hex(4)
    buttons: list[Button] = []
    out.write("Trợ lý Doanh nghiệp — gõ câu hỏi; số để chọn nút; /thoat để thoát.\n\n")
    incoming = Incoming(channel="cli", user_id=user_id, choice="start")
    while True:
        handled = await dialogue.handle(incoming)
        buttons = []
        for reply in handled.replies:
            text, shown = render_terminal(reply, start=len(buttons) + 1)
            buttons.extend(shown)
            out.write(text + "\n\n")
        out.write("> ")
        out.flush()
        line = await asyncio.to_thread(stdin.readline)
        if not line or line.strip() in {"/thoat", "/exit", "/quit"}:
            out.write("\nTạm biệt!\n")
            return 0
        if not line.strip():
            line = "/trogiup"
        incoming = to_terminal_incoming(line, buttons, user_id)

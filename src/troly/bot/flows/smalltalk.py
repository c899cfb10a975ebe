"""Small talk: a message that is only a greeting, a thank-you or an "ok" is answered as such.

Without this a greeting reaches the matcher, and "chao ban" (chào bạn) finds "chào bán"
(securities offerings). Only whole messages count: "chào bán cổ phần" stays a question.
"""

from __future__ import annotations

from troly.bot.flows import menu
from troly.bot.flows.base import Outcome, State
from troly.bot.messages import Reply
from troly.bot.texts import t
from troly.knowledge.folding import basic_fold

_POLITE = {"a", "ad", "admin", "ban", "em", "anh", "chi", "nhe", "nha", "nhieu", "nhe a", "bot"}

_GREETINGS = {
    "xin chao", "chao", "alo", "a lo", "hi", "hello", "hey", "helo", "good morning",
    "good afternoon", "chao buoi sang", "chao buoi chieu", "start",
}  # fmt: skip
_THANKS = {"cam on", "cam an", "thanks", "thank you", "thank", "tks", "thanks you", "cmon"}
_ACKS = {"ok", "oke", "okay", "okie", "vang", "da", "da vang", "duoc", "dc", "ok roi", "roi"}


def _core(folded: str) -> str:
    """The message without the polite words around it ("cảm ơn bạn nhiều ạ" -> "cam on")."""
    words = folded.split()
    while words and words[-1] in _POLITE:
        words.pop()
    while len(words) > 1 and words[0] in {"da", "vang", "ok"} and " ".join(words) not in _ACKS:
        words.pop(0)
    return " ".join(words)


def kind_of(text: str) -> str | None:
    """The kind of small talk ("greeting", "thanks", "ack", "emoji"), or None for a question.

    A message of emoji and marks only ("👍", "🙂🙂🙂") has no question in it: "emoji".
    """
    if text.strip() and not any(char.isalnum() for char in text):
        return "emoji"
    folded = basic_fold(text)
    if not folded or len(folded) > 40:
        return None
    core = _core(folded)
    if core in _GREETINGS or folded in _GREETINGS:
        return "greeting"
    if core in _THANKS or folded in _THANKS:
        return "thanks"
    if core in _ACKS or folded in _ACKS:
        return "ack"
    return None


def answer(state: State, kind: str, door: str | None = None) -> Outcome:
    """Greets back with the menu, or says "you're welcome" and what else it can do."""
    if kind == "greeting":
        return menu.welcome(state, door)
    key = {"thanks": "smalltalk.thanks", "emoji": "smalltalk.emoji"}.get(kind, "smalltalk.ack")
    return Outcome(state, (Reply(t(key, state.locale), menu.menu_buttons(state.locale)),))

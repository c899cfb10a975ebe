"""Test helpers: a movable clock, a recording sender, a chat driver that reads as a transcript."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from troly.bot.dialogue import Dialogue
from troly.bot.messages import Channel, Incoming, Reply
from troly.bot.outbox import RetryLater, Undeliverable

VN = ZoneInfo("Asia/Ho_Chi_Minh")


class Clock:
    """A clock the test moves; it never sleeps."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 23, 9, 0, tzinfo=VN)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class RecordingSender:
    """A sender that records what it delivers, and can be told to fail."""

    sent: list[tuple[str, Reply]] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)

    async def send(self, recipient: str, reply: Reply, *, thread: str | None = None) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((recipient, reply))

    def fail_next(self, *errors: Exception) -> None:
        self.failures.extend(errors)


def retry(after: float | None = None) -> RetryLater:
    return RetryLater("flood", after=after)


def blocked() -> Undeliverable:
    return Undeliverable("blocked", blocked=True)


class Chat:
    """Drives the dialogue like a user would: ``await chat.say("an", "xin chào")``."""

    def __init__(self, dialogue: Dialogue, channel: Channel = "web") -> None:
        self.dialogue = dialogue
        self.channel: Channel = channel
        self._event = 0

    async def say(self, user: str, text: str, *, event_id: str | None = None) -> list[Reply]:
        incoming = Incoming(channel=self.channel, user_id=user, text=text, event_id=event_id)
        return list((await self.dialogue.handle(incoming)).replies)

    async def press(self, user: str, choice: str) -> list[Reply]:
        incoming = Incoming(channel=self.channel, user_id=user, choice=choice)
        return list((await self.dialogue.handle(incoming)).replies)


async def describe_petition(chat: Chat, user: str, *, topic: str, description: str) -> None:
    """Starts a petition and writes its description: the flow then waits at the files step."""
    await chat.say(user, "/phananh")
    await chat.press(user, f"pf:topic:{topic}")
    await chat.say(user, description)


def choices(reply: Reply) -> list[str]:
    return [b.choice for b in reply.all_buttons() if b.choice is not None]

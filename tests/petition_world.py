"""A petition test world: the dialogue, the follow-ups and the outbox on one moved clock."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from support import Clock
from troly.bot.dialogue import Dialogue
from troly.bot.followups import Followups, TickReport
from troly.bot.messages import Attachment, Channel, Door, Incoming, Reply, reply_from_payload
from troly.bot.petitions.model import Petition
from troly.bot.settings import Settings
from troly.bot.staff import add_staff
from troly.bot.staff_topics import StaffTopics
from troly.bot.storage.models import OutboxMessage
from troly.bot.wiring import (
    effect_appliers,
    followup_handlers,
    followup_preloaders,
    open_petition,
)
from troly.knowledge.index import ProcedureIndex

GROUP = "-1001234"
BUSINESS = "501"
AGENT = "11"
SUPERVISOR = "12"
OUTSIDER = "99"
VALID_TAX_CODE = "0300588569"


@dataclass(frozen=True)
class Sent:
    """One outbox row as the test reads it."""

    channel: str
    recipient: str
    thread: str | None
    reply: Reply

    @property
    def text(self) -> str:
        return self.reply.text

    def choices(self) -> list[str]:
        return [b.choice for b in self.reply.all_buttons() if b.choice is not None]


@dataclass
class World:
    """Drives a business chat, the staff group and the scheduler tick."""

    sessions: async_sessionmaker[AsyncSession]
    index: ProcedureIndex
    clock: Clock
    settings: Settings = field(
        default_factory=lambda: Settings(environment="test", staff_chat_id=int(GROUP))
    )
    channel: Channel = "telegram"
    """The business's door: Telegram, or the web (``door="kiosk"``: the kiosk's screen)."""
    door: Door | None = None

    def __post_init__(self) -> None:
        self.dialogue = Dialogue(
            sessions=self.sessions,
            index=self.index,
            settings=self.settings,
            clock=self.clock,
            appliers=effect_appliers(self.settings),
            open_petition=open_petition(),
        )
        self.followups = Followups(
            sessions=self.sessions,
            handlers=followup_handlers(self.settings),
            preloaders=followup_preloaders(),
            clock=self.clock,
            settings=self.settings,
        )
        self.topics = StaffTopics(self.sessions)
        self._seen = 0
        self._event = 0
        self._topic_ids = 500
        self._own: set[int] = set()
        self._edits: list[tuple[int, Reply]] = []

    async def edits(self) -> list[tuple[Sent, Reply]]:
        """The edits written so far: each with the message it rewrites, and its new form."""
        await self.sent()
        found = []
        async with self.sessions() as session:
            for row_id, reply in self._edits:
                row = await session.get(OutboxMessage, row_id)
                assert row is not None
                old = Sent(row.channel, row.recipient, row.thread, reply_from_payload(row.payload))
                found.append((old, reply))
        return found

    async def roster(self) -> None:
        async with self.sessions.begin() as session:
            now = self.clock()
            await add_staff(
                session, channel="telegram", user_id=AGENT, name="Lan", role="agent", now=now
            )
            await add_staff(
                session,
                channel="telegram",
                user_id=SUPERVISOR,
                name="Minh",
                role="supervisor",
                now=now,
            )

    async def say(self, text: str, *, user: str = BUSINESS) -> list[Reply]:
        return await self._handle(
            Incoming(channel=self.channel, user_id=user, text=text, door=self.door)
        )

    async def send_file(self, name: str, *, text: str | None = None) -> list[Reply]:
        file = Attachment("document", f"file-{name}", name=name, mime_type="application/pdf")
        incoming = Incoming(
            channel=self.channel, user_id=BUSINESS, text=text, attachments=(file,), door=self.door
        )
        return await self._handle(incoming)

    async def press(self, choice: str, *, user: str = BUSINESS) -> list[Reply]:
        return await self._handle(
            Incoming(channel=self.channel, user_id=user, choice=choice, door=self.door)
        )

    async def staff_press(
        self, user: str, choice: str, *, thread: str | None = None
    ) -> list[Reply]:
        return await self._handle(
            Incoming(
                channel="telegram",
                user_id=user,
                choice=choice,
                chat_id=GROUP,
                thread=thread,
                display_name={AGENT: "Lan", SUPERVISOR: "Minh"}.get(user, "Khách"),
            )
        )

    async def staff_say(
        self,
        user: str,
        text: str | None,
        *,
        thread: str | None,
        attachments: tuple[Attachment, ...] = (),
    ) -> list[Reply]:
        return await self._handle(
            Incoming(
                channel="telegram",
                user_id=user,
                text=text,
                attachments=attachments,
                chat_id=GROUP,
                thread=thread,
                display_name={AGENT: "Lan", SUPERVISOR: "Minh"}.get(user, "Khách"),
            )
        )

    async def _handle(self, incoming: Incoming) -> list[Reply]:
        self._event += 1
        handled = await self.dialogue.handle(incoming)
        self._own.update(handled.outbox_ids)
        return list(handled.replies)

    async def tick(self) -> TickReport:
        return await self.followups.run_due()

    async def at(self, moment: datetime) -> TickReport:
        """Moves the clock to ``moment`` and runs what came due."""
        assert moment >= self.clock.now
        self.clock.now = moment
        return await self.tick()

    async def sent(self) -> list[Sent]:
        """Outbox rows written since the last call, other than the dialogue's own replies.

        Edits of earlier messages (a card rewritten after a claim) are kept aside, for
        ``edits()``: they are not new messages.
        """
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(OutboxMessage)
                    .where(OutboxMessage.id > self._seen)
                    .order_by(OutboxMessage.id)
                )
            ).scalars()
            out = []
            for row in rows:
                self._seen = row.id
                if row.id in self._own:
                    continue
                if row.edit_of is not None:
                    self._edits.append((row.edit_of, reply_from_payload(row.payload)))
                    continue
                out.append(
                    Sent(row.channel, row.recipient, row.thread, reply_from_payload(row.payload))
                )
            return out

    async def topic_thread(self, code: str) -> str:
        """Creates the petition's forum topic as the Telegram door would; returns its id."""

        async def create(_name: str) -> str:
            self._topic_ids += 1
            return str(self._topic_ids)

        thread = await self.topics.resolve(f"topic:petition:{code}", create)
        assert thread is not None
        return thread

    async def petition(self, code: str) -> Petition:
        async with self.sessions() as session:
            row = (
                await session.execute(select(Petition).where(Petition.code == code))
            ).scalar_one()
            return row

    async def file(
        self, description: str = "Hồ sơ cấp phép xây dựng quá hạn 20 ngày", *, user: str = BUSINESS
    ) -> str:
        """Files an anonymous petition the short way; returns its code."""
        await self.say("/phananh", user=user)
        await self.press("pf:topic:xaydung", user=user)
        await self.say(description, user=user)
        await self.press("pf:done", user=user)
        await self.press("pf:commune:none", user=user)
        await self.press("pf:public:0", user=user)
        await self.press("pf:consent:0", user=user)
        [filed] = await self.press("pf:submit", user=user)
        found = re.search(r"\bPA-[0-9A-Z]{6}\b", filed.text)  # "Mã theo dõi:", "Tracking code:"
        assert found is not None, filed.text
        return found.group(0)

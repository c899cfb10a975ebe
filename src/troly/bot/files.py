"""Files replies carry, kept in the database for platforms that fetch a URL (Zalo).

A file's key is an HMAC of its content and name: the same file is stored once, and nobody can
guess the key of a file they were not sent. Must not import handlers or platform libraries.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from troly.bot.messages import Document
from troly.bot.storage.models import SharedFile


class FileShelf:
    """Stores a reply's document under an unguessable key and gives it back by that key."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        secret: bytes,
        write_lock: asyncio.Lock | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._secret = secret
        self._write_lock = write_lock

    def key(self, document: Document) -> str:
        """The document's key (hex, 40 characters)."""
        mac = hmac.new(self._secret, document.filename.encode() + b"\0", hashlib.sha256)
        mac.update(document.content)
        return mac.hexdigest()[:40]

    async def put(self, document: Document) -> str:
        """Stores the document (once) and returns its key."""
        key = self.key(document)
        lock = self._write_lock if self._write_lock is not None else contextlib.nullcontext()
        async with lock:
            try:
                async with self._sessions.begin() as session:
                    if await session.get(SharedFile, key) is None:
                        session.add(
                            SharedFile(
                                key=key,
                                filename=document.filename,
                                mime_type=document.mime_type,
                                content=document.content,
                                created_at=self._clock(),
                            )
                        )
            except IntegrityError:
                pass  # another worker stored the same file at the same moment
        return key

    async def get(self, key: str) -> Document | None:
        """The stored document, or None for an unknown key."""
        async with self._sessions() as session:
            found = await session.get(SharedFile, key)
            if found is None:
                return None
            return Document(found.filename, found.content, found.mime_type)

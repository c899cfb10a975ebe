"""Files replies carry: fetched from the platform holding them, kept for URL-only platforms.

A file's key is an HMAC of its content and name: the same file is stored once, and nobody can
guess the key of a file they were not sent. Must not import handlers or platform libraries.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from troly.bot.messages import Document
from troly.bot.storage.models import SharedFile


class FileUnavailable(Exception):
    """The file cannot be fetched, now or later (too big, gone, no way to reach it)."""


class FileFetcher(Protocol):
    """A platform's way of downloading a file it holds, by its reference."""

    async def fetch(self, ref: str) -> bytes:
        """The file's bytes; raises ``FileUnavailable``, or ``RetryLater`` for a hiccup."""


class FileSources:
    """The fetchers of the platforms whose files replies may carry by reference, by channel.

    The doors register theirs when they are built (the Telegram door: getFile).
    """

    def __init__(self) -> None:
        self._fetchers: dict[str, FileFetcher] = {}

    def register(self, channel: str, fetcher: FileFetcher) -> None:
        """Makes the files of ``channel`` fetchable."""
        self._fetchers[channel] = fetcher

    async def filled(self, document: Document) -> Document:
        """The document with its content, fetched when it travels only as a reference."""
        if document.content or document.ref is None:
            return document
        channel, _, ref = document.ref.partition(":")
        fetcher = self._fetchers.get(channel)
        if fetcher is None or not ref:
            raise FileUnavailable(f"no way to fetch files from {channel or 'nowhere'}")
        return replace(document, content=await fetcher.fetch(ref))


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
                    found = await session.get(SharedFile, key)
                    if found is None:
                        session.add(
                            SharedFile(
                                key=key,
                                filename=document.filename,
                                mime_type=document.mime_type,
                                content=document.content,
                                created_at=self._clock(),
                                owner=document.owner,
                            )
                        )
                    elif found.owner is None and document.owner is not None:
                        # Stored before for no one: now it goes with that record's data.
                        found.owner = document.owner
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

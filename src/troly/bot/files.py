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

UNCLAIMED = "upload"
"""The owner of a file a user uploaded that no record has taken yet (erased by retention)."""


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
        content = await fetcher.fetch(ref)
        if isinstance(fetcher, ShelfFiles) and document.owner is not None:
            # An upload kept on our own shelf now goes with its record's personal data.
            await fetcher.adopt(ref, document.owner)
        return replace(document, content=content)


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

    def key(self, document: Document, *, scope: str = "") -> str:
        """The document's key (hex, 40 characters).

        A ``scope`` (whose upload it is) keeps the same file sent by two people apart.
        """
        mac = hmac.new(self._secret, document.filename.encode() + b"\0", hashlib.sha256)
        if scope:
            mac.update(scope.encode() + b"\0")
        mac.update(document.content)
        return mac.hexdigest()[:40]

    async def put(self, document: Document, *, scope: str = "") -> str:
        """Stores the document (once) and returns its key."""
        key = self.key(document, scope=scope)
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

    async def adopt(self, key: str, owner: str) -> None:
        """Gives a file stored for no record (``UNCLAIMED`` or None) to ``owner``."""
        lock = self._write_lock if self._write_lock is not None else contextlib.nullcontext()
        async with lock, self._sessions.begin() as session:
            found = await session.get(SharedFile, key)
            if found is not None and found.owner in (None, UNCLAIMED):
                found.owner = owner

    async def get(self, key: str) -> Document | None:
        """The stored document, or None for an unknown key."""
        async with self._sessions() as session:
            found = await session.get(SharedFile, key)
            if found is None:
                return None
            return Document(found.filename, found.content, found.mime_type)


class ShelfFiles:
    """The fetcher of files users uploaded to our own shelf (the web chat), by their key."""

    def __init__(self, shelf: FileShelf) -> None:
        self._shelf = shelf

    async def fetch(self, ref: str) -> bytes:
        """The stored file's bytes; ``FileUnavailable`` once it is gone (erased, unknown)."""
        found = await self._shelf.get(ref)
        if found is None:
            raise FileUnavailable("the uploaded file is no longer kept")
        return found.content

    async def adopt(self, ref: str, owner: str) -> None:
        """Gives the uploaded file to the record it now belongs to."""
        await self._shelf.adopt(ref, owner)

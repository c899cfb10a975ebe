"""The web chat's file upload: a photo or PDF read from a multipart body, checked, named safely.

The type is read from the file's first bytes (a renamed .exe is not a photo); the size is held
to the limit while the body streams in; a user's file name never becomes a path.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Literal

from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from troly.bot.clean import clean_text
from troly.bot.texts import t

MB = 1024 * 1024
FORM_OVERHEAD = 64 * 1024
"""Room for the form's text fields and boundaries around the file itself."""
MAX_FIELD_BYTES = 64 * 1024
MAX_NAME_CHARS = 80
_UNSAFE = re.compile(r"[^\w .()-]+")


@dataclass(frozen=True, slots=True)
class FileType:
    """A kind of file the web chat takes: its MIME type, extension and how staff see it."""

    mime_type: str
    extension: str
    photo: bool


JPEG = FileType("image/jpeg", ".jpg", photo=True)
PNG = FileType("image/png", ".png", photo=True)
WEBP = FileType("image/webp", ".webp", photo=False)
PDF = FileType("application/pdf", ".pdf", photo=False)


def sniff(head: bytes) -> FileType | None:
    """The file's type from its magic bytes, or None when it is not a photo or a PDF."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    return None


def safe_name(raw: str | None, kind: FileType) -> str:
    """A display name from the user's file name: no folders, no control characters, short,
    and the extension of what the file really is."""
    name = clean_text(raw or "")
    name = re.split(r"[\\/]", name)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = _UNSAFE.sub("_", stem).strip(" ._")[: MAX_NAME_CHARS - len(kind.extension)]
    return (stem or ("anh" if kind.mime_type.startswith("image/") else "tep")) + kind.extension


class UploadRefused(Exception):
    """An upload the web chat refuses: its HTTP status and its catalogue key."""

    def __init__(self, status: int, key: str, **values: object) -> None:
        super().__init__(key)
        self.status = status
        self.key = key
        self.values = values

    @property
    def message(self) -> str:
        """The polite refusal, in Vietnamese then English (the page shows its language's half)."""
        return " / ".join(t(f"web.{self.key}", lo, **self._values(lo)) for lo in ("vi", "en"))

    def _values(self, locale: str) -> dict[str, object]:
        size = self.values.get("size")
        if not isinstance(size, int):
            return self.values
        shown = f"{size / MB:.1f}"
        return {**self.values, "size": shown.replace(".", ",") if locale == "vi" else shown}


@dataclass(frozen=True, slots=True)
class Upload:
    """What the page sent: the form's fields and the checked file."""

    fields: dict[str, str]
    name: str
    content: bytes
    kind: FileType

    @property
    def attachment_kind(self) -> Literal["photo", "document"]:
        """A photo when it is one a chat shows as a photo (JPEG, PNG), else a document.

        (A photo too big for a platform's photo upload is that platform's sender's to send as
        a document.)"""
        return "photo" if self.kind.photo else "document"


async def read_upload(request: Request, *, max_bytes: int) -> Upload:
    """Reads the multipart body (fields and one ``file``), or raises ``UploadRefused``."""
    limit_mb = max_bytes // MB
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise UploadRefused(400, "upload_bad")
    declared = request.headers.get("content-length", "")
    cap = max_bytes + FORM_OVERHEAD
    if declared.isdigit() and int(declared) > cap:
        raise UploadRefused(413, "upload_too_big", size=int(declared), limit=limit_mb)

    async def capped() -> AsyncGenerator[bytes, None]:
        seen = 0
        async for chunk in request.stream():
            seen += len(chunk)
            if seen > cap:
                raise UploadRefused(413, "upload_too_big", size=seen, limit=limit_mb)
            yield chunk

    parser = MultiPartParser(
        request.headers, capped(), max_files=1, max_fields=8, max_part_size=MAX_FIELD_BYTES
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise UploadRefused(400, "upload_bad") from exc
    try:
        fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise UploadRefused(400, "upload_missing")
        content = await file.read(max_bytes + 1)
        raw_name = file.filename
    finally:
        await form.close()
    if not content:
        raise UploadRefused(400, "upload_missing")
    if len(content) > max_bytes:
        raise UploadRefused(413, "upload_too_big", size=len(content), limit=limit_mb)
    kind = sniff(content[:16])
    if kind is None:
        raise UploadRefused(415, "upload_type")
    return Upload(fields, safe_name(raw_name, kind), content, kind)

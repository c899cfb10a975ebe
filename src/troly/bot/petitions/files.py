"""Files staff send in a petition's topic, as documents the business's channel can receive.

A file travels by its platform reference (``telegram:<file_id>``); a business on another
platform gets it downloaded first, so its size is checked against that download's limit
before anything is relayed. Must not import handlers or platform libraries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from troly.bot.messages import Document
from troly.bot.petitions.model import Petition
from troly.bot.settings import Settings
from troly.bot.texts import t

MB = 1024 * 1024
_CHANNEL_NAMES = {"zalo_bot": "Zalo", "zalo_oa": "Zalo", "web": "web"}


def file_owner(code: str) -> str:
    """The owner tag of the files a petition's messages carry (``petition:<code>``)."""
    return f"petition:{code}"


def file_name(item: Mapping[str, Any], locale: str) -> str:
    """A file's name, or what it is ("ảnh", "tệp") when it came without one."""
    return str(item.get("name") or t(f"staff.file_{item.get('kind', 'other')}", locale))


def too_big(
    petition: Petition, files: Sequence[Mapping[str, Any]], *, channel: str, settings: Settings
) -> Mapping[str, Any] | None:
    """The first file over the limit when the business's channel must download it, or None.

    On the staff's own platform a file is sent again by its reference, whatever its size.
    """
    if petition.channel == channel:
        return None
    limit = settings.petition_relay_max_file_mb * MB
    for item in files:
        size = item.get("size")
        if isinstance(size, int) and size > limit:
            return item
    return None


def too_big_values(
    item: Mapping[str, Any], petition: Petition, settings: Settings, locale: str
) -> dict[str, str]:
    """The values of the polite refusal: the name, its size and the limit in MB."""
    size = f"{int(item.get('size') or 0) / MB:.1f}"
    return {
        "name": file_name(item, locale),
        "size": size.replace(".", ",") if locale == "vi" else size,
        "limit": str(settings.petition_relay_max_file_mb),
        "channel": _CHANNEL_NAMES.get(petition.channel, petition.channel),
    }


def documents(
    petition: Petition, files: Sequence[Mapping[str, Any]], *, channel: str
) -> list[Document]:
    """The files as documents travelling by reference, owned by the petition."""
    out = []
    for item in files:
        photo = item.get("kind") == "photo"
        out.append(
            Document(
                filename=str(item.get("name") or ("anh.jpg" if photo else "tep")),
                content=b"",
                mime_type=str(
                    item.get("mime_type") or ("image/jpeg" if photo else "application/octet-stream")
                ),
                ref=f"{channel}:{item['ref']}",
                size=item.get("size"),
                photo=photo,
                owner=file_owner(petition.code),
            )
        )
    return out

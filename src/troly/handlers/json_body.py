"""JSON bodies parsed with a depth limit, at every door that reads JSON from the outside.

Python's parser recurses: JSON nested some thousands of levels deep (a few kilobytes, well
under any size cap) ends in a RecursionError. The nesting is measured first, without
recursion, and a body deeper than the limit is refused like malformed JSON.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

MAX_DEPTH = 64
"""Deeper than any body a platform or our page sends (Telegram's updates nest about 6)."""

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


class TooDeep(ValueError):
    """A JSON body nested deeper than the limit."""


def depth(raw: bytes) -> int:
    """How deep the arrays and objects of a JSON text nest (brackets inside strings aside)."""
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    return max(accumulate(_STEP[b] for b in brackets), default=0)


def parse_json(raw: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """The decoded body, or raises ``ValueError`` (``TooDeep`` when it nests too deep)."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    # Fewer brackets than the limit cannot nest past it: most bodies skip the scan.
    opening = data.count(b"[") + data.count(b"{")
    if opening > max_depth and depth(data) > max_depth:
        raise TooDeep(f"JSON nested deeper than {max_depth}")
    try:
        return json.loads(data)
    except RecursionError as exc:  # a limit above what the interpreter's stack allows
        raise TooDeep("JSON nested too deep") from exc

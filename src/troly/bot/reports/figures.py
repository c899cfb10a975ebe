"""Small arithmetic the reports share: shares, the median, the 90th percentile, counting.

Pure: no database, no clock.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")


def share(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` as a fraction (None when there is no whole)."""
    return part / whole if whole else None


def median(values: Sequence[float]) -> float | None:
    """The median (the mean of the two middle values for an even count), None when empty."""
    return statistics.median(values) if values else None


def percentile(values: Sequence[float], p: float) -> float | None:
    """The ``p``-th percentile by the nearest-rank method (a value that occurred)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def counted(items: Iterable[T], key: Callable[[T], str]) -> list[tuple[str, int]]:
    """How many items have each key, the most frequent first (ties by key)."""
    counts = Counter(key(item) for item in items)
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))

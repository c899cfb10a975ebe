"""Charts drawn on the server as SVG: columns, bars, stacked shares and lines.

No script and no style attribute (the console's CSP allows neither inline): colours are SVG
presentation attributes. Each chart is an ``img`` with a ``<title>`` and a ``<desc>``; each
mark carries its own ``<title>`` (the tooltip) and ``data-label`` / ``data-value`` (what the
browser tests compare with the table beside it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import count

from markupsafe import Markup, escape

PALETTE = ("#1f6fb2", "#e69f00", "#009e73", "#d55e00", "#7b5ea7", "#8c8c8c", "#cc79a7")
"""Colours told apart by most people with a colour-vision deficiency (Okabe–Ito, mostly)."""
WIDTH = 640
_ids = count(1)


def _number(value: float) -> str:
    return f"{value:.6g}"


def plain(value: float) -> str:
    """A value as a person reads it: whole numbers without decimals, else one decimal."""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _frame(
    title: str, desc: str, height: int, body: list[str], kind: str, *, width: int = WIDTH
) -> Markup:
    n = next(_ids)
    head = (
        f'<svg class="chart chart-{kind}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart{n}-t chart{n}-d" xmlns="http://www.w3.org/2000/svg" '
        f'data-chart="{kind}">'
        f'<title id="chart{n}-t">{escape(title)}</title><desc id="chart{n}-d">{escape(desc)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")


def _mark(
    x: float, y: float, w: float, h: float, colour: str, label: str, value: float, tip: str
) -> str:
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0):.1f}" '
        f'fill="{colour}" data-label="{escape(label)}" data-value="{_number(value)}">'
        f"<title>{escape(tip)}</title></rect>"
    )


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int = 12) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="#222">{escape(text)}</text>'
    )


def _axis(left: float, y: float) -> str:
    return f'<line x1="{left}" y1="{y}" x2="{WIDTH - left}" y2="{y}" stroke="#999"/>'


def _polyline(colour: str, points: list[str]) -> str:
    joined = " ".join(points)
    return f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{joined}"/>'


def empty(title: str, message: str) -> Markup:
    """A chart with nothing to draw: says so (the table beside it is empty too)."""
    return _frame(title, message, 40, [_text(WIDTH / 2, 24, message, anchor="middle")], "empty")


def columns(
    title: str,
    bars: Sequence[tuple[str, float]],
    *,
    desc: str,
    nothing: str = "",
    shown: Callable[[float], str] = plain,
) -> Markup:
    """Vertical bars over time (or any order): one per label, the value above it.

    With nothing to draw (no bars, or no value above zero in ``stacked`` and ``lines``) the
    chart says ``nothing`` (else ``desc``).
    """
    if not bars:
        return empty(title, nothing or desc)
    height, top, bottom, left = 220, 20, 40, 8
    high = max(value for _, value in bars) or 1
    slot = (WIDTH - 2 * left) / len(bars)
    width = max(slot * 0.7, 1)
    every = max(1, len(bars) // 12)  # at most a dozen axis labels stay readable
    body = [_axis(left, height - bottom)]
    for n, (label, value) in enumerate(bars):
        h = (height - top - bottom) * value / high
        x = left + n * slot + (slot - width) / 2
        y = height - bottom - h
        body.append(_mark(x, y, width, h, PALETTE[0], label, value, f"{label}: {shown(value)}"))
        if value and len(bars) <= 31:
            body.append(_text(x + width / 2, y - 4, shown(value), anchor="middle", size=11))
        if n % every == 0:
            body.append(_text(x + width / 2, height - bottom + 16, label, anchor="middle", size=11))
    return _frame(title, desc, height, body, "columns")


def bars(
    title: str,
    rows: Sequence[tuple[str, float]],
    *,
    desc: str,
    nothing: str = "",
    shown: Callable[[float], str] = plain,
    width: int = WIDTH,
) -> Markup:
    """Horizontal bars, one per label (a ranking): the label left, the value at the end.

    A narrower ``width`` keeps the text legible where the chart fills a phone's screen.
    """
    if not rows:
        return empty(title, nothing or desc)
    line, label_width = 26, round(width * 0.34)
    height = line * len(rows) + 10
    high = max(value for _, value in rows) or 1
    room = width - label_width - 60
    longest = label_width // 7
    body = []
    for n, (label, value) in enumerate(rows):
        y = 5 + n * line
        w = room * value / high
        short = label if len(label) <= longest else label[: longest - 1] + "…"
        body.append(_text(label_width - 6, y + 16, short, anchor="end"))
        body.append(
            _mark(
                label_width,
                y + 3,
                w,
                line - 8,
                PALETTE[0],
                label,
                value,
                f"{label}: {shown(value)}",
            )
        )
        body.append(_text(label_width + w + 6, y + 16, shown(value)))
    return _frame(title, desc, height, body, "bars", width=width)


def _legend_places(parts: Sequence[str]) -> list[tuple[float, int]]:
    """Where each legend entry goes: its x and its line (entries wrap at the chart's width)."""
    places, x, line = [], 8.0, 0
    for part in parts:
        width = 28 + 7 * len(part)
        if x > 8 and x + width > WIDTH:
            x, line = 8.0, line + 1
        places.append((x, line))
        x += width
    return places


def _legend_lines(parts: Sequence[str]) -> int:
    return 1 + max((line for _, line in _legend_places(parts)), default=0)


def _legend(parts: Sequence[str], y: float) -> list[str]:
    body = []
    for n, (part, (x, line)) in enumerate(zip(parts, _legend_places(parts), strict=True)):
        top = y + 20 * line
        body.append(
            f'<rect x="{x:.1f}" y="{top:.1f}" width="12" height="12" '
            f'fill="{PALETTE[n % len(PALETTE)]}"/>'
        )
        body.append(_text(x + 16, top + 11, part))
    return body


def stacked(
    title: str,
    rows: Sequence[tuple[str, Sequence[int]]],
    parts: Sequence[str],
    *,
    desc: str,
    nothing: str = "",
) -> Markup:
    """One bar per row, split into its parts as shares of the row's total (100% wide)."""
    drawn = [(label, values) for label, values in rows if sum(values)]
    if not drawn:
        return empty(title, nothing or desc)
    line, label_width = 26, 220
    height = line * len(drawn) + 20 * _legend_lines(parts) + 14
    room = WIDTH - label_width - 12
    body = []
    for n, (label, values) in enumerate(drawn):
        y = 5 + n * line
        total = sum(values)
        short = label if len(label) <= 32 else label[:31] + "…"
        body.append(_text(label_width - 6, y + 16, short, anchor="end"))
        x = float(label_width)
        for k, value in enumerate(values):
            w = room * value / total
            tip = f"{label} · {parts[k]}: {value} ({100 * value / total:.1f}%)"
            body.append(
                _mark(
                    x,
                    y + 3,
                    w,
                    line - 8,
                    PALETTE[k % len(PALETTE)],
                    f"{label} · {parts[k]}",
                    value,
                    tip,
                )
            )
            x += w
    body.extend(_legend(parts, line * len(drawn) + 12))
    return _frame(title, desc, height, body, "stacked")


def lines(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    desc: str,
    nothing: str = "",
    shown: Callable[[float], str] = plain,
    top_value: float | None = None,
) -> Markup:
    """One line per series over the labels (days, weeks, months); a gap where a value is None."""
    values = [v for _, vs in series for v in vs if v is not None]
    if not labels or not values:
        return empty(title, nothing or desc)
    names = [name for name, _ in series]
    height, top, left = 240, 14, 8
    bottom = 40 + 20 * _legend_lines(names)
    high = top_value or max(values) or 1
    step = (WIDTH - 2 * left) / max(len(labels) - 1, 1)
    plot = height - top - bottom
    body = [_axis(left, height - bottom)]
    every = max(1, len(labels) // 10)
    for n, label in enumerate(labels):
        if n % every == 0:
            body.append(
                _text(left + n * step, height - bottom + 16, label, anchor="middle", size=11)
            )
    for k, (name, points) in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        segment: list[str] = []
        for n, value in enumerate(points):
            if value is None:
                if len(segment) > 1:
                    body.append(_polyline(colour, segment))
                segment = []
                continue
            x, y = left + n * step, height - bottom - plot * value / high
            segment.append(f"{x:.1f},{y:.1f}")
            label = f"{labels[n]} · {name}"
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}" '
                f'data-label="{escape(label)}" data-value="{_number(value)}">'
                f"<title>{escape(label)}: {escape(shown(value))}</title></circle>"
            )
        if len(segment) > 1:
            body.append(_polyline(colour, segment))
    body.extend(_legend(names, height - bottom + 26))
    return _frame(title, desc, height, body, "lines")

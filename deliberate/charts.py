"""Server-side SVG charts: accessible (title, description, text labels), printable, inert.

Charts are plain SVG strings built here and embedded inline in pages and PDFs, so they
need no JavaScript, print as vectors, and keep their words as selectable text. Every
piece of user text passes through :func:`markupsafe.escape`.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

#: Colour-blind-safe palette (Okabe–Ito), dark enough for text contrast on white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#8F6A00", "#56B4E9", "#444444")
INK = "#1b1f24"
MUTED = "#4a5563"
GRID = "#d5dbe2"

_ids = itertools.count()


def group_colours(groups: Sequence[str]) -> dict[str, str]:
    """A stable colour for each group, in the order given."""
    return {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(groups)}


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def svg(width: float, height: float, title: str, description: str, body: str) -> Markup:
    """Wrap chart ``body`` in an accessible, scalable ``<svg>`` element."""
    uid = f"chart-{next(_ids)}"
    # Title and description are escaped here; callers build body from escaped text.
    return Markup(  # nosec B704
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {_fmt(width)} {_fmt(height)}" '
        f'aria-labelledby="{uid}-title {uid}-desc" '
        f'font-family="system-ui, sans-serif" font-size="13">'
        f'<title id="{uid}-title">{escape(title)}</title>'
        f'<desc id="{uid}-desc">{escape(description)}</desc>{body}</svg>'
    )


def percent(x: float) -> str:
    """A share as a percentage with one decimal."""
    return f"{100 * x:.1f}%"


def priority_bars(
    weights: Mapping[str, float],
    intervals: Mapping[str, Sequence[float] | None] | None = None,
    *,
    title: str,
    colour: str = PALETTE[0],
    sort: bool = True,
    width: float = 640,
) -> Markup:
    """A horizontal bar chart of priorities, optionally with interval whiskers.

    Parameters
    ----------
    weights : mapping of outcome name to priority (sums to 1)
    intervals : mapping of outcome name to (low, high), optional
        Drawn as whiskers over the bars (e.g. 95 % bootstrap intervals).
    title : str
        The chart's accessible name.
    sort : bool
        Largest first (a ranking); otherwise in the order given.
    """
    items = sorted(weights.items(), key=lambda kv: -kv[1]) if sort else list(weights.items())
    label_width, value_width, bar_height, gap, top = 170.0, 150.0, 22.0, 10.0, 8.0
    highs = [(intervals or {}).get(name) or (value, value) for name, value in items]
    scale_max = max([0.05, *(w for _, w in items), *(h[1] for h in highs)])
    plot = width - label_width - value_width
    rows = []
    for index, ((name, value), interval) in enumerate(zip(items, highs, strict=True)):
        y = top + index * (bar_height + gap)
        length = plot * value / scale_max
        text = f"{escape(name)}: {percent(value)}"
        whisker = ""
        if intervals and intervals.get(name):
            low, high = interval
            x0, x1 = label_width + plot * low / scale_max, label_width + plot * high / scale_max
            mid = y + bar_height / 2
            whisker = (
                f'<path d="M{_fmt(x0)} {_fmt(mid)}H{_fmt(x1)}M{_fmt(x0)} {_fmt(mid - 6)}'
                f'V{_fmt(mid + 6)}M{_fmt(x1)} {_fmt(mid - 6)}V{_fmt(mid + 6)}" '
                f'stroke="{INK}" stroke-width="1.5" fill="none"/>'
            )
            text += f" (95% interval {percent(low)} to {percent(high)})"
        rows.append(
            f"<g><title>{text}</title>"
            f'<text x="{_fmt(label_width - 8)}" y="{_fmt(y + bar_height * 0.7)}" '
            f'text-anchor="end" fill="{INK}">{escape(name)}</text>'
            f'<rect x="{_fmt(label_width)}" y="{_fmt(y)}" width="{_fmt(max(length, 1))}" '
            f'height="{_fmt(bar_height)}" fill="{colour}"/>{whisker}'
            f'<text x="{_fmt(width - value_width + 8)}" y="{_fmt(y + bar_height * 0.7)}" '
            f'fill="{INK}">{percent(value)}</text></g>'
        )
    height = top * 2 + len(items) * (bar_height + gap)
    ranking = "; ".join(f"{name} {percent(value)}" for name, value in items)
    return svg(width, height, title, f"Priorities: {ranking}.", "".join(rows))

"""Priorities as horizontal bars, optionally with interval whiskers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

from ..engine.report import percent
from .svg import INK, PALETTE, fmt, svg


def priority_bars(
    weights: Mapping[str, float],
    intervals: Mapping[str, Sequence[float] | None] | None = None,
    *,
    title: str,
    colour: str = PALETTE[0],
    sort: bool = True,
    width: float = 640,
    label_width: float = 170,
    value_width: float = 150,
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
    width, label_width, value_width : float
        The whole chart, the outcome names' column and the values' column (narrower for
        a phone-sized version).
    """
    items = sorted(weights.items(), key=lambda kv: -kv[1]) if sort else list(weights.items())
    bar_height, gap, top = 22.0, 10.0, 8.0
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
                f'<path d="M{fmt(x0)} {fmt(mid)}H{fmt(x1)}M{fmt(x0)} {fmt(mid - 6)}'
                f'V{fmt(mid + 6)}M{fmt(x1)} {fmt(mid - 6)}V{fmt(mid + 6)}" '
                f'stroke="{INK}" stroke-width="1.5" fill="none"/>'
            )
            text += f" (95% interval {percent(low)} to {percent(high)})"
        rows.append(
            f"<g><title>{text}</title>"
            f'<text x="{fmt(label_width - 8)}" y="{fmt(y + bar_height * 0.7)}" '
            f'text-anchor="end" fill="{INK}">{escape(name)}</text>'
            f'<rect x="{fmt(label_width)}" y="{fmt(y)}" width="{fmt(max(length, 1))}" '
            f'height="{fmt(bar_height)}" fill="{colour}"/>{whisker}'
            f'<text x="{fmt(width - value_width + 8)}" y="{fmt(y + bar_height * 0.7)}" '
            f'fill="{INK}">{percent(value)}</text></g>'
        )
    height = top * 2 + len(items) * (bar_height + gap)
    ranking = "; ".join(f"{name} {percent(value)}" for name, value in items)
    return svg(width, height, title, f"Priorities: {ranking}.", "".join(rows))

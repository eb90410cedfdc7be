"""Where each group ranks each outcome, for the board summary."""

from __future__ import annotations

from collections.abc import Mapping

from markupsafe import Markup, escape

from ..services.summary import numeral, ordinal
from .scales import group_colours
from .svg import GRID, INK, MUTED, svg

#: Legend text width per character at the chart's 13 px, generous for system fonts.
_CHAR_WIDTH = 7.5


def rank_grid(
    order: list[str],
    ranks: Mapping[str, Mapping[str, int]],
    *,
    title: str,
    width: float = 640,
    label_width: float = 170,
) -> Markup:
    """Where each group ranks each outcome: one row per outcome, one column per rank.

    Parameters
    ----------
    order : outcomes, top to bottom (the overall ranking)
    ranks : group → outcome → rank (1 = first)
    title : the chart's accessible name
    width, label_width : the whole chart and the outcome names' column; the legend wraps
        onto more lines and ranks become numerals ("1st") when the columns are narrow
    """
    groups = list(ranks)
    colours = group_colours(groups)
    n = len(order)
    right, row = 16.0, 30.0
    step = (width - label_width - right) / max(n, 1)
    parts = []
    x, line = label_width, 0
    for g in groups:  # legend, wrapped to the chart's width
        item = 16 + _CHAR_WIDTH * len(g) + 18
        if x + item > width and x > label_width:
            x, line = label_width, line + 1
        y: float = 12 + 20 * line
        parts.append(
            f'<circle cx="{x + 6:.1f}" cy="{y}" r="6" fill="{colours[g]}"/>'
            f'<text x="{x + 16:.1f}" y="{y + 4}" fill="{INK}">{escape(g)}</text>'
        )
        x += item
    top = 50.0 + 20 * line
    words = n <= 10 and step >= 60
    for r in range(1, n + 1):
        x = label_width + (r - 0.5) * step
        parts.append(
            f'<text x="{x:.1f}" y="{top - 8:.1f}" text-anchor="middle" fill="{MUTED}" '
            f'font-size="11">{escape(ordinal(r) if words else numeral(r))}</text>'
        )
    for k, outcome in enumerate(order):
        y = top + k * row + row / 2
        parts.append(
            f'<line x1="{label_width:.1f}" x2="{width - right:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}"/><text x="{label_width - 8:.1f}" y="{y + 4:.1f}" '
            f'text-anchor="end" fill="{INK}">{escape(outcome)}</text>'
        )
        for i, g in enumerate(groups):
            rank = ranks[g].get(outcome)
            if rank is None:
                continue
            cx = label_width + (rank - 0.5) * step
            cy = y + (i - (len(groups) - 1) / 2) * 7
            parts.append(
                f"<g><title>{escape(g)}: {escape(outcome)} {ordinal(rank)}</title>"
                f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="6" fill="{colours[g]}" '
                f'stroke="#fff" stroke-width="1.5"/></g>'
            )
    height = top + n * row + 8
    description = "; ".join(
        f"{outcome}: " + ", ".join(f"{g} {ordinal(ranks[g][outcome])}" for g in groups)
        for outcome in order
    )
    return svg(
        width, height, title, f"Rank of each outcome by group. {description}.", "".join(parts)
    )

"""Charts of the board summary, built on the shared accessible SVG helpers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup, escape

from ..charts import GRID, INK, MUTED, group_colours, priority_bars, svg
from ..services.summary import ordinal


def rank_grid(
    order: list[str], ranks: Mapping[str, Mapping[str, int]], *, title: str, width: float = 640
) -> Markup:
    """Where each group ranks each outcome: one row per outcome, one column per rank.

    Parameters
    ----------
    order : outcomes, top to bottom (the overall ranking)
    ranks : group → outcome → rank (1 = first)
    title : the chart's accessible name
    """
    groups = list(ranks)
    colours = group_colours(groups)
    n = len(order)
    label_width, right, top, row = 170.0, 16.0, 50.0, 30.0
    step = (width - label_width - right) / max(n, 1)
    parts = []
    for i, g in enumerate(groups):  # legend
        x = label_width + i * 150
        parts.append(
            f'<circle cx="{x + 6:.1f}" cy="12" r="6" fill="{colours[g]}"/>'
            f'<text x="{x + 16:.1f}" y="16" fill="{INK}">{escape(g)}</text>'
        )
    for r in range(1, n + 1):
        x = label_width + (r - 0.5) * step
        parts.append(
            f'<text x="{x:.1f}" y="{top - 8:.1f}" text-anchor="middle" fill="{MUTED}" '
            f'font-size="11">{escape(ordinal(r) if n <= 10 else str(r))}</text>'
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


def summary_charts(found: Mapping[str, Any]) -> dict[str, Markup]:
    """The summary's charts: the consensus ranking with intervals, and ranks by group."""
    overall = found["view"]["overall"]
    charts = {
        "ranking": priority_bars(
            overall["weights"],
            overall.get("intervals"),
            title="Consensus priorities with 95% bootstrap intervals",
        )
    }
    order = [row["outcome"] for row in found["ranking"]]
    ranks = {g: {o: r[0] for o, r in s.items()} for g, s in _group_ranks(found["outcomes"]).items()}
    if len(ranks) >= 2:
        charts["groups"] = rank_grid(order, ranks, title="Where each group ranks each outcome")
    return charts


def _group_ranks(sentences: list[dict[str, Any]]) -> dict[str, dict[str, tuple[int, bool]]]:
    out: dict[str, dict[str, tuple[int, bool]]] = {}
    for s in sentences:
        for g, rank in s["ranks"].items():
            out.setdefault(g, {})[s["outcome"]] = rank
    return out

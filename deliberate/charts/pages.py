"""The charts of each page, drawn from the data the services give.

The services return numbers and names; the views ask here for the pictures, so no service
builds markup and every chart is drawn in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from markupsafe import Markup

from ..engine.consensus import S_BANDS
from .bars import priority_bars
from .heatmap import conflict_heatmap
from .intervals import priority_intervals
from .participants import participant_map
from .ranks import rank_grid
from .trends import trend_lines

#: The disagreement map's charts, by the name their download carries.
MAP_CHARTS = ("conflict", "priorities", "participants")


def map_charts(data: Mapping[str, Any], name: str | None = None) -> dict[str, Markup]:
    """The disagreement map's charts by name (all of :data:`MAP_CHARTS`, or one).

    ``data`` is :func:`deliberate.services.insight.map_data` of the round's report.
    """
    groups = data["groups"]
    builders: dict[str, Callable[[], Markup]] = {
        "conflict": lambda: conflict_heatmap(
            data["pairs"],
            groups,
            title="Where the groups disagree: pairs of outcomes by conflict between groups",
        ),
        "priorities": lambda: priority_intervals(
            data["by_outcome"],
            groups,
            data["by_weighting"],
            data["weighting"],
            title="Each group's priorities with 95% intervals, and the overall priority",
        ),
        "participants": lambda: participant_map(
            data["points"],
            groups,
            data["clusters"],
            title="Map of participants by their priorities, with opinion clusters outlined",
        ),
    }
    return {key: build() for key, build in builders.items() if name in (None, key)}


def consensus_chart(comparison: Mapping[str, Any]) -> Markup:
    """Consensus by round for everyone and each group, from ``insight.round_comparison``."""
    return trend_lines(
        comparison["series"],
        comparison["rounds"],
        title="Consensus (S*) by round, for everyone and each group",
        overall="Everyone",
        bands=[(bound, name) for bound, name in S_BANDS],
        floor=0.0,
    )


#: The phone-sized version of each chart: drawn at this width, text at full size.
NARROW: dict[str, Any] = {"width": 360.0, "label_width": 125.0}


def summary_charts(found: Mapping[str, Any]) -> dict[str, Markup]:
    """The summary's charts: the consensus ranking with intervals, and ranks by group.

    Each comes as ``name`` (A4 and wide screens) and ``name_narrow`` (phones).
    """
    overall = found["view"]["overall"]
    title = "Consensus priorities with 95% bootstrap intervals"
    charts = {
        "ranking": priority_bars(overall["weights"], overall.get("intervals"), title=title),
        "ranking_narrow": priority_bars(
            overall["weights"], overall.get("intervals"), title=title, value_width=52, **NARROW
        ),
    }
    order = [row["outcome"] for row in found["ranking"]]
    ranks = {g: {o: r[0] for o, r in s.items()} for g, s in _group_ranks(found["outcomes"]).items()}
    if len(ranks) >= 2:
        title = "Where each group ranks each outcome"
        charts["groups"] = rank_grid(order, ranks, title=title)
        charts["groups_narrow"] = rank_grid(order, ranks, title=title, **NARROW)
    return charts


def _group_ranks(sentences: list[dict[str, Any]]) -> dict[str, dict[str, tuple[int, bool]]]:
    out: dict[str, dict[str, tuple[int, bool]]] = {}
    for s in sentences:
        for g, rank in s["ranks"].items():
            out.setdefault(g, {})[s["outcome"]] = rank
    return out

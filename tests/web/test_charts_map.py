"""The disagreement map's charts: correct geometry, readable words, inert names."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from deliberate.charts import (
    DIVERGING,
    conflict_heatmap,
    diverging_colour,
    participant_map,
    priority_intervals,
    text_on,
    trend_lines,
)
from deliberate.charts.participants import _hull
from deliberate.engine.report import _pair_sentence, between_phrase

SVG = "{http://www.w3.org/2000/svg}"
#: The fields the text report's pair sentence reads besides the chart's.
TEXT_FIELDS = {"share_a": 0.8, "share_b": 0.2, "share_equal": 0.0}
EVIL = '<script>alert("x")</script>'


def pair(a: str, b: str, means: dict[str, float], **extra: object) -> dict[str, object]:
    return {
        "a": a,
        "b": b,
        "group_means": means,
        "omega_squared": 0.5,
        "conflict_between_groups": False,
        "contested_within": [],
        **extra,
    }


def contrast(fg: str, bg: str) -> float:
    def lum(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted((lum(fg), lum(bg)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_diverging_scale_runs_orange_to_purple_through_white() -> None:
    assert diverging_colour(math.log(9)) == DIVERGING[0]
    assert diverging_colour(100.0) == DIVERGING[0]  # clipped at the scale's end
    assert diverging_colour(0.0) == "#f7f7f7"
    assert diverging_colour(-math.log(9)) == DIVERGING[-1]


@pytest.mark.parametrize("x", [k / 10 for k in range(-22, 23)])
def test_cell_text_meets_contrast_on_every_colour(x: float) -> None:
    fill = diverging_colour(x)
    words = text_on(fill)
    ink = contrast(words["fill"], fill)
    # AA on the cell colour, or else a halo of the other colour against which it is AA
    assert ink >= 4.5 or ("stroke" in words and contrast(words["fill"], words["stroke"]) >= 4.5)


def test_heatmap_rows_cells_arrows_and_markers() -> None:
    pairs = [
        pair(
            "Efficiency",
            "Equity",
            {"Funders": math.log(4), "Users": -math.log(3)},
            conflict_between_groups=True,
            omega_squared=0.74,
        ),
        pair("Equity", "Safety", {"Funders": 0.0, "Users": 0.2}, contested_within=["Users"]),
    ]
    chart = str(conflict_heatmap(pairs, ["Funders", "Users"], title="Conflicts"))
    root = ET.fromstring(chart)
    rows = root.findall(f"{SVG}g[@class='pair']")
    assert len(rows) == 2
    first = [t.text for t in rows[0].iter(f"{SVG}text")]
    assert first == ["Efficiency", "◀ 4.0×", "3.0× ▶", "Equity", "74% · conflict"]
    fills = [r.get("fill") for r in rows[0].iter(f"{SVG}rect")]
    assert fills == [diverging_colour(math.log(4)), diverging_colour(-math.log(3))]
    titles = [t.text for t in rows[0].iter(f"{SVG}title")]
    assert "Funders: Efficiency over Equity, 4.0× on average" in titles
    # the split marker sits only in the contested group's cell
    rings = list(rows[1].iter(f"{SVG}circle"))
    assert len(rings) == 1
    assert any("Users" in (t.text or "") and "split" in (t.text or "") for t in rows[1].iter())
    assert "1 divide the groups" in root.find(f"{SVG}desc").text
    # the same words as the text report: ω², and the flag's name
    summary = rows[0].find(f"{SVG}title").text
    assert summary == (
        "Efficiency vs Equity: 74% of the disagreement lies between groups (ω²); "
        "conflict between groups"
    )
    assert between_phrase(pairs[0]) in _pair_sentence({**pairs[0], **TEXT_FIELDS})


def test_priority_intervals_place_markers_and_whiskers_to_scale() -> None:
    by_outcome = [
        {
            "outcome": "A",
            "overall": {"weight": 0.6, "interval": [0.5, 0.7]},
            "groups": {
                "G1": {"weight": 0.8, "interval": [0.7, 0.9]},
                "G2": {"weight": 0.4, "interval": None},
            },
        },
        {
            "outcome": "B",
            "overall": {"weight": 0.4, "interval": [0.3, 0.5]},
            "groups": {"G1": {"weight": 0.2, "interval": None}, "G2": {"weight": 0.6}},
        },
    ]
    overall = {"groups": {"A": 0.6, "B": 0.4}, "person": {"A": 0.55, "B": 0.45}, "custom": None}
    chart = str(priority_intervals(by_outcome, ["G1", "G2"], overall, "groups", title="P"))
    root = ET.fromstring(chart)
    desc = root.find(f"{SVG}desc").text
    assert "A: G1: 80.0% (95% interval 70.0% to 90.0%); G2: 40.0%;" in desc
    assert (
        "overall (groups): 60.0% (95% interval 50.0% to 70.0%); under person weighting 55.0%"
        in desc
    )
    assert "custom" not in desc
    g1_whisker = next(p for p in root.iter(f"{SVG}path") if p.get("stroke") == "#0072B2")
    x0, x1 = map(float, re.findall(r"[MH]([\d.]+)", g1_whisker.get("d")))
    g1 = next(g for g in root.iter(f"{SVG}g") if g.find(f"{SVG}title").text.startswith("A, G1"))
    g1_dot = g1.find(f"{SVG}circle")
    cx = float(g1_dot.get("cx"))
    assert cx - x0 == pytest.approx(x1 - cx, abs=0.2)  # 0.8 is midway between 0.7 and 0.9
    a_whisker = next(
        p for p in root.iter(f"{SVG}path") if p.get("stroke") == "#1b1f24" and "H" in p.get("d")
    )
    a0, a1 = map(float, re.findall(r"[MH]([\d.]+)", a_whisker.get("d")))
    assert a1 - a0 == pytest.approx(x1 - x0, abs=0.2)  # both intervals are 20 points wide
    assert a0 == pytest.approx(x0 - (x1 - x0), abs=0.2)  # 0.5 sits one width left of 0.7


def test_hull_is_convex_and_keeps_the_extremes() -> None:
    square = [(0, 0), (2, 0), (2, 2), (0, 2), (1, 1), (1, 0.5)]
    assert sorted(_hull(square)) == [(0, 0), (0, 2), (2, 0), (2, 2)]
    assert _hull([(1, 1), (1, 1)]) == [(1, 1)]


def test_participant_map_outlines_clusters_and_shows_only_groups() -> None:
    points = [(0.0, 0.0, "Funders", 0), (1.0, 0.2, "Funders", 0), (0.5, 1.0, EVIL, 0)]
    points += [(5.0, 5.0, "Staff", 1), (5.5, 5.2, "Staff", 1)]
    chart = str(
        participant_map(
            points, ["Funders", "Staff", EVIL], {0: "Cluster 1", 1: "Cluster 2"}, title="Map"
        )
    )
    assert "<script>" not in chart and "&lt;script&gt;" in chart
    root = ET.fromstring(chart)
    marks = root.find(f".//{SVG}g[@class='points']")
    assert [m.find(f"{SVG}title").text for m in marks] == [
        "Funders",
        EVIL,
        "Funders",
        "Staff",
        "Staff",
    ]  # sorted by position, never by who
    outlines = [p for p in root.iter() if p.get("stroke-dasharray") == "5 3"]
    assert len(outlines) == 3  # the legend's sample line and one outline per cluster
    assert "Funders 2, Staff 2" in root.find(f"{SVG}desc").text


def test_trend_lines_draw_everyone_in_black_and_spread_labels() -> None:
    chart = str(
        trend_lines(
            {"Everyone": [0.6, 0.7], "G1": [0.9, 0.905], "G2": [0.9, 0.9]},
            ["Round 1", "Round 2"],
            title="S*",
            overall="Everyone",
            bands=[(0.75, "moderate")],
        )
    )
    root = ET.fromstring(chart)
    lines = [p for p in root.iter(f"{SVG}path") if p.get("stroke-width") == "2.5"]
    assert [p.get("stroke") for p in lines] == ["#1b1f24", "#0072B2", "#D55E00"]
    labels = {t.text: float(t.get("y")) for t in root.iter(f"{SVG}text") if t.text in ("G1", "G2")}
    assert abs(labels["G1"] - labels["G2"]) >= 15
    assert "Everyone: Round 1 60.0%, Round 2 70.0%." in root.find(f"{SVG}desc").text

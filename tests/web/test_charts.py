"""SVG charts: accessible, correct, and inert whatever the names say."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from deliberate.charts import priority_bars

SVG = "{http://www.w3.org/2000/svg}"


def test_priority_bars_rank_and_label_every_outcome() -> None:
    chart = priority_bars({"Equity": 0.2, "Efficiency": 0.5, "Prevention": 0.3}, title="Overall")
    root = ET.fromstring(str(chart))
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Overall"
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert labels[0::2] == ["Efficiency", "Prevention", "Equity"]
    assert labels[1::2] == ["50.0%", "30.0%", "20.0%"]
    widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect")]
    assert widths[0] / widths[2] == 2.5


def test_priority_bars_draw_interval_whiskers_and_describe_them() -> None:
    chart = str(priority_bars({"A": 0.6, "B": 0.4}, {"A": (0.5, 0.7), "B": None}, title="T"))
    assert chart.count("<path") == 1
    assert "95% interval 50.0% to 70.0%" in chart


def test_names_are_escaped_inside_the_svg() -> None:
    evil = '<script>alert(1)</script>"'
    chart = str(priority_bars({evil: 1.0}, title=evil))
    assert "<script>" not in chart
    assert "&lt;script&gt;" in chart
    ET.fromstring(chart)  # still well-formed XML
    assert not re.search(r"\son\w+=", chart)


def _ids(chart: object) -> tuple[str | None, str | None]:
    root = ET.fromstring(str(chart))
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    return title.get("id"), desc.get("id")


def test_chart_ids_follow_from_the_chart_alone() -> None:
    weights = {"Equity": 0.4, "Efficiency": 0.6}
    first = _ids(priority_bars(weights, title="Overall"))
    priority_bars({"A": 1.0}, title="Another chart drawn in between")
    assert _ids(priority_bars(weights, title="Overall")) == first


def test_different_charts_on_one_page_have_different_ids() -> None:
    weights = {"Equity": 0.4, "Efficiency": 0.6}
    charts = [
        priority_bars(weights, title="Overall"),
        priority_bars(weights, title="Overall", width=360, label_width=125),
        priority_bars(weights, title="Funders"),
        priority_bars({"Equity": 0.5, "Efficiency": 0.5}, title="Overall"),
    ]
    ids = [i for chart in charts for i in _ids(chart)]
    assert len(set(ids)) == len(ids)
    assert all(i and i.startswith("chart-") for i in ids)

"""Each group's priority per outcome with its interval, and the overall priority."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

from ..engine.report import percent
from .scales import group_colours, group_legend, group_shapes, marker, nice_top, percent_axis
from .svg import INK, fmt, shorten, svg, svg_text


def priority_intervals(
    by_outcome: Sequence[Mapping[str, Any]],
    groups: Sequence[str],
    overall: Mapping[str, Mapping[str, float] | None],
    chosen: str,
    *,
    title: str,
    width: float = 760,
) -> Markup:
    """Per outcome, each group's priority with its interval, and the overall priority.

    Outcomes are drawn in the order given (one band each). Within a band: one row per
    group (coloured marker, 95 % bootstrap whisker), then the overall row with a black
    diamond and whisker for the ``chosen`` weighting and hollow markers for the other
    weighting schemes in ``overall`` (scheme name → outcome → priority; None skipped).

    Parameters
    ----------
    by_outcome : the report's ``by_outcome`` entries (``outcome``, ``overall``, ``groups``)
    groups : group names (colours and shapes follow this order)
    overall : ``report.overall.by_weighting``
    chosen : the weighting the consultation uses
    """
    colours, shapes = group_colours(groups), group_shapes(groups)
    schemes = {k: v for k, v in overall.items() if v is not None}
    others = [k for k in schemes if k != chosen]
    label_w, value_w, row_h, band_gap, head = 170.0, 64.0, 14.0, 12.0, 66.0
    x0, x1 = label_w + 10, width - value_w
    highs = [
        max(
            [
                *(
                    (g.get("interval") or [g["weight"], g["weight"]])[1]
                    for g in (item.get("groups") or {}).values()
                    if g.get("weight") is not None
                ),
                *((item["overall"].get("interval") or [0, item["overall"]["weight"]])[1],),
                *(schemes[k][item["outcome"]] for k in others),
            ]
        )
        for item in by_outcome
    ]
    top, ticks = nice_top(max(highs, default=0.1))

    def at(v: float) -> float:
        return x0 + (x1 - x0) * v / top

    legend, lx = group_legend(groups, colours, shapes)
    legend.append(marker("diamond", lx + 6, 12, 5, INK))
    legend.append(svg_text(lx + 16, 16, f"overall ({escape(chosen)})", font_size="12"))
    lx += 40 + 7 * len(chosen) + 50
    for k in others:
        legend.append(
            f'<circle cx="{fmt(lx + 6)}" cy="12" r="4" fill="#fff" stroke="{INK}" '
            f'stroke-width="1.5"/>'
            if k == others[0]
            else f'<rect x="{fmt(lx + 2)}" y="8" width="8" height="8" fill="#fff" '
            f'stroke="{INK}" stroke-width="1.5"/>'
        )
        legend.append(svg_text(lx + 16, 16, f"overall ({escape(k)})", font_size="12"))
        lx += 40 + 7 * len(k) + 50
    rows_per_band = len(groups) + 1
    band_h = rows_per_band * row_h + band_gap
    y_end = head + len(by_outcome) * band_h
    body = ["".join(legend), percent_axis(x0, x1, head - 4, y_end - band_gap / 2, top, ticks)]
    described = []
    for index, item in enumerate(by_outcome):
        name = str(item["outcome"])
        y = head + index * band_h
        if index % 2 == 0:
            body.append(
                f'<rect x="0" y="{fmt(y - 4)}" width="{fmt(width)}" '
                f'height="{fmt(band_h - band_gap + 8)}" fill="#f3f5f8" fill-opacity="0.7"/>'
            )
        body.append(
            f"<g><title>{escape(name)}</title>"
            + svg_text(label_w, y + rows_per_band * row_h / 2 + 4, escape(shorten(name, 24)), "end")
            + "</g>"
        )
        parts = []
        for row, group in enumerate(groups):
            entry = (item.get("groups") or {}).get(group)
            if not entry or entry.get("weight") is None:
                continue
            cy = y + row * row_h + row_h / 2
            weight, interval = entry["weight"], entry.get("interval")
            words = f"{group}: {percent(weight)}"
            whisker = ""
            if interval:
                words += f" (95% interval {percent(interval[0])} to {percent(interval[1])})"
                whisker = (
                    f'<path d="M{fmt(at(interval[0]))} {fmt(cy)}H{fmt(at(interval[1]))}" '
                    f'stroke="{colours[group]}" stroke-width="2"/>'
                )
            parts.append(words)
            body.append(
                f"<g><title>{escape(name)}, {escape(words)}</title>{whisker}"
                + marker(shapes[group], at(weight), cy, 5, colours[group])
                + "</g>"
            )
        cy = y + len(groups) * row_h + row_h / 2
        main = item["overall"]
        words = f"overall ({chosen}): {percent(main['weight'])}"
        whisker = ""
        if main.get("interval"):
            low, high = main["interval"]
            words += f" (95% interval {percent(low)} to {percent(high)})"
            whisker = (
                f'<path d="M{fmt(at(low))} {fmt(cy)}H{fmt(at(high))}" stroke="{INK}" '
                f'stroke-width="2"/>'
            )
        other_marks = []
        for k in others:
            value = schemes[k][name]
            words += f"; under {k} weighting {percent(value)}"
            other_marks.append(
                f'<circle cx="{fmt(at(value))}" cy="{fmt(cy)}" r="4" fill="none" '
                f'stroke="{INK}" stroke-width="1.5"/>'
                if k == others[0]
                else f'<rect x="{fmt(at(value) - 4)}" y="{fmt(cy - 4)}" width="8" height="8" '
                f'fill="none" stroke="{INK}" stroke-width="1.5"/>'
            )
        parts.append(words)
        body.append(
            f"<g><title>{escape(name)}, {escape(words)}</title>{whisker}"
            + "".join(other_marks)
            + marker("diamond", at(main["weight"]), cy, 5.5, INK)
            + svg_text(x1 + 10, cy + 4, percent(main["weight"]), font_weight="600")
            + "</g>"
        )
        described.append(f"{name}: " + "; ".join(parts) + ".")
    return svg(width, y_end + 4, title, " ".join(described), "".join(body))

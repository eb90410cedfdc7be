"""The cost–value chart of options: each option's value against its annual cost.

Options on the efficient frontier (not beaten on both value and cost) are filled and
joined by a line; the others are drawn hollow. Built from the shared chart pieces.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

from ..engine.report import percent
from ..services.options import money
from .svg import GRID, INK, MUTED, PALETTE, fmt, shorten, svg, svg_text


def cost_value_chart(
    values: Mapping[str, float],
    costs: Mapping[str, float],
    frontier: Sequence[str],
    *,
    unit: str = "",
    width: float = 640,
    height: float = 320,
) -> Markup | None:
    """A scatter of value (up) against annual cost (across), frontier joined.

    Parameters
    ----------
    values : mapping of option name to value (a share; shown as a percentage)
    costs : mapping of option name to annual cost; options without one are left out
    frontier : option names on the efficient frontier, by increasing cost
    unit : the cost's unit, for the axis title

    Returns
    -------
    Markup or None
        None when fewer than two options have a cost.
    """
    points = [(name, costs[name], values[name]) for name in values if costs.get(name) is not None]
    if len(points) < 2:
        return None
    left, right, top, bottom = 64.0, 24.0, 16.0, 52.0
    c_max = max(c for _, c, _ in points) * 1.1 or 1.0
    v_lo = min(v for _, _, v in points)
    v_hi = max(v for _, _, v in points)
    pad = max((v_hi - v_lo) * 0.25, 0.01)
    v_lo, v_hi = max(v_lo - pad, 0.0), v_hi + pad

    def x(cost: float) -> float:
        return left + (width - left - right) * cost / c_max

    def y(value: float) -> float:
        return top + (height - top - bottom) * (1 - (value - v_lo) / (v_hi - v_lo))

    parts = [
        f'<path d="M{fmt(left)} {fmt(top)}V{fmt(height - bottom)}H{fmt(width - right)}" '
        f'stroke="{GRID}" fill="none"/>',
        svg_text(left - 6, top + 10, escape(percent(v_hi)), "end", MUTED),
        svg_text(left - 6, height - bottom, escape(percent(v_lo)), "end", MUTED),
        svg_text(left, height - bottom + 18, "0", "middle", MUTED),
        svg_text(x(c_max / 1.1), height - bottom + 18, escape(money(c_max / 1.1)), "middle", MUTED),
        svg_text(
            (left + width - right) / 2,
            height - 8,
            escape(f"Annual cost{f' ({unit})' if unit else ''}"),
            "middle",
            INK,
        ),
        svg_text(
            14,
            top + (height - top - bottom) / 2,
            "Value",
            "middle",
            INK,
            transform=f"rotate(-90 14 {fmt(top + (height - top - bottom) / 2)})",
        ),
    ]
    line = [(x(costs[n]), y(values[n])) for n in frontier]
    if len(line) > 1:
        d = "M" + "L".join(f"{fmt(a)} {fmt(b)}" for a, b in line)
        parts.append(f'<path d="{d}" stroke="{PALETTE[0]}" stroke-width="2" fill="none"/>')
    placed: list[tuple[float, float, float]] = []  # label boxes: left, right, baseline
    for name, cost, value in sorted(points, key=lambda p: -p[2]):
        on = name in frontier
        px, py = x(cost), y(value)
        right_side = px <= width * 0.7
        span = 7.0 * len(shorten(name, 28))
        box = (px + 9, px + 9 + span) if right_side else (px - 9 - span, px - 9)
        baseline = py - 9
        while any(b[0] < box[1] and box[0] < b[1] and abs(b[2] - baseline) < 15 for b in placed):
            baseline += 16
        placed.append((*box, baseline))
        label = f"{name}: value {percent(value)}, cost {money(cost)}" + (
            ", on the frontier" if on else ", beaten on value and cost"
        )
        fill = PALETTE[0] if on else "#fff"
        parts.append(
            f"<g><title>{escape(label)}</title>"
            f'<circle cx="{fmt(px)}" cy="{fmt(py)}" r="6" fill="{fill}" '
            f'stroke="{PALETTE[0]}" stroke-width="2"/>'
            + svg_text(
                px + (9 if right_side else -9),
                baseline,
                escape(shorten(name, 28)),
                "start" if right_side else "end",
            )
            + "</g>"
        )
    described = "; ".join(f"{n} costs {money(c)} and delivers {percent(v)}" for n, c, v in points)
    frontier_text = ", ".join(frontier) if frontier else "none"
    return svg(
        width,
        height,
        "Value against annual cost",
        f"{described}. Not beaten on both value and cost: {frontier_text}.",
        "".join(parts),
    )

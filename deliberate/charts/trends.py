"""Lines of a 0–1 measure across rounds, one per group and one for everyone."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

from ..engine.report import percent
from .scales import group_colours, group_shapes, marker
from .svg import GRID, INK, MUTED, fmt, shorten, svg, svg_text


def _spread(ys: Sequence[float], gap: float) -> list[float]:
    """Move label positions apart so that neighbours are at least ``gap`` apart."""
    order = sorted(range(len(ys)), key=lambda i: ys[i])
    out = list(ys)
    for previous, current in itertools.pairwise(order):
        out[current] = max(out[current], out[previous] + gap)
    return out


def trend_lines(
    series: Mapping[str, Sequence[float | None]],
    labels: Sequence[str],
    *,
    title: str,
    overall: str | None = None,
    bands: Sequence[tuple[float, str]] = (),
    width: float = 560,
    floor: float = 0.5,
) -> Markup:
    """Lines of a 0–1 measure per series across ``labels`` (e.g. consensus by round).

    ``series`` maps a name to one value per label (None where missing). The series named
    ``overall`` is drawn in black with diamonds; the others take the group colours and
    shapes in their order. The axis starts at ``floor`` (lower if a value is lower);
    ``bands`` are (upper bound, name) guide lines.
    """
    groups = [name for name in series if name != overall]
    colours, shapes = group_colours(groups), group_shapes(groups)
    if overall is not None and overall in series:
        colours[overall], shapes[overall] = INK, "diamond"
    values_seen = [v for values in series.values() for v in values if v is not None]
    floor = min([floor, *(math.floor(v * 10) / 10 for v in values_seen)])
    left, right, top, bottom = 48.0, 150.0, 16.0, 32.0
    plot_h = 220.0
    x0, x1 = left, width - right
    step = (x1 - x0) / max(len(labels) - 1, 1)

    def at(i: int, v: float) -> tuple[float, float]:
        return x0 + i * step, top + plot_h * (1 - v) / (1 - floor)

    body = []
    for tick in range(round(floor * 10), 11):
        _, y = at(0, tick / 10)
        body.append(
            f'<path d="M{fmt(x0)} {fmt(y)}H{fmt(x1)}" stroke="{GRID}"/>'
            + svg_text(x0 - 6, y + 4, f"{10 * tick}%", "end", MUTED, font_size="11")
        )
    for bound, name in bands:
        if bound <= floor:
            continue
        _, y = at(0, bound)
        body.append(
            f'<path d="M{fmt(x0)} {fmt(y)}H{fmt(x1)}" stroke="{MUTED}" stroke-dasharray="2 3"/>'
            + svg_text(x0 + 4, y - 3, escape(f"≤ {name}"), fill=MUTED, font_size="10")
        )
    for i, label in enumerate(labels):
        x, _ = at(i, floor)
        body.append(svg_text(x, top + plot_h + 20, escape(label), "middle"))
    described, ends = [], []
    for name in series:
        known = [(i, v) for i, v in enumerate(series[name]) if v is not None]
        coords = [at(i, v) for i, v in known]
        if len(coords) >= 2:
            body.append(
                f'<path d="M{"L".join(f"{fmt(x)} {fmt(y)}" for x, y in coords)}" '
                f'fill="none" stroke="{colours[name]}" stroke-width="2.5"/>'
            )
        body.extend(
            marker(
                shapes[name],
                x,
                y,
                5,
                colours[name],
                f"<title>{escape(name)}, {escape(labels[i])}: {percent(v)}</title>",
            )
            for (i, v), (x, y) in zip(known, coords, strict=True)
        )
        if coords:
            ends.append((name, coords[-1][1]))
        described.append(
            f"{name}: " + ", ".join(f"{labels[i]} {percent(v)}" for i, v in known) + "."
        )
    for (name, _), y in zip(ends, _spread([y for _, y in ends], 15.0), strict=True):
        body.append(svg_text(x1 + 12, y + 4, escape(shorten(name, 18)), fill=colours[name]))
    return svg(width, top + plot_h + bottom, title, " ".join(described), "".join(body))

"""The participant map: everyone on the first two principal components, clusters outlined."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

from .scales import group_colours, group_legend, group_shapes, marker
from .svg import GRID, INK, MUTED, fmt, svg, svg_text


def _hull(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Convex hull (Andrew's monotone chain), counter-clockwise, no repeated end point."""
    pts = sorted(set(points))
    if len(pts) <= 2:
        return pts

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    upper: list[tuple[float, float]] = []
    for chain, seq in ((lower, pts), (upper, reversed(pts))):
        for p in seq:
            while len(chain) >= 2 and cross(chain[-2], chain[-1], p) <= 0:
                chain.pop()
            chain.append(p)
    return lower[:-1] + upper[:-1]


def participant_map(
    points: Sequence[tuple[float, float, str, int]],
    groups: Sequence[str],
    clusters: Mapping[int, str],
    *,
    title: str,
    width: float = 760,
) -> Markup:
    """Participants on the first two principal components, by group, clusters outlined.

    Each point carries only its group (as its tooltip); nothing identifies a person.
    Each opinion cluster is outlined by its convex hull, padded so that edge points sit
    inside, tagged "Cluster c + 1" and described by ``clusters[c]`` below the plot.

    Parameters
    ----------
    points : (x, y, group, cluster) per participant, in any order
    groups : group names (colours and shapes follow this order)
    clusters : cluster number → label (e.g. its size and leading outcomes)
    """
    colours, shapes = group_colours(groups), group_shapes(groups)
    legend_h, pad = 34.0, 36.0
    xs = [p[0] for p in points] or [0.0]
    ys = [p[1] for p in points] or [0.0]
    span_x, span_y = max(max(xs) - min(xs), 1e-6), max(max(ys) - min(ys), 1e-6)
    plot_w = width - 2 * pad
    scale = plot_w / span_x
    plot_h = min(max(span_y * scale, 240.0), 400.0)
    scale = min(scale, plot_h / span_y)
    cx0 = pad + (plot_w - span_x * scale) / 2
    cy0 = legend_h + pad + (plot_h - span_y * scale) / 2

    x_min, y_max = min(xs), max(ys)

    def at(x: float, y: float) -> tuple[float, float]:
        return cx0 + (x - x_min) * scale, cy0 + (y_max - y) * scale

    body, lx = group_legend(groups, colours, shapes)
    body.append(
        f'<path d="M{fmt(lx)} 12h22" stroke="{INK}" stroke-width="1.5" stroke-dasharray="5 3"/>'
        + svg_text(lx + 28, 16, "opinion cluster", font_size="12")
    )
    height = legend_h + plot_h + 2 * pad
    body.append(
        f'<rect x="{fmt(pad / 2)}" y="{fmt(legend_h + pad / 2)}" '
        f'width="{fmt(width - pad)}" height="{fmt(plot_h + pad)}" fill="none" '
        f'stroke="{GRID}"/>'
    )
    for number, label in sorted(clusters.items()):
        members = [at(x, y) for x, y, _, c in points if c == number]
        if not members:
            continue
        mx = sum(p[0] for p in members) / len(members)
        my = sum(p[1] for p in members) / len(members)
        hull = _hull(members)
        grown = []
        for hx, hy in hull:
            dx, dy = hx - mx, hy - my
            d = math.hypot(dx, dy) or 1.0
            grown.append((hx + dx / d * 12, hy + dy / d * 12))
        if len(grown) >= 3:
            shape = "M" + "L".join(f"{fmt(x)} {fmt(y)}" for x, y in grown) + "Z"
            outline = f'<path d="{shape}"'
        else:
            r = max([math.hypot(x - mx, y - my) for x, y in members] + [0.0]) + 14
            outline = f'<circle cx="{fmt(mx)}" cy="{fmt(my)}" r="{fmt(r)}"'
        top_y = min(y for _, y in grown) if grown else my
        body.append(
            f'<g><title>{escape(label)}</title>{outline} fill="{INK}" fill-opacity="0.03" '
            f'stroke="{INK}" stroke-width="1.5" stroke-dasharray="5 3"/>'
            + svg_text(
                mx,
                max(top_y - 6, legend_h + 12),
                f"Cluster {number + 1}",
                "middle",
                font_weight="600",
                font_size="12",
            )
            + "</g>"
        )
    body.append('<g class="points">')
    body.extend(
        marker(
            shapes.get(group, "circle"),
            *at(x, y),
            4.5,
            colours.get(group, MUTED),
            f"<title>{escape(group)}</title>",
        )
        for x, y, group, _ in sorted(points, key=lambda p: (p[0], p[1]))
    )
    body.append("</g>")
    body.extend(
        svg_text(pad / 2, height + 18 * line, escape(label), font_size="12")
        for line, (_, label) in enumerate(sorted(clusters.items()))
    )
    height += 18 * len(clusters) + 4
    counts = {g: sum(1 for p in points if p[2] == g) for g in groups}
    description = (
        f"{len(points)} participants placed by their priorities (first two principal "
        "components of centred log priorities): "
        + ", ".join(f"{g} {n}" for g, n in counts.items())
        + ". Opinion clusters: "
        + "; ".join(clusters.values())
        + "."
    )
    return svg(width, height, title, description, "".join(body))

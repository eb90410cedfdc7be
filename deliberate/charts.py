"""Server-side SVG charts: accessible (title, description, text labels), printable, inert.

Charts are plain SVG strings built here and embedded inline in pages and PDFs, so they
need no JavaScript, print as vectors, and keep their words as selectable text. Every
piece of user text passes through :func:`markupsafe.escape`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

from .engine.report import CONFLICT_LABEL, between_phrase, percent, share

#: Colour-blind-safe palette (Okabe–Ito), dark enough for text contrast on white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#8F6A00", "#56B4E9", "#444444")
INK = "#1b1f24"
MUTED = "#4a5563"
GRID = "#d5dbe2"

_ids = itertools.count()


def group_colours(groups: Sequence[str]) -> dict[str, str]:
    """A stable colour for each group, in the order given."""
    return {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(groups)}


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def svg(width: float, height: float, title: str, description: str, body: str) -> Markup:
    """Wrap chart ``body`` in an accessible, scalable ``<svg>`` element."""
    uid = f"chart-{next(_ids)}"
    # Title and description are escaped here; callers build body from escaped text.
    return Markup(  # nosec B704
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {_fmt(width)} {_fmt(height)}" '
        f'aria-labelledby="{uid}-title {uid}-desc" '
        f'font-family="system-ui, sans-serif" font-size="13">'
        f'<title id="{uid}-title">{escape(title)}</title>'
        f'<desc id="{uid}-desc">{escape(description)}</desc>{body}</svg>'
    )


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
                f'<path d="M{_fmt(x0)} {_fmt(mid)}H{_fmt(x1)}M{_fmt(x0)} {_fmt(mid - 6)}'
                f'V{_fmt(mid + 6)}M{_fmt(x1)} {_fmt(mid - 6)}V{_fmt(mid + 6)}" '
                f'stroke="{INK}" stroke-width="1.5" fill="none"/>'
            )
            text += f" (95% interval {percent(low)} to {percent(high)})"
        rows.append(
            f"<g><title>{text}</title>"
            f'<text x="{_fmt(label_width - 8)}" y="{_fmt(y + bar_height * 0.7)}" '
            f'text-anchor="end" fill="{INK}">{escape(name)}</text>'
            f'<rect x="{_fmt(label_width)}" y="{_fmt(y)}" width="{_fmt(max(length, 1))}" '
            f'height="{_fmt(bar_height)}" fill="{colour}"/>{whisker}'
            f'<text x="{_fmt(width - value_width + 8)}" y="{_fmt(y + bar_height * 0.7)}" '
            f'fill="{INK}">{percent(value)}</text></g>'
        )
    height = top * 2 + len(items) * (bar_height + gap)
    ranking = "; ".join(f"{name} {percent(value)}" for name, value in items)
    return svg(width, height, title, f"Priorities: {ranking}.", "".join(rows))


# --------------------------------------------------------------------------- shared pieces

#: Marker shapes, so groups differ by shape as well as colour.
SHAPES = ("circle", "square", "triangle", "diamond", "down")
#: ColorBrewer PuOr (colour-blind safe): orange leans to the first outcome, purple the second.
DIVERGING = (
    "#b35806", "#e08214", "#fdb863", "#fee0b6", "#f7f7f7", "#d8daeb", "#b2abd2", "#8073ac",
    "#542788",
)  # fmt: skip
LN9 = math.log(9)


_POLYGONS = {
    "triangle": ((0, -1), (1, 0.8), (-1, 0.8)),
    "down": ((0, 1), (1, -0.8), (-1, -0.8)),
    "diamond": ((0, -1), (1, 0), (0, 1), (-1, 0)),
}


def group_shapes(groups: Sequence[str]) -> dict[str, str]:
    """A stable marker shape for each group, in the order given."""
    return {g: SHAPES[i % len(SHAPES)] for i, g in enumerate(groups)}


def marker(shape: str, x: float, y: float, r: float, fill: str, extra: str = "") -> str:
    """One marker of ``shape`` centred on (x, y); ``extra`` is escaped markup placed inside."""
    stroke = f'fill="{fill}" stroke="#fff" stroke-width="0.8"'
    if shape == "circle":
        return f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="{_fmt(r)}" {stroke}>{extra}</circle>'
    if shape == "square":
        s = r * 0.9
        return (
            f'<rect x="{_fmt(x - s)}" y="{_fmt(y - s)}" width="{_fmt(2 * s)}" '
            f'height="{_fmt(2 * s)}" {stroke}>{extra}</rect>'
        )
    k = r * 1.25
    points = [(k * px, k * py) for px, py in _POLYGONS[shape]]
    d = "M" + "L".join(f"{_fmt(x + px)} {_fmt(y + py)}" for px, py in points) + "Z"
    return f'<path d="{d}" {stroke}>{extra}</path>'


def _text(
    x: float, y: float, content: str, anchor: str = "start", fill: str = INK, **attrs: str
) -> str:
    """A text element; ``content`` must already be escaped."""
    more = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return (
        f'<text x="{_fmt(x)}" y="{_fmt(y)}" text-anchor="{anchor}" fill="{fill}"{more}>'
        f"{content}</text>"
    )


def _short(name: str, limit: int) -> str:
    """A name cut to ``limit`` characters with an ellipsis (escape afterwards)."""
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def diverging_colour(x: float, limit: float = LN9) -> str:
    """Colour of a log judgment ``x`` on the diverging scale (orange > 0, purple < 0)."""
    t = (1 - max(-1.0, min(1.0, x / limit))) / 2 * (len(DIVERGING) - 1)
    low = min(int(t), len(DIVERGING) - 2)
    f = t - low
    a, b = _rgb(DIVERGING[low]), _rgb(DIVERGING[low + 1])
    return "#" + "".join(f"{round(u + (v - u) * f):02x}" for u, v in zip(a, b, strict=True))


def _luminance(colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    high, low = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_on(colour: str) -> dict[str, str]:
    """Text attributes for words on ``colour``: white or ink, whichever contrasts more.

    Where neither reaches WCAG AA (4.5:1), the words get a halo of the other colour.
    """
    fill, other = ("#ffffff", INK)
    if contrast_ratio(INK, colour) > contrast_ratio(fill, colour):
        fill, other = other, fill
    if contrast_ratio(fill, colour) >= 4.5:
        return {"fill": fill}
    return {"fill": fill, "stroke": other, "stroke_width": "3", "paint_order": "stroke"}


def times(x: float) -> str:
    """A log judgment as "how many times more", e.g. 1.39 → "4.0×"."""
    return f"{math.exp(abs(x)):.1f}×"


# --------------------------------------------------------------------------- disagreement map


def conflict_heatmap(
    pairs: Sequence[Mapping[str, Any]], groups: Sequence[str], *, title: str, width: float = 760
) -> Markup:
    """Pairs (rows, in the order given) × groups, coloured by each group's mean log judgment.

    Each row reads "first outcome | one cell per group | second outcome | between-groups
    share". A cell's colour leans orange when the group favours the first (left) outcome
    and purple when it favours the second (right) one, darker the stronger; its text says
    how many times more, with an arrow to the favoured side. A ring marks a group that is
    split within itself on the pair; "conflict" marks a conflict between groups (one group
    shown to favour each side). The share is ω², worded as in the text report.

    Parameters
    ----------
    pairs : report pairs with ``a``, ``b``, ``group_means``, ``omega_squared``,
        ``conflict_between_groups`` and ``contested_within``
    groups : group names, one column each
    """
    label_w, cell_w, cell_h, gap = 170.0, 92.0, 26.0, 3.0
    head, legend_h = 54.0, 64.0
    cells_w = max(len(groups), 1) * (cell_w + gap)
    width = max(width, 2 * label_w + cells_w + 120)
    x0 = label_w + 8
    right = x0 + cells_w + 6
    parts = []
    for g_index, group in enumerate(groups):
        cx = x0 + g_index * (cell_w + gap) + cell_w / 2
        parts.append(
            f"<g><title>{escape(group)}</title>"
            + _text(cx, head - 10, escape(_short(group, 13)), "middle", font_weight="600")
            + "</g>"
        )
    parts.append(_text(right + label_w + 10, head - 10, "between (ω²)", font_weight="600"))
    parts.append(_text(right + label_w + 10, head - 24, "share", font_weight="600"))
    lines = []
    for row, pair in enumerate(pairs):
        y = head + row * (cell_h + gap)
        a, b = str(pair["a"]), str(pair["b"])
        mid = y + cell_h * 0.68
        cells = []
        for g_index, group in enumerate(groups):
            x = x0 + g_index * (cell_w + gap)
            mean = (pair.get("group_means") or {}).get(group)
            if mean is None:
                cells.append(
                    f'<rect x="{_fmt(x)}" y="{_fmt(y)}" width="{_fmt(cell_w)}" '
                    f'height="{_fmt(cell_h)}" fill="#fff" stroke="{GRID}">'
                    f"<title>{escape(group)}: no answers</title></rect>"
                )
                continue
            fill = diverging_colour(mean)
            side = a if mean > 0 else b
            split = group in (pair.get("contested_within") or [])
            text = (
                f"{group}: {side} over {b if side == a else a}, {times(mean)} on average"
                if abs(mean) > 1e-9
                else f"{group}: {a} and {b} equal on average"
            ) + ("; split within the group" if split else "")
            label = (
                f"◀ {times(mean)}" if mean > 1e-9 else f"{times(mean)} ▶" if mean < -1e-9 else "="
            )
            ring = (
                f'<circle cx="{_fmt(x + cell_w - 8)}" cy="{_fmt(y + 8)}" r="4.5" fill="#fff" '
                f'stroke="{INK}" stroke-width="1.6"/>'
                if split
                else ""
            )
            cells.append(
                f"<g><title>{escape(text)}</title>"
                f'<rect x="{_fmt(x)}" y="{_fmt(y)}" width="{_fmt(cell_w)}" '
                f'height="{_fmt(cell_h)}" fill="{fill}"/>'
                + _text(x + cell_w / 2, mid, escape(label), "middle", **text_on(fill))
                + ring
                + "</g>"
            )
        conflict = bool(pair.get("conflict_between_groups"))
        between = share(pair.get("omega_squared"))
        summary = f"{a} vs {b}: {between_phrase(pair)}" + (
            f"; {CONFLICT_LABEL}" if conflict else ""
        )
        lines.append(
            f'<g class="pair"><title>{escape(summary)}</title>'
            + _text(label_w, mid, escape(_short(a, 24)), "end")
            + "".join(cells)
            + _text(right, mid, escape(_short(b, 24)))
            + _text(
                right + label_w + 10,
                mid,
                escape(between) + (" · conflict" if conflict else ""),
                font_weight="600" if conflict else "400",
            )
            + "</g>"
        )
    top = head + len(pairs) * (cell_h + gap) + 18
    steps = [-LN9 + 2 * LN9 * s / 16 for s in range(17)]
    step_w = 30.0
    lx = x0
    legend = [
        f'<rect x="{_fmt(lx + i * step_w)}" y="{_fmt(top)}" width="{_fmt(step_w)}" height="12" '
        f'fill="{diverging_colour(-v)}"/>'
        for i, v in enumerate(steps)
    ]
    legend.append(_text(lx, top + 28, "◀ favours the left outcome (9×)", font_size="12"))
    legend.append(
        _text(lx + 17 * step_w, top + 28, "favours the right outcome (9×) ▶", "end", font_size="12")
    )
    legend.append(_text(lx + 8.5 * step_w, top + 28, "equal", "middle", font_size="12"))
    legend.append(
        f'<circle cx="{_fmt(lx + 5)}" cy="{_fmt(top + 44)}" r="4.5" fill="#fff" '
        f'stroke="{INK}" stroke-width="1.6"/>'
        + _text(lx + 16, top + 48, "the group is split within itself", font_size="12")
    )
    height = top + legend_h - 4
    conflicts = [p for p in pairs if p.get("conflict_between_groups")]
    description = (
        f"{len(pairs)} pairs of outcomes ordered by conflict between groups; "
        f"{len(conflicts)} divide the groups. "
        + " ".join(
            f"{p['a']} vs {p['b']}: "
            + ", ".join(
                f"{g} {p['a'] if m > 0 else p['b']} {times(m)}"
                for g, m in (p.get("group_means") or {}).items()
                if m is not None
            )
            + "."
            for p in conflicts[:5]
        )
    )
    return svg(width, height, title, description, "".join(parts + lines + legend))


def _axis(x0: float, x1: float, y0: float, y1: float, top: float, ticks: Sequence[float]) -> str:
    """Vertical grid lines and percentage labels for a priority axis from 0 to ``top``."""
    out = []
    for t in ticks:
        x = x0 + (x1 - x0) * t / top
        out.append(
            f'<path d="M{_fmt(x)} {_fmt(y0)}V{_fmt(y1)}" stroke="{GRID}" stroke-width="1"/>'
            + _text(x, y0 - 6, percent(t, 0), "middle", MUTED, font_size="11")
        )
    return "".join(out)


def _nice_top(value: float) -> tuple[float, list[float]]:
    """An axis maximum at or above ``value`` and its tick positions."""
    step = 0.05 if value <= 0.3 else 0.1
    top = step * math.ceil(max(value, step) / step + 1e-9)
    return top, [step * i for i in range(round(top / step) + 1)]


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
    top, ticks = _nice_top(max(highs, default=0.1))

    def at(v: float) -> float:
        return x0 + (x1 - x0) * v / top

    legend = []
    lx = 0.0
    for g in groups:
        legend.append(marker(shapes[g], lx + 6, 12, 5, colours[g]))
        legend.append(_text(lx + 16, 16, escape(_short(g, 16)), font_size="12"))
        lx += 30 + 7 * min(len(g), 16)
    legend.append(marker("diamond", lx + 6, 12, 5, INK))
    legend.append(_text(lx + 16, 16, f"overall ({escape(chosen)})", font_size="12"))
    lx += 40 + 7 * len(chosen) + 50
    for k in others:
        legend.append(
            f'<circle cx="{_fmt(lx + 6)}" cy="12" r="4" fill="#fff" stroke="{INK}" '
            f'stroke-width="1.5"/>'
            if k == others[0]
            else f'<rect x="{_fmt(lx + 2)}" y="8" width="8" height="8" fill="#fff" '
            f'stroke="{INK}" stroke-width="1.5"/>'
        )
        legend.append(_text(lx + 16, 16, f"overall ({escape(k)})", font_size="12"))
        lx += 40 + 7 * len(k) + 50
    rows_per_band = len(groups) + 1
    band_h = rows_per_band * row_h + band_gap
    y_end = head + len(by_outcome) * band_h
    body = ["".join(legend), _axis(x0, x1, head - 4, y_end - band_gap / 2, top, ticks)]
    described = []
    for index, item in enumerate(by_outcome):
        name = str(item["outcome"])
        y = head + index * band_h
        if index % 2 == 0:
            body.append(
                f'<rect x="0" y="{_fmt(y - 4)}" width="{_fmt(width)}" '
                f'height="{_fmt(band_h - band_gap + 8)}" fill="#f3f5f8" fill-opacity="0.7"/>'
            )
        body.append(
            f"<g><title>{escape(name)}</title>"
            + _text(label_w, y + rows_per_band * row_h / 2 + 4, escape(_short(name, 24)), "end")
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
                    f'<path d="M{_fmt(at(interval[0]))} {_fmt(cy)}H{_fmt(at(interval[1]))}" '
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
                f'<path d="M{_fmt(at(low))} {_fmt(cy)}H{_fmt(at(high))}" stroke="{INK}" '
                f'stroke-width="2"/>'
            )
        other_marks = []
        for k in others:
            value = schemes[k][name]
            words += f"; under {k} weighting {percent(value)}"
            other_marks.append(
                f'<circle cx="{_fmt(at(value))}" cy="{_fmt(cy)}" r="4" fill="none" '
                f'stroke="{INK}" stroke-width="1.5"/>'
                if k == others[0]
                else f'<rect x="{_fmt(at(value) - 4)}" y="{_fmt(cy - 4)}" width="8" height="8" '
                f'fill="none" stroke="{INK}" stroke-width="1.5"/>'
            )
        parts.append(words)
        body.append(
            f"<g><title>{escape(name)}, {escape(words)}</title>{whisker}"
            + "".join(other_marks)
            + marker("diamond", at(main["weight"]), cy, 5.5, INK)
            + _text(x1 + 10, cy + 4, percent(main["weight"]), font_weight="600")
            + "</g>"
        )
        described.append(f"{name}: " + "; ".join(parts) + ".")
    return svg(width, y_end + 4, title, " ".join(described), "".join(body))


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

    body = []
    lx = 0.0
    for g in groups:
        body.append(marker(shapes[g], lx + 6, 12, 5, colours[g]))
        body.append(_text(lx + 16, 16, escape(_short(g, 16)), font_size="12"))
        lx += 30 + 7 * min(len(g), 16)
    body.append(
        f'<path d="M{_fmt(lx)} 12h22" stroke="{INK}" stroke-width="1.5" stroke-dasharray="5 3"/>'
        + _text(lx + 28, 16, "opinion cluster", font_size="12")
    )
    height = legend_h + plot_h + 2 * pad
    body.append(
        f'<rect x="{_fmt(pad / 2)}" y="{_fmt(legend_h + pad / 2)}" '
        f'width="{_fmt(width - pad)}" height="{_fmt(plot_h + pad)}" fill="none" '
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
            shape = "M" + "L".join(f"{_fmt(x)} {_fmt(y)}" for x, y in grown) + "Z"
            outline = f'<path d="{shape}"'
        else:
            r = max([math.hypot(x - mx, y - my) for x, y in members] + [0.0]) + 14
            outline = f'<circle cx="{_fmt(mx)}" cy="{_fmt(my)}" r="{_fmt(r)}"'
        top_y = min(y for _, y in grown) if grown else my
        body.append(
            f'<g><title>{escape(label)}</title>{outline} fill="{INK}" fill-opacity="0.03" '
            f'stroke="{INK}" stroke-width="1.5" stroke-dasharray="5 3"/>'
            + _text(
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
        _text(pad / 2, height + 18 * line, escape(label), font_size="12")
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
            f'<path d="M{_fmt(x0)} {_fmt(y)}H{_fmt(x1)}" stroke="{GRID}"/>'
            + _text(x0 - 6, y + 4, f"{10 * tick}%", "end", MUTED, font_size="11")
        )
    for bound, name in bands:
        if bound <= floor:
            continue
        _, y = at(0, bound)
        body.append(
            f'<path d="M{_fmt(x0)} {_fmt(y)}H{_fmt(x1)}" stroke="{MUTED}" stroke-dasharray="2 3"/>'
            + _text(x0 + 4, y - 3, escape(f"≤ {name}"), fill=MUTED, font_size="10")
        )
    for i, label in enumerate(labels):
        x, _ = at(i, floor)
        body.append(_text(x, top + plot_h + 20, escape(label), "middle"))
    described, ends = [], []
    for name in series:
        known = [(i, v) for i, v in enumerate(series[name]) if v is not None]
        coords = [at(i, v) for i, v in known]
        if len(coords) >= 2:
            body.append(
                f'<path d="M{"L".join(f"{_fmt(x)} {_fmt(y)}" for x, y in coords)}" '
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
        body.append(_text(x1 + 12, y + 4, escape(_short(name, 18)), fill=colours[name]))
    return svg(width, top + plot_h + bottom, title, " ".join(described), "".join(body))

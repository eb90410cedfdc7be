"""Scales shared by the charts: group colours and shapes, the diverging scale, contrast, axes."""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import escape

from ..engine.report import percent
from .svg import GRID, INK, MUTED, PALETTE, fmt, shorten, svg_text


def group_colours(groups: Sequence[str]) -> dict[str, str]:
    """A stable colour for each group, in the order given."""
    return {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(groups)}


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
        return f'<circle cx="{fmt(x)}" cy="{fmt(y)}" r="{fmt(r)}" {stroke}>{extra}</circle>'
    if shape == "square":
        s = r * 0.9
        return (
            f'<rect x="{fmt(x - s)}" y="{fmt(y - s)}" width="{fmt(2 * s)}" '
            f'height="{fmt(2 * s)}" {stroke}>{extra}</rect>'
        )
    k = r * 1.25
    points = [(k * px, k * py) for px, py in _POLYGONS[shape]]
    d = "M" + "L".join(f"{fmt(x + px)} {fmt(y + py)}" for px, py in points) + "Z"
    return f'<path d="{d}" {stroke}>{extra}</path>'


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


def nice_top(value: float) -> tuple[float, list[float]]:
    """An axis maximum at or above ``value`` and its tick positions."""
    step = 0.05 if value <= 0.3 else 0.1
    top = step * math.ceil(max(value, step) / step + 1e-9)
    return top, [step * i for i in range(round(top / step) + 1)]


def percent_axis(
    x0: float, x1: float, y0: float, y1: float, top: float, ticks: Sequence[float]
) -> str:
    """Vertical grid lines and percentage labels for a priority axis from 0 to ``top``."""
    out = []
    for t in ticks:
        x = x0 + (x1 - x0) * t / top
        out.append(
            f'<path d="M{fmt(x)} {fmt(y0)}V{fmt(y1)}" stroke="{GRID}" stroke-width="1"/>'
            + svg_text(x, y0 - 6, percent(t, 0), "middle", MUTED, font_size="11")
        )
    return "".join(out)


def group_legend(
    groups: Sequence[str], colours: dict[str, str], shapes: dict[str, str]
) -> tuple[list[str], float]:
    """A one-line legend of the groups' markers and names, and where it ends."""
    legend = []
    lx = 0.0
    for g in groups:
        legend.append(marker(shapes[g], lx + 6, 12, 5, colours[g]))
        legend.append(svg_text(lx + 16, 16, escape(shorten(g, 16)), font_size="12"))
        lx += 30 + 7 * min(len(g), 16)
    return legend, lx

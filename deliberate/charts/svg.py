"""The SVG frame every chart shares: palette, number format, text, the accessible wrapper."""

from __future__ import annotations

import hashlib

from markupsafe import Markup, escape

#: Colour-blind-safe palette (Okabe–Ito), dark enough for text contrast on white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#8F6A00", "#56B4E9", "#444444")
INK = "#1b1f24"
MUTED = "#4a5563"
GRID = "#d5dbe2"


def fmt(x: float) -> str:
    """A coordinate with at most one decimal, no trailing zeros."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def chart_id(*drawn: object) -> str:
    """An id for a chart's title and description, derived from what the chart draws.

    The same chart always gets the same id; two different charts on one page get different
    ones, so a page can hold any number of charts without a shared counter.
    """
    digest = hashlib.blake2s(repr(drawn).encode(), digest_size=6).hexdigest()
    return f"chart-{digest}"


def svg(width: float, height: float, title: str, description: str, body: str) -> Markup:
    """Wrap chart ``body`` in an accessible, scalable ``<svg>`` element."""
    uid = chart_id(width, height, title, description, body)
    # Title and description are escaped here; callers build body from escaped text.
    return Markup(  # nosec B704
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {fmt(width)} {fmt(height)}" '
        f'aria-labelledby="{uid}-title {uid}-desc" '
        f'font-family="system-ui, sans-serif" font-size="13">'
        f'<title id="{uid}-title">{escape(title)}</title>'
        f'<desc id="{uid}-desc">{escape(description)}</desc>{body}</svg>'
    )


def svg_text(
    x: float, y: float, content: str, anchor: str = "start", fill: str = INK, **attrs: str
) -> str:
    """A text element; ``content`` must already be escaped."""
    more = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return (
        f'<text x="{fmt(x)}" y="{fmt(y)}" text-anchor="{anchor}" fill="{fill}"{more}>'
        f"{content}</text>"
    )


def shorten(name: str, limit: int) -> str:
    """A name cut to ``limit`` characters with an ellipsis (escape afterwards)."""
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"

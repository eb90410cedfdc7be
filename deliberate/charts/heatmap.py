"""The conflict heatmap: pairs of outcomes by group, coloured by the side each group favours."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

from ..engine.report import CONFLICT_LABEL, between_phrase, share
from .scales import LN9, diverging_colour, text_on, times
from .svg import GRID, INK, fmt, shorten, svg, svg_text


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
            + svg_text(cx, head - 10, escape(shorten(group, 13)), "middle", font_weight="600")
            + "</g>"
        )
    parts.append(svg_text(right + label_w + 10, head - 10, "between (ω²)", font_weight="600"))
    parts.append(svg_text(right + label_w + 10, head - 24, "share", font_weight="600"))
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
                    f'<rect x="{fmt(x)}" y="{fmt(y)}" width="{fmt(cell_w)}" '
                    f'height="{fmt(cell_h)}" fill="#fff" stroke="{GRID}">'
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
                f'<circle cx="{fmt(x + cell_w - 8)}" cy="{fmt(y + 8)}" r="4.5" fill="#fff" '
                f'stroke="{INK}" stroke-width="1.6"/>'
                if split
                else ""
            )
            cells.append(
                f"<g><title>{escape(text)}</title>"
                f'<rect x="{fmt(x)}" y="{fmt(y)}" width="{fmt(cell_w)}" '
                f'height="{fmt(cell_h)}" fill="{fill}"/>'
                + svg_text(x + cell_w / 2, mid, escape(label), "middle", **text_on(fill))
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
            + svg_text(label_w, mid, escape(shorten(a, 24)), "end")
            + "".join(cells)
            + svg_text(right, mid, escape(shorten(b, 24)))
            + svg_text(
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
        f'<rect x="{fmt(lx + i * step_w)}" y="{fmt(top)}" width="{fmt(step_w)}" height="12" '
        f'fill="{diverging_colour(-v)}"/>'
        for i, v in enumerate(steps)
    ]
    legend.append(svg_text(lx, top + 28, "◀ favours the left outcome (9×)", font_size="12"))
    legend.append(
        svg_text(
            lx + 17 * step_w, top + 28, "favours the right outcome (9×) ▶", "end", font_size="12"
        )
    )
    legend.append(svg_text(lx + 8.5 * step_w, top + 28, "equal", "middle", font_size="12"))
    legend.append(
        f'<circle cx="{fmt(lx + 5)}" cy="{fmt(top + 44)}" r="4.5" fill="#fff" '
        f'stroke="{INK}" stroke-width="1.6"/>'
        + svg_text(lx + 16, top + 48, "the group is split within itself", font_size="12")
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

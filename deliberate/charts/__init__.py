"""Server-side SVG charts: accessible (title, description, text labels), printable, inert.

Charts are plain SVG strings built here and embedded inline in pages and PDFs, so they
need no JavaScript, print as vectors, and keep their words as selectable text. Every
piece of user text passes through :func:`markupsafe.escape`.

One module per chart (:mod:`.bars`, :mod:`.heatmap`, :mod:`.intervals`,
:mod:`.participants`, :mod:`.trends`, :mod:`.cost_value`, :mod:`.ranks`) on the shared
frame (:mod:`.svg`) and colours, shapes, axes and legends (:mod:`.scales`); :mod:`.pages`
draws each page's charts from the data the services return.
"""

from __future__ import annotations

from .bars import priority_bars
from .cost_value import cost_value_chart
from .heatmap import conflict_heatmap
from .intervals import priority_intervals
from .pages import MAP_CHARTS, consensus_chart, map_charts, summary_charts
from .participants import participant_map
from .ranks import rank_grid
from .scales import DIVERGING, diverging_colour, text_on, times
from .trends import trend_lines

__all__ = [
    "DIVERGING",
    "MAP_CHARTS",
    "conflict_heatmap",
    "consensus_chart",
    "cost_value_chart",
    "diverging_colour",
    "map_charts",
    "participant_map",
    "priority_bars",
    "priority_intervals",
    "rank_grid",
    "summary_charts",
    "text_on",
    "times",
    "trend_lines",
]

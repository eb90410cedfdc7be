"""Deliberate's aggregation engine: AHP on stacks of pairwise judgments (numpy + scipy only).

See docs/METHODS.md for the mathematics, with sources. Typical use::

    table = read_judgments_csv(text)
    report = analyze(table, priority="ev", aggregate="aij", weighting="person")
    print(to_json(report))
"""

from .analysis import analyze
from .judgments import JudgmentError, JudgmentTable, read_judgments_csv
from .report import public_view, to_json, to_json_bytes, to_text
from .types import PublicView, Report

__all__ = [
    "JudgmentError",
    "JudgmentTable",
    "PublicView",
    "Report",
    "analyze",
    "public_view",
    "read_judgments_csv",
    "to_json",
    "to_json_bytes",
    "to_text",
]

"""Reading an options appraisal from CSV, in either of its two formats.

* pairwise: ``assessor, outcome, option_a, option_b, value`` — how much better
  ``option_a`` does than ``option_b`` on the outcome, on Saaty's scale (``3``, ``1/3``);
* ratings: ``assessor, option, outcome, score`` — a score from 0 to 10.

Columns may come in any order; blank lines are ignored; cells protected against
spreadsheet formulas (``'=…``) are read without the apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence

from .judgments import _unprotect, value_on_line
from .options import Appraisal, AppraisalError

__all__ = ["PAIRWISE_COLUMNS", "RATING_COLUMNS", "read_appraisal_csv"]

PAIRWISE_COLUMNS = ("assessor", "outcome", "option_a", "option_b", "value")
RATING_COLUMNS = ("assessor", "option", "outcome", "score")


def read_appraisal_csv(
    text: str,
    *,
    options: Sequence[str] | None = None,
    outcomes: Sequence[str] | None = None,
) -> Appraisal:
    """Read an appraisal CSV; the header decides the mode.

    Parameters
    ----------
    text : str
        File contents.
    options, outcomes : sequence of str, optional
        Fix the names (and their order); other names are rejected.

    Raises
    ------
    AppraisalError
        With the line number of the first problem.
    """
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise AppraisalError("the file is empty", 1)
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader)]
    columns = PAIRWISE_COLUMNS if "option_a" in header else RATING_COLUMNS
    unknown = [h for h in header if h not in columns]
    missing = [c for c in columns if c not in header]
    if unknown or missing or len(set(header)) != len(header):
        raise AppraisalError(
            "the header must be either " + ", ".join(PAIRWISE_COLUMNS) + " (pairwise) or "
            f"{', '.join(RATING_COLUMNS)} (ratings); got {', '.join(header)}",
            1,
        )
    order = [header.index(c) for c in columns]
    number = len(columns) - 1  # the value or score column is not text

    def records() -> Iterator[tuple[int, list[str]]]:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise AppraisalError(
                    f"expected {len(header)} fields as in the header, got {len(row)}",
                    reader.line_num,
                )
            cells = [row[c] for c in order]
            yield (
                reader.line_num,
                [c if i == number else _unprotect(c) for i, c in enumerate(cells)],
            )

    try:
        if columns is PAIRWISE_COLUMNS:
            return Appraisal.from_pairwise(
                records(), value_on_line, options=options, outcomes=outcomes
            )
        return Appraisal.from_ratings(records(), options=options, outcomes=outcomes)
    except csv.Error as exc:
        raise AppraisalError(f"malformed CSV: {exc}", reader.line_num) from None

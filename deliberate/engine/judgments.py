"""Judgment tables: validation and the stacked ``(K, n, n)`` log-judgment array.

A judgment says how much more ``outcome_a`` matters than ``outcome_b`` on Saaty's
1–9 scale (values in ``[1/9, 9]``). Each participant's judgments become one layer of
a stack of log matrices, antisymmetric (``x_ji = -x_ij``) with zeros on the diagonal,
and a boolean mask marks the answered pairs.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

__all__ = [
    "REQUIRED_COLUMNS",
    "JudgmentError",
    "JudgmentTable",
    "components",
    "read_judgments_csv",
]

REQUIRED_COLUMNS = ("participant", "group", "outcome_a", "outcome_b", "value")
OPTIONAL_COLUMNS = ("reason",)
SCALE_MIN, SCALE_MAX = 1.0 / 9.0, 9.0
_SCALE_TOL = 1e-9


class JudgmentError(ValueError):
    """Invalid judgments, with the 1-based line (or record) number when known.

    Parameters
    ----------
    message : str
        What is wrong, in plain words.
    line : int or None
        Line of the CSV file (header is line 1) or 1-based record index.
    """

    def __init__(self, message: str, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)


@dataclass(frozen=True)
class JudgmentTable:
    """Judgments of ``K`` participants on ``n`` outcomes.

    Attributes
    ----------
    outcomes : tuple of str, length n
        Outcome names in analysis order.
    participants : tuple, length K
        Participant identifiers (str or int, as given).
    groups : tuple of str, length G
        Declared group names.
    group_index : (K,) int ndarray
        Index into ``groups`` of each participant's group.
    log_judgments : (K, n, n) float ndarray
        ``ln a_ij`` where answered, 0 elsewhere; antisymmetric per participant.
    mask : (K, n, n) bool ndarray
        True where the pair was answered (symmetric, False on the diagonal).
    reasons : dict
        ``{(participant_index, i, j): reason}`` for judgments that carry one (i < j).
    """

    outcomes: tuple[str, ...]
    participants: tuple[str | int, ...]
    groups: tuple[str, ...]
    group_index: np.ndarray
    log_judgments: np.ndarray
    mask: np.ndarray
    reasons: dict[tuple[int, int, int], str]

    @property
    def n(self) -> int:
        """Number of outcomes."""
        return len(self.outcomes)

    @property
    def size(self) -> int:
        """Number of participants ``K``."""
        return len(self.participants)

    def subset(self, keep: np.ndarray) -> JudgmentTable:
        """Table restricted to the participants where ``keep`` (``(K,)`` bool) is True."""
        idx = np.flatnonzero(keep)
        remap = {int(k): pos for pos, k in enumerate(idx)}
        return JudgmentTable(
            outcomes=self.outcomes,
            participants=tuple(self.participants[k] for k in idx),
            groups=self.groups,
            group_index=self.group_index[idx],
            log_judgments=self.log_judgments[idx],
            mask=self.mask[idx],
            reasons={(remap[k], i, j): r for (k, i, j), r in self.reasons.items() if k in remap},
        )

    @classmethod
    def from_records(
        cls,
        records: Iterable[Sequence[object]],
        outcomes: Sequence[str] | None = None,
        groups: Sequence[str] | None = None,
    ) -> JudgmentTable:
        """Build a table from ``(participant, group, outcome_a, outcome_b, value[, reason])``.

        Parameters
        ----------
        records : iterable of tuples
            One judgment each; ``value`` is how much more ``outcome_a`` matters than
            ``outcome_b`` (a number or a string such as ``"1/3"``).
        outcomes : sequence of str, optional
            Outcome order; records naming another outcome are rejected. Default: order
            of first appearance.
        groups : sequence of str, optional
            Group order (groups without members are kept). Default: first appearance.

        Raises
        ------
        JudgmentError
            On an invalid value, a self-comparison, a pair given twice by the same
            participant (in either order), a participant in two groups, an unknown
            outcome, or no records at all; ``line`` is the 1-based record index.
        """
        return _build(enumerate(records, start=1), outcomes, groups)


def _build(
    numbered: Iterable[tuple[int, Sequence[object]]],
    outcomes: Sequence[str] | None,
    groups: Sequence[str] | None,
) -> JudgmentTable:
    """Validate ``(line, record)`` pairs and stack them (see `JudgmentTable.from_records`)."""
    fixed_outcomes = outcomes is not None
    out_index: dict[str, int] = {str(o): i for i, o in enumerate(outcomes or ())}
    if len(out_index) != len(outcomes or ()):
        raise JudgmentError("the outcome list names an outcome twice")
    grp_index: dict[str, int] = {str(g): i for i, g in enumerate(groups or ())}
    part_index: dict[object, int] = {}
    part_group: list[int] = []
    seen: dict[tuple[int, int, int], int] = {}
    rows_k: list[int] = []
    rows_i: list[int] = []
    rows_j: list[int] = []
    rows_x: list[float] = []
    reasons: dict[tuple[int, int, int], str] = {}
    line = 1
    for line, record in numbered:
        if len(record) not in (5, 6):
            raise JudgmentError(
                f"expected 5 or 6 fields (participant, group, outcome_a, outcome_b, value"
                f"[, reason]), got {len(record)}",
                line,
            )
        participant, group, a, b, raw = record[:5]
        reason = record[5] if len(record) == 6 else None
        if participant is None or str(participant).strip() == "":
            raise JudgmentError("participant is empty", line)
        group_name = "" if group is None else str(group).strip()
        if group_name == "":
            raise JudgmentError("group is empty", line)
        a_name, b_name = str(a or "").strip(), str(b or "").strip()
        if not a_name or not b_name:
            raise JudgmentError("outcome_a and outcome_b must both be given", line)
        if a_name == b_name:
            raise JudgmentError(f"outcome {a_name!r} is compared with itself", line)
        value = _parse_value(raw, line)
        pid = participant.strip() if isinstance(participant, str) else participant
        for name in (a_name, b_name):
            if name not in out_index:
                if fixed_outcomes:
                    raise JudgmentError(f"unknown outcome {name!r}", line)
                out_index[name] = len(out_index)
        if group_name not in grp_index:
            if groups is not None:
                raise JudgmentError(f"unknown group {group_name!r}", line)
            grp_index[group_name] = len(grp_index)
        g = grp_index[group_name]
        if pid not in part_index:
            part_index[pid] = len(part_index)
            part_group.append(g)
        k = part_index[pid]
        if part_group[k] != g:
            declared = next(n for n, v in grp_index.items() if v == part_group[k])
            raise JudgmentError(
                f"participant {pid!r} is in group {declared!r} earlier and in {group_name!r} here",
                line,
            )
        i, j = out_index[a_name], out_index[b_name]
        key = (k, min(i, j), max(i, j))
        if key in seen:
            raise JudgmentError(
                f"participant {pid!r} compares {a_name!r} and {b_name!r} twice "
                f"(first on line {seen[key]})",
                line,
            )
        seen[key] = line
        x = math.log(value)
        rows_k.append(k)
        rows_i.append(key[1])
        rows_j.append(key[2])
        rows_x.append(x if i < j else -x)
        if reason is not None and str(reason).strip():
            reasons[key] = str(reason).strip()
    if not rows_k:
        raise JudgmentError("no judgments", line)
    names = sorted(out_index, key=out_index.__getitem__)
    n, K = len(names), len(part_index)
    logs = np.zeros((K, n, n))
    mask = np.zeros((K, n, n), dtype=bool)
    kk, ii, jj = np.array(rows_k), np.array(rows_i), np.array(rows_j)
    xx = np.array(rows_x)
    logs[kk, ii, jj], logs[kk, jj, ii] = xx, -xx
    mask[kk, ii, jj] = mask[kk, jj, ii] = True
    return JudgmentTable(
        outcomes=tuple(names),
        participants=tuple(part_index),
        groups=tuple(sorted(grp_index, key=grp_index.__getitem__)),
        group_index=np.array(part_group, dtype=np.intp),
        log_judgments=logs,
        mask=mask,
        reasons=reasons,
    )


def _parse_value(raw: object, line: int) -> float:
    """Parse a judgment value (number or ``p/q`` fraction) and check the scale."""
    if isinstance(raw, bool):
        raise JudgmentError(f"value {raw!r} is not a number", line)
    if isinstance(raw, int | float | np.integer | np.floating):
        value = float(raw)
    else:
        text = str(raw).strip() if raw is not None else ""
        try:
            value = float(Fraction(text)) if "/" in text else float(text)
        except (ValueError, ZeroDivisionError):
            raise JudgmentError(f"value {text!r} is not a number", line) from None
    if not math.isfinite(value) or not (
        SCALE_MIN * (1 - _SCALE_TOL) <= value <= SCALE_MAX * (1 + _SCALE_TOL)
    ):
        raise JudgmentError(f"value {raw!r} is outside Saaty's scale [1/9, 9]", line)
    return value


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would run as a formula.

    Exports write text cells through this (OWASP's advice against CSV injection);
    :func:`read_judgments_csv` removes the apostrophe again, so data round-trips.
    """
    return f"'{cell}" if cell[:1] in FORMULA_STARTS else cell


def _unprotect(cell: str) -> str:
    """Undo :func:`spreadsheet_safe`."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in FORMULA_STARTS else cell


def read_judgments_csv(text: str) -> JudgmentTable:
    """Read a judgments CSV.

    The header must hold ``participant, group, outcome_a, outcome_b, value`` and may
    hold ``reason``; columns may come in any order. Blank lines are ignored, and a text
    cell protected by :func:`spreadsheet_safe` (``'=…``) is read without its apostrophe.

    Parameters
    ----------
    text : str
        File contents.

    Raises
    ------
    JudgmentError
        With the line number of the first problem.
    """
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise JudgmentError("the file is empty", 1)
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader)]
    unknown = [h for h in header if h not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise JudgmentError(
            f"unknown column(s) {', '.join(map(repr, unknown))}; expected "
            f"{', '.join(REQUIRED_COLUMNS)} and optionally reason",
            1,
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise JudgmentError(f"missing column(s) {', '.join(missing)}", 1)
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise JudgmentError(f"column(s) {', '.join(duplicated)} appear twice", 1)
    order = [header.index(c) for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) if c in header]
    width = len(header)

    def records() -> Iterable[tuple[int, list[str]]]:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != width:
                raise JudgmentError(
                    f"expected {width} fields as in the header, got {len(row)}", reader.line_num
                )
            cells = [row[c] for c in order]
            value_at = REQUIRED_COLUMNS.index("value")
            yield (
                reader.line_num,
                [cell if i == value_at else _unprotect(cell) for i, cell in enumerate(cells)],
            )

    try:
        return _build(records(), None, None)
    except csv.Error as exc:
        raise JudgmentError(f"malformed CSV: {exc}", reader.line_num) from None


def components(mask: np.ndarray) -> np.ndarray:
    """Connected components of each comparison graph.

    Parameters
    ----------
    mask : (K, n, n) bool ndarray
        Answered pairs.

    Returns
    -------
    (K, n, n) bool ndarray
        ``reach[k, i, j]`` is True when outcomes i and j are connected for participant k.
    """
    n = mask.shape[-1]
    reach = mask | np.eye(n, dtype=bool)
    steps = 1
    while steps < n:
        reach = np.matmul(reach.astype(np.float32), reach.astype(np.float32)) > 0
        steps *= 2
    return reach

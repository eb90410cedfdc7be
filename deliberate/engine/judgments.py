"""Judgment tables: values, validation and the stacked ``(K, n, n)`` log-judgment array.

A judgment says how much more ``outcome_a`` matters than ``outcome_b`` on Saaty's
1–9 scale (values in ``[1/9, 9]``). Each participant's judgments become one layer of
a stack of log matrices, antisymmetric (``x_ji = -x_ij``) with zeros on the diagonal,
and a boolean mask marks the answered pairs.

Every way judgments come in (a CSV or spreadsheet file, the web import, the API) ends in
:func:`table_from_columns`: one set of rules, checked column by column with numpy, each
error naming the first line it occurs on. A value that is a scale point rounded at its
own written precision (``0.1111``, ``0.33``, ``0.142857``) is read as that exact point.
"""

from __future__ import annotations

import bisect
import csv
import io
import itertools
import math
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

import numpy as np

__all__ = [
    "REQUIRED_COLUMNS",
    "SCALE_POINTS",
    "Columns",
    "JudgmentError",
    "JudgmentTable",
    "components",
    "parse_value",
    "read_judgments_csv",
    "reciprocal",
    "split_csv",
    "table_from_columns",
    "value_on_line",
]

REQUIRED_COLUMNS = ("participant", "group", "outcome_a", "outcome_b", "value")
OPTIONAL_COLUMNS = ("reason",)
SCALE_MIN, SCALE_MAX = 1.0 / 9.0, 9.0
_SCALE_TOL = 1e-9
#: Saaty's 17 scale points, exactly, from 1/9 to 9.
SCALE: tuple[Fraction, ...] = tuple(Fraction(1, v) for v in range(9, 1, -1)) + tuple(
    Fraction(v) for v in range(1, 10)
)
#: The same points as floats (``float(Fraction(1, 3))`` and so on).
SCALE_POINTS: tuple[float, ...] = tuple(float(s) for s in SCALE)


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
            As :func:`table_from_columns`; ``line`` is the 1-based record index.
        """
        records = list(records)
        for number, record in enumerate(records, start=1):
            if len(record) not in (5, 6):
                raise JudgmentError(
                    f"expected 5 or 6 fields (participant, group, outcome_a, outcome_b, value"
                    f"[, reason]), got {len(record)}",
                    number,
                )
        columns = Columns.from_records(records)
        return table_from_columns(columns, outcomes=outcomes, groups=groups)


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


# --------------------------------------------------------------------------- values


def _point(value: Fraction) -> float | None:
    """The float of ``value`` when it is one of Saaty's 17 points, else None."""
    return SCALE_POINTS[SCALE.index(value)] if value in SCALE else None


def _describe(points: Sequence[Fraction]) -> str:
    names = [str(p) for p in points]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _snap(exact: Fraction, decimals: int | None, raw: object) -> float:
    """``exact`` as a scale point when it is one (or one rounded at ``decimals`` places)."""
    point = _point(exact)
    if point is not None:
        return point
    if decimals:
        half = Fraction(1, 2 * 10**decimals)
        near = [s for s in SCALE if abs(s - exact) < half] or [
            s for s in SCALE if abs(s - exact) == half
        ]
        if len(near) == 1:
            return SCALE_POINTS[SCALE.index(near[0])]
        if near:
            where = "outside Saaty's scale [1/9, 9]; " if not SCALE[0] <= exact <= SCALE[-1] else ""
            raise ValueError(
                f"value {raw!r} is {where}it could be {_describe(near)} rounded; "
                "write it as a fraction such as 1/7 or with more decimals"
            )
    value = float(exact)
    if not SCALE_MIN * (1 - _SCALE_TOL) <= value <= SCALE_MAX * (1 + _SCALE_TOL):
        raise ValueError(f"value {raw!r} is outside Saaty's scale [1/9, 9]")
    return exact_value(value)


def _exact(raw: object, decimal_comma: bool) -> tuple[Fraction, int | None]:
    """The exact number written in ``raw`` and its count of decimals (None: a fraction)."""
    if isinstance(raw, bool):
        raise ValueError(f"value {raw!r} is not a number")
    if isinstance(raw, int | np.integer):
        return Fraction(int(raw)), 0
    if isinstance(raw, float | np.floating):
        if not math.isfinite(raw):
            raise ValueError(f"value {raw!r} is outside Saaty's scale [1/9, 9]")
        text = repr(float(raw))
    else:
        text = "" if raw is None else str(raw).strip()
        if decimal_comma:
            text = text.replace(",", ".")
    if "/" in text:
        top, _, bottom = text.partition("/")
        try:
            return Fraction(int(top.strip()), int(bottom.strip())), None
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"value {raw!r} is not a number") from None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"value {raw!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"value {raw!r} is outside Saaty's scale [1/9, 9]")
    exponent = int(number.as_tuple().exponent)  # an int for every finite decimal
    return Fraction(number), max(0, -exponent)


def parse_value(raw: object, *, decimal_comma: bool = False, rounded: bool = True) -> float:
    """Read one judgment value exactly.

    A number, text such as ``"3"``, ``"0.3333"`` or ``"1/3"`` (``"0,3333"`` with
    ``decimal_comma``). A scale point, or a scale point rounded at the value's own written
    precision (``0.1111`` → 1/9, ``0.142857`` → 1/7, ``0.33`` → 1/3), is returned as
    exactly that point (``float(Fraction(1, 9))``); another value in [1/9, 9] as written.

    With ``rounded=False`` (values computed by a program, not written by a person) only a
    value within floating-point noise of a scale point is taken as that point.

    Raises
    ------
    ValueError
        Not a number, outside [1/9, 9], or a rounding that fits several scale points
        (``0.1`` could be 1/9, 1/8 or 1/7).
    """
    exact, decimals = _exact(raw, decimal_comma)
    return _snap(exact, decimals if rounded else None, raw)


def value_on_line(raw: object, line: int) -> float:
    """`parse_value`, with a bad value reported as a `JudgmentError` naming ``line``."""
    try:
        return parse_value(raw)
    except ValueError as error:
        raise JudgmentError(str(error), line) from None


def parse_signed(raw: object, *, decimal_comma: bool = False, rounded: bool = True) -> float:
    """Read a value on the signed −9…9 scale (``-3``: the second matters 3 times more).

    0, 1 and −1 mean equal importance; ``v ≥ 1`` is ``v``, ``v ≤ −1`` is ``1/|v|``.
    """
    exact, decimals = _exact(raw, decimal_comma)
    if exact in (0, 1, -1):
        return 1.0
    if abs(exact) < 1:
        raise ValueError(f"value {raw!r} is not on the signed scale from -9 to 9")
    value = _snap(abs(exact), decimals if rounded else None, raw)
    return value if exact > 0 else reciprocal(value)


def reciprocal(value: float) -> float:
    """``1 / value``, exactly a scale point when ``value`` is one."""
    if value in SCALE_POINTS:
        return SCALE_POINTS[len(SCALE_POINTS) - 1 - SCALE_POINTS.index(value)]
    return 1.0 / value


def exact_value(value: float) -> float:
    """``value`` replaced by the scale point it is within floating-point noise of (else as is)."""
    at = bisect.bisect_left(SCALE_POINTS, value)
    for point in SCALE_POINTS[max(at - 1, 0) : at + 1]:
        if math.isclose(value, point, rel_tol=_SCALE_TOL):
            return point
    return float(value)


# --------------------------------------------------------------------------- columns


def _name(raw: object) -> str:
    """A name as compared: text, trimmed, Unicode NFC."""
    return unicodedata.normalize("NFC", "" if raw is None else str(raw).strip())


def _fold(name: str) -> str:
    """What two spellings of one name have in common (case and spacing ignored)."""
    return " ".join(name.casefold().split())


class CodedCells(Sequence[object]):
    """A column of cells held as integer codes into its distinct cells.

    ``cells`` lists each distinct cell once, in order of first appearance, so code ``j``
    first appears after code ``j - 1``. Reads like the list of cells it stands for; the
    validation works on the distinct cells and the codes, not cell by cell.
    """

    __slots__ = ("cells", "codes")

    def __init__(self, codes: np.ndarray, cells: list[object]) -> None:
        self.codes, self.cells = codes, cells

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self.cells[c] for c in self.codes[index].tolist()]
        return self.cells[self.codes[index]]

    def __iter__(self) -> Iterator[object]:
        return map(self.cells.__getitem__, self.codes.tolist())

    def firsts(self) -> np.ndarray:
        """The index where each distinct cell first appears."""
        top = np.maximum.accumulate(self.codes)
        return np.flatnonzero(np.concatenate(([True], top[1:] != top[:-1])))

    def index(self, value: object, start: int = 0, stop: int | None = None) -> int:
        return int(self.firsts()[self.cells.index(value)])


def _distinct(cells: Sequence[object]) -> Iterable[object]:
    """The distinct cells of a column, in order of first appearance."""
    return cells.cells if isinstance(cells, CodedCells) else dict.fromkeys(cells)


def _per_cell(cells: Sequence[object], of: dict[Any, Any], dtype: type) -> np.ndarray:
    """``of[cell]`` for every cell of a column, as an array."""
    if isinstance(cells, CodedCells):
        return np.array([of[c] for c in cells.cells], dtype)[cells.codes]
    return np.fromiter(map(of.__getitem__, cells), dtype, len(cells))


#: Bytes of lines coded at a time: bounds the temporary arrays of :func:`_coded_fields`.
_CHUNK_BYTES = 1 << 22
#: ``_LOW_BYTES[m]`` keeps the first ``m`` bytes (of 8) of a little-endian word.
_LOW_BYTES = np.array([(1 << 8 * m) - 1 for m in range(9)], dtype=np.uint64)
_MIX = np.uint64(0x9E3779B97F4A7C15)  # an odd multiplier: folds a word into a field's hash
_LONG_KEY = np.uint64(1 << 63)  # marks the key of a field longer than 7 bytes
#: ``_LENGTH_TAGS[m]``: the length ``m`` of a field of up to 7 bytes, in its key's top byte.
_LENGTH_TAGS = np.array([m << 56 for m in range(8)], dtype=np.uint64)


def _sorted_distinct(keys: np.ndarray) -> np.ndarray:
    """``np.unique(keys)``, by sorting (``np.unique`` alone would import ``numpy.ma``)."""
    ordered = np.sort(keys)
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def _positions(known: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Where each of ``keys`` is in ``known`` (distinct uint64), by a table indexed by the
    top bits of a multiplicative hash: quicker than a binary search per key. A key not in
    ``known`` gets some position (the caller compares)."""
    bits = max(4, (4 * known.size).bit_length())
    while bits <= 22:  # a table of at most 4 M entries, else a binary search
        shift = np.uint64(64 - bits)
        slots = (known * _MIX) >> shift
        table = np.full(1 << bits, -1, np.intp)
        table[slots] = np.arange(known.size)
        if np.count_nonzero(table >= 0) == known.size:  # no two known keys share a slot
            return np.maximum(table[(keys * _MIX) >> shift], 0)
        bits += 1
    return np.minimum(np.searchsorted(known, keys), known.size - 1)


def _first_order(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes of ``keys`` ``(m,)`` uint64, numbered in order of first appearance, and the
    index where each code first appears."""
    size = keys.size
    heads = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))  # runs
    at_heads = keys[heads]
    known = _sorted_distinct(at_heads[:1024])  # most distinct keys show early; the rest below
    for _ in range(2):
        pos = _positions(known, at_heads)
        missing = known[pos] != at_heads
        if not missing.any():
            break
        known = _sorted_distinct(np.concatenate((known, at_heads[missing])))
    first = np.full(known.size, size, np.intp)
    np.minimum.at(first, pos, heads)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    codes = rank[pos]
    if heads.size < size:
        codes = np.repeat(codes, np.diff(np.append(heads, size)))
    return codes, first[order]


def _field_codes(
    words: np.ndarray, starts: np.ndarray, lengths: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """`_first_order` of the fields at ``starts`` (``words``: the 8-byte word at every byte).

    A field of up to 7 bytes is its own key (its bytes, and its length in the top byte); a
    longer one is hashed into a key with the top bit set, and each checked against the
    first field with its key: None on a clash.
    """
    short = np.minimum(lengths, 7)
    key = words[starts]
    key &= _LOW_BYTES[short]
    key |= _LENGTH_TAGS[short]
    longer = np.flatnonzero(lengths > 7)
    if longer.size:
        at, size = starts[longer], lengths[longer]
        parts = [size]
        hashed = size.astype(np.uint64)
        for offset in range(0, int(size.max()), 8):
            part = words[np.minimum(at + offset, words.size - 1)]
            part &= _LOW_BYTES[np.clip(size - offset, 0, 8)]
            parts.append(part)
            hashed = hashed * _MIX + part
        key[longer] = hashed | _LONG_KEY
    codes, firsts = _first_order(key)
    if longer.size:
        # The first field with each key, as a position in ``longer`` (it is long too).
        same = np.searchsorted(longer, firsts[codes[longer]])
        if not all(np.array_equal(part, part[same]) for part in parts):
            return None
    return codes, firsts


def _coded_fields(body: bytes, width: int, delimiter: str) -> list[CodedCells] | None:
    """The fields of ``body`` (UTF-8 lines of ``width`` fields, each ending in a newline),
    column by column as :class:`CodedCells`; None when a line has another number of fields.

    Read with numpy, a chunk of lines at a time: every field becomes a key of its bytes,
    and only the distinct fields of a chunk are looked up (and decoded) one by one.
    """
    buffer = np.frombuffer(body + bytes(8), np.uint8)
    # The little-endian 8-byte word starting at every byte (a view: no copy).
    words = np.ndarray((buffer.size - 7,), "<u8", buffer, strides=(1,))
    index: list[dict[bytes, int]] = [{} for _ in range(width)]
    parts: list[list[np.ndarray]] = [[] for _ in range(width)]
    start = 0
    while start < len(body):
        cut = body.rfind(b"\n", start, start + _CHUNK_BYTES) + 1
        if cut <= start:  # a line longer than a chunk
            cut = body.index(b"\n", start + _CHUNK_BYTES) + 1
        chunk = buffer[start:cut]
        ending = chunk == 10
        ends = np.flatnonzero(ending | (chunk == ord(delimiter)))
        if (
            ends.size != width * np.count_nonzero(ending)
            or not ending[ends[width - 1 :: width]].all()
        ):
            return None  # a blank line or a ragged row
        ends += start
        line_starts = np.append(start, ends[width - 1 :: width][:-1] + 1)
        for c in range(width):
            stops = ends[c::width]
            # A cell starts after the previous cell's delimiter, or where its line starts.
            starts = ends[c - 1 :: width] + 1 if c else line_starts
            field = starts, stops - starts
            coded = _field_codes(words, *field)
            if coded is None:
                return None
            codes, firsts = coded
            seen = index[c]
            known = [
                seen.setdefault(body[at : at + size], len(seen))
                for at, size in zip(
                    field[0][firsts].tolist(), field[1][firsts].tolist(), strict=True
                )
            ]
            parts[c].append(np.array(known, np.int32)[codes])
            del codes
        start = cut
    return [
        CodedCells(
            np.concatenate(part) if part else np.zeros(0, np.int32),
            [cell.decode() for cell in seen],
        )
        for part, seen in zip(parts, index, strict=True)
    ]


@dataclass
class Columns:
    """Judgments column by column, as read from a file or a request, before validation.

    Each list holds one cell per judgment, as written (text or numbers). ``line`` maps a
    judgment's index to the line (or row, or record number) to name in errors.
    """

    participant: list[object]
    group: list[object]
    outcome_a: list[object]
    outcome_b: list[object]
    value: list[object]
    reason: list[object] | None = None
    line: Callable[[int], int] = lambda index: index + 1
    #: the line to name when there are no judgments at all
    empty_line: int = 1
    #: cells written by :func:`spreadsheet_safe` (read from a file) lose their apostrophe
    protected: bool = False
    #: values use a decimal comma (the file's delimiter is not a comma)
    decimal_comma: bool = False
    #: values on the signed −9…9 scale
    signed: bool = False
    #: values were written by people, so may be scale points rounded (see `parse_value`)
    rounded: bool = True
    notices: list[str] = field(default_factory=list)

    @classmethod
    def from_records(cls, records: Sequence[Sequence[object]]) -> Columns:
        """Columns of ``(participant, group, outcome_a, outcome_b, value[, reason])`` tuples."""
        width = max((len(r) for r in records), default=5)
        padded = [tuple(r) + (None,) * (width - len(r)) for r in records]
        cells = list(zip(*padded, strict=True)) if padded else [()] * width
        reason = list(cells[5]) if width == 6 else None
        return cls(*(list(c) for c in cells[:5]), reason=reason, rounded=False)

    def __len__(self) -> int:
        return len(self.participant)

    def values(self) -> tuple[np.ndarray, tuple[int, str] | None]:
        """Each judgment's value, exactly (see :func:`parse_value`), and the first problem.

        Returns the values (NaN where unreadable) and ``(index, message)`` of the first
        unreadable one, or None.
        """
        parse = parse_signed if self.signed else parse_value
        parsed: dict[object, float] = {}
        problems: dict[object, str] = {}
        for raw in _distinct(self.value):
            try:
                parsed[raw] = parse(raw, decimal_comma=self.decimal_comma, rounded=self.rounded)
            except ValueError as error:
                parsed[raw], problems[raw] = math.nan, str(error)
        values = _per_cell(self.value, parsed, float)
        if not problems:
            return values, None
        index = min(self.value.index(raw) for raw in problems)
        return values, (index, problems[self.value[index]])

    def names(self, column: list[object]) -> dict[object, str]:
        """Each distinct cell of ``column`` and the name it stands for."""
        clean = _unprotect if self.protected else (lambda cell: cell)
        return {
            raw: _name(clean(raw) if isinstance(raw, str) else raw) for raw in _distinct(column)
        }


@dataclass
class _Coded:
    """One categorical column as integer codes into ``names``."""

    codes: np.ndarray
    names: list[object]


def _code(
    cells: list[object], spelled: dict[object, object], index: dict[object, int]
) -> np.ndarray:
    """Codes of ``cells`` through ``spelled`` (cell → name) and ``index`` (name → code)."""
    by_cell = {raw: index.get(name, -1) for raw, name in spelled.items()}
    return _per_cell(cells, by_cell, np.intp)


def _first(mask: np.ndarray) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def _check_spellings(
    columns: Columns, coded: _Coded, codes_by_record: Sequence[np.ndarray], what: str
) -> None:
    """Raise when two names differ only by case or spacing, naming both and their lines."""
    by_fold: dict[str, list[int]] = {}
    for code, name in enumerate(coded.names):
        if isinstance(name, str):
            by_fold.setdefault(_fold(name), []).append(code)
    clashes = [codes for codes in by_fold.values() if len(codes) > 1]
    if not clashes:
        return
    first_seen: dict[int, int] = {}
    for codes in codes_by_record:
        found, at = np.unique(codes, return_index=True)
        for code, record in zip(found.tolist(), at.tolist(), strict=True):
            first_seen[code] = min(first_seen.get(code, record), record)
    clash = min(clashes, key=lambda codes: max(first_seen[c] for c in codes))
    one, two = sorted(clash, key=first_seen.__getitem__)[:2]
    raise JudgmentError(
        f"{what} {coded.names[one]!r} (line {columns.line(first_seen[one])}) and "
        f"{coded.names[two]!r} differ only in capitals or spacing; names must be written "
        "the same way every time",
        columns.line(first_seen[two]),
    )


def _pair_order(columns: Columns) -> Iterable[object]:
    """The distinct outcome cells in order of first appearance, row by row, a before b."""
    a, b = columns.outcome_a, columns.outcome_b
    if isinstance(a, CodedCells) and isinstance(b, CodedCells):
        seen = sorted(
            [(2 * int(at), cell) for at, cell in zip(a.firsts(), a.cells, strict=True)]
            + [(2 * int(at) + 1, cell) for at, cell in zip(b.firsts(), b.cells, strict=True)],
            key=lambda item: item[0],
        )
        return dict.fromkeys(cell for _, cell in seen)
    return dict.fromkeys(itertools.chain.from_iterable(zip(a, b, strict=True)))


def table_from_columns(
    columns: Columns,
    outcomes: Sequence[str] | None = None,
    groups: Sequence[str] | None = None,
) -> JudgmentTable:
    """Validate judgments column by column and stack them.

    Parameters
    ----------
    columns : Columns
        The judgments as read.
    outcomes, groups : sequence of str, optional
        As in `JudgmentTable.from_records`.

    Raises
    ------
    JudgmentError
        At the first line with an empty name, a self-comparison, a value that is not a
        number in [1/9, 9], an unknown outcome or group (when given), two spellings of
        one name, a participant in two groups or a pair given twice by one participant
        (in either order); or when there are no judgments.
    """
    size = len(columns)
    if size == 0:
        raise JudgmentError("no judgments", columns.empty_line)
    people = columns.names(columns.participant)
    group_names = columns.names(columns.group)
    outcome_names = columns.names(columns.outcome_a) | columns.names(columns.outcome_b)
    problems: list[tuple[int, str]] = []

    def empty(cells: list[object], spelled: dict[object, str], message: str) -> None:
        blank = {raw for raw, name in spelled.items() if name == ""}
        if blank:  # found in ``spelled``, not always in ``cells`` (outcomes share one)
            first = next((i for i, raw in enumerate(cells) if raw in blank), None)
            if first is not None:
                problems.append((first, message))

    empty(columns.participant, people, "participant is empty")
    empty(columns.group, group_names, "group is empty")
    for cells in (columns.outcome_a, columns.outcome_b):
        empty(cells, outcome_names, "outcome_a and outcome_b must both be given")
    if problems:
        index, message = min(problems)
        raise JudgmentError(message, columns.line(index))

    kept: dict[object, object] = {
        raw: (name if isinstance(raw, str) else raw) for raw, name in people.items()
    }
    p_index = {name: k for k, name in enumerate(dict.fromkeys(kept.values()))}
    if outcomes is not None:
        o_order = [_name(o) for o in outcomes]
        if len(set(o_order)) != len(o_order):
            raise JudgmentError("the outcome list names an outcome twice")
    else:
        o_order = list(dict.fromkeys(outcome_names[raw] for raw in _pair_order(columns)))
    o_index = {name: i for i, name in enumerate(o_order)}
    g_order = (
        [_name(g) for g in groups]
        if groups is not None
        else list(dict.fromkeys(group_names[raw] for raw in _distinct(columns.group)))
    )
    g_index = {name: g for g, name in enumerate(g_order)}

    pk = _code(columns.participant, kept, p_index)
    gk = _code(columns.group, group_names, g_index)
    ai = _code(columns.outcome_a, outcome_names, o_index)
    bj = _code(columns.outcome_b, outcome_names, o_index)

    def first(mask: np.ndarray, message: Callable[[int], str]) -> None:
        index = _first(mask)
        if index is not None:
            problems.append((index, message(index)))

    first(
        ai == bj,
        lambda r: f"outcome {outcome_names[columns.outcome_a[r]]!r} is compared with itself",
    )
    for codes, cells in ((ai, columns.outcome_a), (bj, columns.outcome_b)):
        first(codes < 0, lambda r, c=cells: f"unknown outcome {outcome_names[c[r]]!r}")
    first(gk < 0, lambda r: f"unknown group {group_names[columns.group[r]]!r}")
    values, unreadable = columns.values()
    if unreadable:
        problems.append(unreadable)
    if problems:
        index, message = min(problems)
        raise JudgmentError(message, columns.line(index))

    participants = list(p_index)
    if outcomes is None:
        _check_spellings(columns, _Coded(ai, o_order), (ai, bj), "outcome")
    if groups is None:
        _check_spellings(columns, _Coded(gk, g_order), (gk,), "group")
    _check_spellings(columns, _Coded(pk, participants), (pk,), "participant")

    n, K = len(o_order), len(participants)
    declared = np.empty(K, np.intp)
    declared[pk[::-1]] = gk[::-1]
    first(
        gk != declared[pk],
        lambda r: (
            f"participant {participants[pk[r]]!r} is in group "
            f"{g_order[declared[pk[r]]]!r} earlier and in {g_order[gk[r]]!r} here"
        ),
    )
    lo, hi = np.minimum(ai, bj), np.maximum(ai, bj)
    key = (pk * n + lo) * n + hi
    # A pair given twice: marking each participant's pairs is quicker than sorting them.
    given = np.zeros(K * n * n, dtype=bool)
    given[key] = True
    if np.count_nonzero(given) < key.size:
        order = np.argsort(key, kind="stable")
        repeated = np.flatnonzero(key[order][1:] == key[order][:-1])
        later = order[repeated + 1]
        at = int(np.argmin(later))
        r, earlier = int(later[at]), int(order[repeated[at]])
        problems.append(
            (
                r,
                f"participant {participants[pk[r]]!r} compares "
                f"{outcome_names[columns.outcome_a[r]]!r} and "
                f"{outcome_names[columns.outcome_b[r]]!r} twice "
                f"(first on line {columns.line(earlier)})",
            )
        )
    if problems:
        index, message = min(problems)
        raise JudgmentError(message, columns.line(index))

    x = np.log(values)
    x = np.where(ai < bj, x, -x)
    logs = np.zeros((K, n, n))
    mask = np.zeros((K, n, n), dtype=bool)
    # Flat positions (``key`` is that of (k, lo, hi)): much quicker than three index arrays.
    mirror = (pk * n + hi) * n + lo
    logs.reshape(-1)[key], logs.reshape(-1)[mirror] = x, -x
    mask.reshape(-1)[key] = mask.reshape(-1)[mirror] = True
    reasons: dict[tuple[int, int, int], str] = {}
    if columns.reason is not None:
        for r, reason in enumerate(columns.reason):
            if reason is not None and (text := str(reason).strip()):
                reasons[(int(pk[r]), int(lo[r]), int(hi[r]))] = (
                    _unprotect(text) if columns.protected else text
                )
    return JudgmentTable(
        outcomes=tuple(o_order),
        participants=tuple(participants),
        groups=tuple(g_order),
        group_index=declared,
        log_judgments=logs,
        mask=mask,
        reasons=reasons,
    )


# --------------------------------------------------------------------------- CSV


def split_csv(text: str) -> tuple[list[list[str]], str]:
    """The rows of CSV text and its delimiter (comma, semicolon or tab, from the first line).

    Any line ending (``\\r\\n``, ``\\n`` or a lone ``\\r``) ends a line; a byte-order mark
    is dropped. Blank lines are kept as empty rows, so row ``r`` is on line ``r + 1``
    unless a quoted cell spans lines (see :func:`line_numbers`).
    """
    text = _text_lines(text)
    delimiter = sniff_delimiter(text)
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as exc:
        raise JudgmentError(f"malformed CSV: {exc}") from None
    return rows, delimiter


def line_numbers(text: str, delimiter: str, count: int) -> Callable[[int], int]:
    """Row index → line number for :func:`split_csv`'s rows (computed only when needed)."""
    text = _text_lines(text)
    if text.count("\n") + (not text.endswith("\n")) == count:
        return lambda row: row + 1
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    lines = [reader.line_num for _ in reader]
    return lambda row: lines[row]


def _long_header(cells: Sequence[object], line: int) -> list[str]:
    """The column names of a long-layout header, checked (trailing empty cells dropped)."""
    header = [str(h or "").strip().lower() for h in cells]
    while header and header[-1] == "":
        header.pop()
    unknown = [h for h in header if h not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise JudgmentError(
            f"unknown column(s) {', '.join(map(repr, unknown))}; expected "
            f"{', '.join(REQUIRED_COLUMNS)} and optionally reason",
            line,
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise JudgmentError(f"missing column(s) {', '.join(missing)}", line)
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise JudgmentError(f"column(s) {', '.join(duplicated)} appear twice", line)
    return header


def _text_lines(text: str) -> str:
    """``text`` without a byte-order mark, every line ending a ``\\n``."""
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab: whichever the first line holds most of."""
    end = text.find("\n")
    head = text[: end if end >= 0 else len(text)]
    return max((",", ";", "\t"), key=head.count) if head else ","


_CHUNK_CHARS = 250_000  # characters a chunk: small enough to stay in the CPU's cache


def fast_long_columns(text: str, delimiter: str, *, decimal_comma: bool) -> Columns | None:
    """Columns of a long-layout file read without the csv module, or None when it cannot be.

    For the common file without quotes, blank lines or ragged rows: the lines are read
    with numpy and each column kept as codes into its distinct cells (:class:`CodedCells`),
    so a million judgments take a few tens of megabytes once read. Anything else returns
    None (use :func:`long_columns`).
    """
    text = _text_lines(text)
    if '"' in text:
        return None
    first, _, rest = text.partition("\n")
    header = _long_header(first.split(delimiter), 1)
    body = rest.encode()
    if body and not body.endswith(b"\n"):
        body += b"\n"
    fields = _coded_fields(body, len(header), delimiter)
    if fields is None:
        return None
    column = dict(zip(header, fields, strict=True))
    if any(not c.strip() for c in column["participant"].cells):
        return None
    return Columns(
        *(column[c] for c in REQUIRED_COLUMNS),
        reason=column.get("reason"),
        line=lambda index: index + 2,
        empty_line=1,
        protected=True,
        decimal_comma=decimal_comma,
    )


def long_columns(
    rows: list[list[object]], line: Callable[[int], int], *, decimal_comma: bool
) -> Columns:
    """Columns of a table with a ``participant, group, outcome_a, outcome_b, value
    [, reason]`` header (any order, any case); ``line`` maps a row index to its line."""
    header = _long_header(rows[0], line(0))
    width = len(header)
    kept = list(range(1, len(rows)))
    if set(map(len, rows[1:])) - {width}:
        body_rows = {}
        for r in kept:
            cells = rows[r]
            if not any(str(c or "").strip() for c in cells):
                continue
            if len(cells) < width or any(str(c or "").strip() for c in cells[width:]):
                raise JudgmentError(
                    f"expected {width} fields as in the header, got {len(cells)}", line(r)
                )
            body_rows[r] = cells[:width]
        kept, body = list(body_rows), list(body_rows.values())
    else:
        body = rows[1:]
    cells = list(zip(*body, strict=True)) if body else [()] * width
    column = {name: list(cells[header.index(name)]) for name in header}
    if any(not str(c or "").strip() for c in dict.fromkeys(column["participant"])):
        filled = [r for r in range(len(body)) if any(str(c or "").strip() for c in body[r])]
        kept = [kept[r] for r in filled]
        column = {name: [cells_[r] for r in filled] for name, cells_ in column.items()}
    return Columns(
        *(column[c] for c in REQUIRED_COLUMNS),
        reason=column.get("reason"),
        line=lambda index: line(kept[index]),
        empty_line=line(len(rows) - 1),
        protected=True,
        decimal_comma=decimal_comma,
    )


def read_judgments_csv(text: str) -> JudgmentTable:
    """Read a judgments CSV.

    The header must hold ``participant, group, outcome_a, outcome_b, value`` and may
    hold ``reason``; columns may come in any order, separated by commas, semicolons or
    tabs (values may then use a decimal comma). Blank lines are ignored, and a text
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
    if not text.strip():
        raise JudgmentError("the file is empty", 1)
    return table_from_columns(long_columns_of_text(text))


def long_columns_of_text(text: str) -> Columns:
    """The columns of a long-layout CSV text (the quick reader when it can, else csv)."""
    delimiter = sniff_delimiter(_text_lines(text))
    decimal_comma = delimiter != ","
    columns = fast_long_columns(text, delimiter, decimal_comma=decimal_comma)
    if columns is None:
        rows, delimiter = split_csv(text)
        line = line_numbers(text, delimiter, len(rows))
        columns = long_columns(rows, line, decimal_comma=decimal_comma)
    return columns


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
    # A complete comparison graph connects everything: only the others need the products.
    partial = np.flatnonzero(~reach.all((-2, -1)))
    part = reach[partial]
    steps = 1
    while steps < n and partial.size:
        part = np.matmul(part.astype(np.float32), part.astype(np.float32)) > 0
        steps *= 2
    reach[partial] = part
    return reach

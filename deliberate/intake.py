"""Judgment files as people export them: encodings, delimiters, spreadsheets, wide layouts.

One reader for ``deliberate analyze``, ``deliberate import-judgments`` and the web import.
It turns the bytes of a file into :class:`~deliberate.engine.judgments.Columns`, which the
engine validates (:func:`~deliberate.engine.judgments.table_from_columns`). Three layouts:

- **long**: a header naming ``participant, group, outcome_a, outcome_b, value[, reason]``,
  one judgment a row;
- **pairs**: a header ``participant, group`` and one column per pair (``A vs B`` or
  ``A_B``), one participant a row, values on Saaty's scale or, with ``signed``, −9…9;
- **matrices**: per participant a line ``participant, group``, a line of outcome names
  after an empty cell, then one row per outcome of the square reciprocal matrix.

Text files may be UTF-8 (with or without a byte-order mark), UTF-16, or another encoding
that ``charset-normalizer`` recognises (Windows-1252, Latin-1, …; a notice names it);
comma, semicolon or tab separated, with any line endings. ``.xlsx`` workbooks are read with
``openpyxl`` (the first sheet, or the one named).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .engine.judgments import (
    Columns,
    JudgmentError,
    JudgmentTable,
    line_numbers,
    long_columns,
    long_columns_of_text,
    parse_value,
    split_csv,
    table_from_columns,
)

__all__ = ["Reading", "decode", "read_judgments"]

_ENCODING_NAMES = {
    "cp1252": "Windows-1252",
    "latin_1": "Latin-1 (ISO-8859-1)",
    "iso8859_15": "Latin-9 (ISO-8859-15)",
    "utf_16": "UTF-16",
    "utf_16_le": "UTF-16",
    "utf_16_be": "UTF-16",
    "mac_roman": "Mac Roman",
}
_XLSX_MAGIC = b"PK\x03\x04"
_WESTERN = "cp1252"
#: Header cells that mark the long layout.
_LONG = {"outcome_a", "outcome_b", "value"}
_VS = re.compile(r"\s+(?:vs\.?|versus)\s+", re.IGNORECASE)


@dataclass
class Reading:
    """What a file held: its judgments column by column, its layout (``long``, ``pairs`` or
    ``matrices``) and notices about how it was read."""

    columns: Columns
    layout: str
    notices: list[str] = field(default_factory=list)

    def table(self) -> JudgmentTable:
        """The validated table (raises :class:`JudgmentError` at the first bad line)."""
        return table_from_columns(self.columns)


def decode(data: bytes) -> tuple[str, str | None]:
    """The text of a file and, when it is not UTF-8, a notice naming the encoding used.

    Raises
    ------
    JudgmentError
        When no encoding fits.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "read as UTF-16 text"
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), None
    head = data[:4096]
    # UTF-16 without a BOM: text in Latin letters has a NUL in nearly every other byte.
    # A stray NUL in UTF-8 text is not that; it is refused later with the other bad text.
    if head.count(0) * 4 > len(head):
        even, odd = head[0::2].count(0), head[1::2].count(0)
        try:
            return data.decode("utf-16-be" if even > odd else "utf-16-le"), "read as UTF-16 text"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        raise JudgmentError("the file is not text in any encoding recognised; save it as UTF-8")
    # Short files often fit several code pages equally well: prefer Windows-1252, which
    # spreadsheets on Western European systems write.
    tied = [m for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)]
    best = next((m for m in tied if _WESTERN in m.could_be_from_charset), best)
    name = _ENCODING_NAMES.get(best.encoding, best.encoding)
    return str(best), f"read as {name} text (not UTF-8); save as UTF-8 to be sure of every letter"


def _cell(value: object) -> object:
    """A spreadsheet cell as the CSV reader would give it (numbers kept for values)."""
    if value is None:
        return ""
    return value if isinstance(value, float | str) else str(value)


def _xlsx_rows(data: bytes, sheet: str | None) -> tuple[list[list[object]], str]:
    """The rows of the first (or the named) sheet of a workbook, and the sheet's name."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise JudgmentError(f"not a readable .xlsx workbook ({error})") from None
    try:
        names = book.sheetnames
        if sheet is not None and sheet not in names:
            raise JudgmentError(f"no sheet named {sheet!r} (sheets: {', '.join(names)})")
        chosen = book[sheet] if sheet is not None else book.worksheets[0]
        rows = [[_cell(v) for v in row] for row in chosen.iter_rows(values_only=True)]
        return rows, chosen.title
    finally:
        book.close()


class _Collected:
    """Judgments gathered from a wide layout, one at a time, with their lines."""

    def __init__(self) -> None:
        self.cells: tuple[list[object], ...] = ([], [], [], [], [])
        self.lines: list[int] = []

    def add(self, line: int, *record: object) -> None:
        """``record``: participant, group, outcome_a, outcome_b, value."""
        for column, cell in zip(self.cells, record, strict=True):
            column.append(cell)
        self.lines.append(line)

    def columns(self, last_line: int, *, decimal_comma: bool, signed: bool = False) -> Columns:
        """The gathered judgments as engine columns."""
        return Columns(
            *self.cells,
            line=self.lines.__getitem__,
            empty_line=last_line,
            protected=True,
            decimal_comma=decimal_comma,
            signed=signed,
        )


def _blank(cells: Sequence[object]) -> bool:
    return not any(str(c).strip() for c in cells)


def _pair(header: str, line: int) -> tuple[str, str]:
    """The two outcomes a wide column header names (``A vs B`` or ``A_B``)."""
    parts = _VS.split(header.strip())
    if len(parts) != 2:
        parts = header.strip().split("_")
    if len(parts) != 2 or not all(p.strip() for p in parts):
        raise JudgmentError(
            f"column {header!r} is not a pair of outcomes: name it 'A vs B' (or 'A_B' "
            "when the names hold no underscore)",
            line,
        )
    return parts[0].strip(), parts[1].strip()


def _pairs_columns(
    rows: list[list[object]], line: Callable[[int], int], *, decimal_comma: bool, signed: bool
) -> Columns:
    """One participant a row, one column a pair."""
    header = [str(h).strip() for h in rows[0]]
    while header and header[-1] == "":
        header.pop()
    lowered = [h.lower() for h in header]
    for name in ("participant", "group"):
        if lowered.count(name) != 1:
            raise JudgmentError(f"the header needs one {name!r} column", line(0))
    who, grp = lowered.index("participant"), lowered.index("group")
    pairs = [(c, *_pair(h, line(0))) for c, h in enumerate(header) if c not in (who, grp)]
    if not pairs:
        raise JudgmentError("no pair columns ('A vs B') after participant and group", line(0))
    found = _Collected()
    width = len(header)
    for r in range(1, len(rows)):
        cells = rows[r]
        if _blank(cells):
            continue
        if len(cells) < width and not _blank(cells[width:]):
            raise JudgmentError(f"expected {width} fields as in the header", line(r))
        cells = list(cells) + [""] * (width - len(cells))
        at = line(r)
        for c, a, b in pairs:
            value = cells[c]
            if isinstance(value, str) and not value.strip():
                continue
            found.add(at, cells[who], cells[grp], a, b, value)
    return found.columns(line(len(rows) - 1), decimal_comma=decimal_comma, signed=signed)


def _matrix_columns(
    rows: list[list[object]], line: Callable[[int], int], *, decimal_comma: bool
) -> Columns:
    """Square reciprocal matrices, one block per participant."""
    filled = [r for r in range(len(rows)) if not _blank(rows[r])]
    found = _Collected()

    def number(raw: object, at: int) -> float:
        try:
            return parse_value(raw, decimal_comma=decimal_comma)
        except ValueError as error:
            raise JudgmentError(str(error), at) from None

    k = 0
    while k < len(filled):
        title = [str(c).strip() for c in rows[filled[k]]]
        named = [c for c in title if c]
        if len(named) != 2 or k + 1 >= len(filled):
            raise JudgmentError(
                "expected a participant's matrix: a line 'participant, group', a line of "
                "outcome names after an empty cell, then one row per outcome",
                line(filled[k]),
            )
        person, group = named
        head = [str(c).strip() for c in rows[filled[k + 1]]]
        while head and head[-1] == "":
            head.pop()
        if head[:1] != [""] or len(head) < 3 or "" in head[1:]:
            raise JudgmentError(
                "expected the outcome names after an empty first cell", line(filled[k + 1])
            )
        names = head[1:]
        n = len(names)
        block = filled[k + 2 : k + 2 + n]
        if len(block) != n:
            raise JudgmentError(f"the matrix of {person!r} needs {n} rows", line(filled[-1]))
        cells = []
        for i, r in enumerate(block):
            row = list(rows[r]) + [""] * (n + 1 - len(rows[r]))
            if str(row[0]).strip() != names[i]:
                raise JudgmentError(f"expected the row of {names[i]!r}", line(r))
            cells.append([c if str(c).strip() else None for c in row[1 : n + 1]])
        for i in range(n):
            if cells[i][i] is not None and number(cells[i][i], line(block[i])) != 1.0:
                raise JudgmentError(f"the diagonal of {names[i]!r} must be 1", line(block[i]))
            for j in range(i + 1, n):
                upper, lower = cells[i][j], cells[j][i]
                if upper is not None and lower is not None:
                    product = number(upper, line(block[i])) * number(lower, line(block[j]))
                    if abs(product - 1.0) > 1e-9:
                        raise JudgmentError(
                            f"{names[j]!r} over {names[i]!r} is {lower}, not the reciprocal of "
                            f"{upper} (line {line(block[i])})",
                            line(block[j]),
                        )
                if upper is not None:
                    found.add(line(block[i]), person, group, names[i], names[j], upper)
                elif lower is not None:
                    found.add(line(block[j]), person, group, names[j], names[i], lower)
        k += 2 + n
    return found.columns(line(len(rows) - 1), decimal_comma=decimal_comma)


def read_judgments(
    data: bytes,
    name: str = "",
    *,
    sheet: str | None = None,
    signed: bool = False,
) -> Reading:
    """Read a judgments file in any of the three layouts (long, pairs, matrices).

    Parameters
    ----------
    data : bytes
        The file.
    name : str
        Its name; ``.xlsx`` (or the workbook signature) selects the spreadsheet reader.
    sheet : str, optional
        The workbook sheet to read (default: the first).
    signed : bool
        Pair columns hold −9…9 (negative: the second outcome matters more) rather than
        Saaty's 1/9…9.

    Raises
    ------
    JudgmentError
        Naming the line of the first problem in the layout (values and names are checked
        by :meth:`Reading.table`).
    """
    notices: list[str] = []
    if name.lower().endswith((".xlsx", ".xlsm")) or data.startswith(_XLSX_MAGIC):
        rows, title = _xlsx_rows(data, sheet)
        notices.append(f"read from sheet {title!r}")

        def line(r: int) -> int:
            return r + 1

        decimal_comma = False
    else:
        if sheet is not None:
            raise JudgmentError("--sheet is for .xlsx workbooks; this file is text")
        text, notice = decode(data)
        if notice:
            notices.append(notice)
        if not text.strip():
            raise JudgmentError("the file is empty", 1)
        first = (text.lstrip("\ufeff")[:65536].splitlines() or [""])[0]  # not every line
        if _LONG & {c.strip().strip('"').lower() for c in re.split("[,;\t]", first)}:
            columns = long_columns_of_text(text)
            columns.signed = signed
            return Reading(columns, "long", notices)
        rows, delimiter = split_csv(text)
        line = line_numbers(text, delimiter, len(rows))
        decimal_comma = delimiter != ","
    if not rows or _blank(rows[0]):
        raise JudgmentError("the file is empty" if not rows else "the first line is empty", 1)
    header = {str(h).strip().lower() for h in rows[0]}
    if header & _LONG:
        columns = long_columns(rows, line, decimal_comma=decimal_comma)
        columns.signed = signed
        layout = "long"
    elif "participant" in header:
        columns = _pairs_columns(rows, line, decimal_comma=decimal_comma, signed=signed)
        layout = "pairs"
    else:
        columns = _matrix_columns(rows, line, decimal_comma=decimal_comma)
        layout = "matrices"
    return Reading(columns, layout, notices)

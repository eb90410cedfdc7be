"""Judgments imported into a round — an API batch, a paper workshop's file — all or nothing.

Every source goes through one reader: files through :func:`deliberate.intake.read_judgments`
(CSV in any common encoding and delimiter, ``.xlsx``, wide layouts), API batches as
:class:`ImportRow` records; both become engine :class:`~deliberate.engine.judgments.Columns`
and pass the engine's rules (``table_from_columns``: values on the scale, no
self-comparison, no pair twice, one group per participant, one spelling per name), then the
consultation's: its outcomes and groups, Saaty's 17 points, reasons of at most
:data:`~deliberate.services.judgments.MAX_REASON_LENGTH` characters.

Everything is checked before anything is written; the writing is one short transaction of
chunked bulk upserts (a progress callback hears after each chunk), so a large import holds
the database's write lock only for the writing itself, and saves every row or none.
Participants are named by a label: an unknown label becomes a new stakeholder of the
consultation, a known one is matched, so importing the same rows twice leaves each judgment
once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    insert,
    literal,
    select,
    text,
    true,
)
from sqlalchemy.exc import IntegrityError

from ..engine.judgments import SCALE_POINTS, Columns, JudgmentError, table_from_columns
from ..extensions import db
from ..models import Membership, Role, Round, User, UTCDateTime, utcnow
from . import audit
from .errors import ServiceError
from .judgments import (
    MAX_REASON_LENGTH,
    CanonicalJudgment,
    JudgmentRejected,
    check_can_judge,
    judgment_upsert,
    save_judgments,
)

MAX_LABEL_LENGTH = 80
MAX_ERRORS = 50
#: Rows per bulk statement while writing.
CHUNK_ROWS = 5000

#: ``progress(done, total)``: rows written so far, of all.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportRow:
    """One judgment as imported: ``outcome_a`` matters ``value`` times more than ``outcome_b``.

    ``line`` is the 1-based row of a batch; ``value`` is a number or text such as ``"3"``,
    ``"0.3333"`` or ``"1/3"``.
    """

    line: int
    participant: str
    group: str
    outcome_a: str
    outcome_b: str
    value: object
    reason: str = ""


@dataclass(frozen=True)
class RowError:
    """What is wrong with one row (``line`` None when it is the whole input)."""

    line: int | None
    field: str | None
    detail: str


class ImportRejected(ServiceError):
    """Nothing was imported; ``errors`` name each bad row, ``status`` is the HTTP status."""

    def __init__(self, errors: Sequence[RowError], status: int = 400, unit: str = "row") -> None:
        self.errors = list(errors)[:MAX_ERRORS]
        self.unit = unit
        super().__init__("; ".join(self.describe(e) for e in self.errors), status)

    def describe(self, error: RowError) -> str:
        """``row 3, value: …`` — the row and field first, in words."""
        where = [f"{self.unit} {error.line}"] if error.line is not None else []
        if error.field:
            where.append(error.field)
        return f"{', '.join(where)}: {error.detail}" if where else error.detail

    def problem_extra(self) -> dict[str, object]:
        """The API's ``errors``: each bad row, its field and what is wrong with it."""
        return {
            "errors": [{"row": e.line, "field": e.field, "detail": e.detail} for e in self.errors]
        }


@dataclass(frozen=True)
class ImportSummary:
    """What an import saved, and notices about how its file was read."""

    judgments: int
    participants: int
    created: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def columns_of(rows: Sequence[ImportRow]) -> Columns:
    """API batch records as engine columns (values as people write them)."""
    return Columns(
        [r.participant for r in rows],
        [r.group for r in rows],
        [r.outcome_a for r in rows],
        [r.outcome_b for r in rows],
        [r.value for r in rows],
        reason=[r.reason for r in rows],
        line=lambda index: rows[index].line,
    )


def _reject(error: JudgmentError, unit: str) -> ImportRejected:
    return ImportRejected([RowError(error.line, None, error.message)], unit=unit)


@dataclass
class _Rows:
    """Validated judgments, one array entry per row, names as compared."""

    labels: list[str]
    groups: list[str]
    a: list[str]
    b: list[str]
    values: np.ndarray
    reasons: list[str]


def _rows(columns: Columns, unit: str) -> _Rows:
    """The engine's rules, then each row's names and exact value."""
    if len(columns) == 0:
        raise ImportRejected([RowError(None, None, "there are no judgments to import")], unit=unit)
    try:
        table_from_columns(columns)
    except JudgmentError as error:
        raise _reject(error, unit) from None

    def names(cells: list[object]) -> list[str]:
        spelled = columns.names(cells)
        return [spelled[c] for c in cells]

    reasons = [("" if r is None else str(r).strip()) for r in columns.reason or [""] * len(columns)]
    return _Rows(
        names(columns.participant),
        names(columns.group),
        names(columns.outcome_a),
        names(columns.outcome_b),
        columns.values()[0],
        reasons,
    )


def _first_lines(
    cells: Sequence[object], bad: AbstractSet[object], columns: Columns
) -> dict[object, int]:
    """The line where each of ``bad`` first occurs in ``cells``."""
    found: dict[object, int] = {}
    for index, cell in enumerate(cells):
        if cell in bad and cell not in found:
            found[cell] = columns.line(index)
            if len(found) == len(bad):
                break
    return found


def _check_consultation(round_: Round, rows: _Rows, columns: Columns) -> list[RowError]:
    """The consultation's rules: its outcomes, groups, stakeholders, scale and reason length."""
    consultation = round_.consultation
    errors: list[RowError] = []
    outcomes = {o.name.strip(): o.id for o in consultation.outcomes}
    for cells, column in ((rows.a, "outcome_a"), (rows.b, "outcome_b")):
        unknown = set(cells) - outcomes.keys()
        for name, line in _first_lines(cells, unknown, columns).items():
            errors.append(
                RowError(line, column, f"{name!r} is not an outcome of this consultation")
            )
    off_scale = ~np.isin(rows.values, SCALE_POINTS)
    if off_scale.any():
        bad = set(rows.values[off_scale].tolist())
        for value, line in _first_lines(rows.values.tolist(), bad, columns).items():
            errors.append(
                RowError(
                    line, "value", f"The judgment {value:g} is not one of the scale's 17 points."
                )
            )
    for index, reason in enumerate(rows.reasons):
        if len(reason) > MAX_REASON_LENGTH:
            errors.append(
                RowError(
                    columns.line(index),
                    "reason",
                    f"The reason is {len(reason)} characters long; at most "
                    f"{MAX_REASON_LENGTH} are kept.",
                )
            )
    return errors


def _participants(
    round_: Round, rows: _Rows, columns: Columns, errors: list[RowError]
) -> dict[str, tuple[Membership | None, int | None]]:
    """Each label's existing membership (None for a new one) and group id."""
    consultation = round_.consultation
    groups = {g.name.strip(): g for g in consultation.groups}
    labelled = {m.label: m for m in consultation.memberships if m.label is not None}
    first = dict(zip(reversed(rows.labels), range(len(rows.labels) - 1, -1, -1), strict=True))
    found: dict[str, tuple[Membership | None, int | None]] = {}
    for label, index in sorted(first.items(), key=lambda item: item[1]):
        line, group_name = columns.line(index), rows.groups[index]
        group, member = groups.get(group_name), labelled.get(label)
        if len(label) > MAX_LABEL_LENGTH:
            errors.append(RowError(line, "participant", f"at most {MAX_LABEL_LENGTH} characters"))
        elif group is None:
            errors.append(
                RowError(
                    line, "group", f"{group_name!r} is not a stakeholder group of this consultation"
                )
            )
        elif member is not None and member.role is not Role.STAKEHOLDER:
            errors.append(RowError(line, "participant", f"{label!r} is not a stakeholder"))
        elif member is not None and member.group_id != group.id:
            current = member.group.name if member.group else ""
            errors.append(
                RowError(
                    line, "group", f"participant {label!r} is in {current!r}, not {group.name!r}"
                )
            )
        else:
            found[label] = (member, group.id)
    return found


def _reciprocals(values: np.ndarray) -> np.ndarray:
    """``1 / values`` for scale points, exactly."""
    points = np.array(SCALE_POINTS)
    return points[::-1][np.searchsorted(points, values)]


#: Where a file's judgments wait, outside the shared tables, until they are all checked and
#: written: a temporary table, private to the database connection (for SQLite it lives in a
#: separate temporary database, so filling it takes no lock on the shared one).
_STAGING = Table(
    "judgment_import_staging",
    MetaData(),
    Column("label", String(MAX_LABEL_LENGTH)),
    Column("outcome_a_id", Integer),
    Column("outcome_b_id", Integer),
    Column("value", Float),
    Column("reason", Text),
    prefixes=["TEMPORARY"],
)
#: Statistics for the planner on the staged rows (a fixed statement, no data in it).
_ANALYZE_STAGING = text("ANALYZE judgment_import_staging")


def _canonical(round_: Round, rows: _Rows) -> tuple[list[int], list[int], list[float]]:
    """Each row's pair as outcome ids in canonical order (a < b) and its value for that order."""
    outcome_id = {o.name.strip(): o.id for o in round_.consultation.outcomes}
    a = np.fromiter(map(outcome_id.__getitem__, rows.a), np.int64, len(rows.a))
    b = np.fromiter(map(outcome_id.__getitem__, rows.b), np.int64, len(rows.b))
    values = np.where(a < b, rows.values, _reciprocals(rows.values))
    return np.minimum(a, b).tolist(), np.maximum(a, b).tolist(), values.tolist()


_STAGED = ("label", "outcome_a_id", "outcome_b_id", "value", "reason")


def _copy_rows(connection: Any, columns: Sequence[Sequence[object]], start: int, end: int) -> None:
    """Rows ``start:end`` of ``columns`` into the staging table with PostgreSQL's COPY."""
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {_STAGING.name} ({', '.join(_STAGED)}) FROM STDIN") as copy:
        for row in zip(*(column[start:end] for column in columns), strict=True):
            copy.write_row(row)
    cursor.close()


def _stage(round_: Round, rows: _Rows, progress: Progress | None) -> None:
    """Fill the staging table with every judgment, canonical pair order, in chunks."""
    columns = (rows.labels, *_canonical(round_, rows), rows.reasons)
    connection = db.session.connection()
    _STAGING.drop(connection, checkfirst=True)
    _STAGING.create(connection)
    copy = connection.dialect.driver == "psycopg"  # PostgreSQL: COPY, several times faster
    records = (
        [] if copy else [dict(zip(_STAGED, row, strict=True)) for row in zip(*columns, strict=True)]
    )
    total = len(rows.labels)
    for start in range(0, total, CHUNK_ROWS):
        if copy:
            _copy_rows(connection, columns, start, start + CHUNK_ROWS)
        else:
            connection.execute(_STAGING.insert(), records[start : start + CHUNK_ROWS])
        if progress is not None:
            progress(min(start + CHUNK_ROWS, total), total)
    if connection.dialect.name == "postgresql":
        # Temporary tables are never analysed automatically: without statistics the planner
        # joins the staged rows to the memberships as if there were a handful of them.
        connection.execute(_ANALYZE_STAGING)


def _swap(round_: Round, people: dict[str, tuple[Membership | None, int | None]]) -> list[str]:
    """Create the new stakeholders and upsert the staged judgments into the round.

    The only part of an import that writes shared tables: a few bulk statements, so the
    write lock is held briefly. The caller commits.
    """
    consultation = round_.consultation
    created = [label for label, (member, _) in people.items() if member is None]
    now = utcnow()
    if created:
        users = User.__table__
        ids = db.session.scalars(
            insert(users).returning(users.c.id, sort_by_parameter_order=True),  # type: ignore[arg-type]
            [{"display_name": label, "created_at": now} for label in created],
        ).all()
        db.session.execute(
            insert(Membership.__table__),  # type: ignore[arg-type]
            [
                {
                    "user_id": user_id,
                    "consultation_id": consultation.id,
                    "role": Role.STAKEHOLDER,
                    "group_id": people[label][1],
                    "label": label,
                    "joined_at": now,
                }
                for user_id, label in zip(ids, created, strict=True)
            ],
        )
    staged, member = _STAGING.c, Membership.__table__.c
    rows_from = (
        select(
            member.id,
            literal(round_.id),
            staged.outcome_a_id,
            staged.outcome_b_id,
            staged.value,
            staged.reason,
            literal(now, UTCDateTime()),
        )
        .select_from(
            _STAGING.join(
                Membership.__table__,
                and_(member.label == staged.label, member.consultation_id == consultation.id),
            )
        )
        .where(true())  # SQLite needs a WHERE before ON CONFLICT after a join
    )
    db.session.execute(judgment_upsert(rows_from))
    _STAGING.drop(db.session.connection())
    db.session.expire(consultation, ["memberships"])
    return created


def import_columns(
    round_: Round,
    columns: Columns,
    *,
    user: User | None,
    unit: str = "row",
    progress: Progress | None = None,
    notices: Sequence[str] = (),
) -> ImportSummary:
    """Save the judgments into ``round_``, all together, or raise and save nothing.

    Raises :class:`ImportRejected`: 409 when the round is closed (or another import changed
    the same participants meanwhile), 400 naming every bad row (up to :data:`MAX_ERRORS`)
    otherwise.
    """
    if not round_.is_open:
        raise ImportRejected(
            [RowError(None, None, f"Round {round_.number} is closed: it takes no more judgments.")],
            409,
            unit,
        )
    rows = _rows(columns, unit)
    errors = _check_consultation(round_, rows, columns)
    people = _participants(round_, rows, columns, errors)
    if errors:
        raise ImportRejected(errors, unit=unit)
    consultation = round_.consultation
    try:
        _stage(round_, rows, progress)
        created = _swap(round_, people)
        audit.record(
            consultation,
            user,
            "judgments.imported",
            f"{len(rows.labels)} judgments of {len(people)} participants "
            f"into round {round_.number}",
        )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ImportRejected(
            [RowError(None, None, "Another import changed these participants; please try again.")],
            409,
            unit,
        ) from None
    return ImportSummary(len(rows.labels), len(people), created, list(notices))


def import_judgments(
    round_: Round,
    rows: Sequence[ImportRow],
    *,
    user: User | None,
    unit: str = "row",
    progress: Progress | None = None,
) -> ImportSummary:
    """Import API batch records (see :func:`import_columns`)."""
    return import_columns(round_, columns_of(rows), user=user, unit=unit, progress=progress)


def _refuse_hidden_text(columns: Columns) -> None:
    """Refuse a file whose names or reasons hold a NUL, a broken or a direction-changing
    character (the rule every form applies: :func:`~deliberate.validation.text_problem`)."""
    from ..validation import text_problem

    fields = ("participant", "group", "outcome_a", "outcome_b", "reason")
    for field_name in fields:
        for index, cell in enumerate(getattr(columns, field_name) or ()):
            problem = text_problem(cell) if isinstance(cell, str) else None
            if problem:
                raise ImportRejected(
                    [RowError(columns.line(index), field_name, problem)], unit="line"
                )


def import_file(
    round_: Round,
    data: bytes | str,
    *,
    user: User | None,
    name: str = "",
    sheet: str | None = None,
    signed: bool = False,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import a judgments file (any layout :func:`~deliberate.intake.read_judgments` reads)."""
    from ..intake import read_judgments

    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        reading = read_judgments(data, name, sheet=sheet, signed=signed)
    except JudgmentError as error:
        raise _reject(error, "line") from None
    _refuse_hidden_text(reading.columns)
    return import_columns(
        round_, reading.columns, user=user, unit="line", progress=progress, notices=reading.notices
    )


def import_csv(round_: Round, text: bytes | str, *, user: User | None) -> ImportSummary:
    """Import a judgments CSV (``deliberate analyze``'s format) into ``round_``, all or nothing."""
    return import_file(round_, text, user=user, name="judgments.csv")


def save_own_judgments(
    membership: Membership, round_: Round, rows: Sequence[ImportRow]
) -> ImportSummary:
    """A stakeholder's own judgments (their ``participant`` and ``group`` are ignored)."""
    try:
        check_can_judge(membership, round_)
    except JudgmentRejected as rejected:
        raise ImportRejected([RowError(None, None, str(rejected))], rejected.status) from None
    group = membership.group.name if membership.group else ""
    label = str(membership.id)
    own = [
        ImportRow(r.line, label, group, r.outcome_a, r.outcome_b, r.value, r.reason) for r in rows
    ]
    columns = columns_of(own)
    checked = _rows(columns, "row")
    errors = _check_consultation(round_, checked, columns)
    if errors:
        raise ImportRejected(errors)
    judgments = [
        CanonicalJudgment(a, b, value, reason)
        for a, b, value, reason in zip(*_canonical(round_, checked), checked.reasons, strict=True)
    ]
    save_judgments(membership, round_, judgments)
    return ImportSummary(len(own), 1)

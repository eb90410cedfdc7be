"""Judgments imported into a round — an API batch or a paper workshop's CSV — all or nothing.

Rows pass the engine's rules first (``JudgmentTable.from_records``: values on the scale,
no self-comparison, no pair twice, one group per participant), then the same validation as
the comparison page (:func:`~deliberate.services.judgments.validate_judgment`). Participants
are named by a label: an unknown label becomes a new stakeholder of the consultation, a
known one is matched, so importing the same rows twice leaves each judgment once.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy.exc import IntegrityError

from ..engine import JudgmentError, JudgmentTable, read_judgments_csv
from ..extensions import db
from ..models import Consultation, Membership, Role, Round, StakeholderGroup, User
from . import audit
from .judgments import (
    CanonicalJudgment,
    JudgmentRejected,
    check_can_judge,
    save_judgments,
    validate_judgment,
)

MAX_LABEL_LENGTH = 80
MAX_ERRORS = 50


@dataclass(frozen=True)
class ImportRow:
    """One judgment as imported: ``outcome_a`` matters ``value`` times more than ``outcome_b``.

    ``line`` is the 1-based row of a batch, or the line of a CSV file (the header is line 1);
    ``value`` is a number or text such as ``"3"`` or ``"1/3"``.
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


class ImportRejected(Exception):
    """Nothing was imported; ``errors`` name each bad row, ``status`` is the HTTP status."""

    def __init__(self, errors: Sequence[RowError], status: int = 400, unit: str = "row") -> None:
        self.errors = list(errors)[:MAX_ERRORS]
        self.status = status
        self.unit = unit
        super().__init__("; ".join(self.describe(e) for e in self.errors))

    def describe(self, error: RowError) -> str:
        """``row 3, value: …`` — the row and field first, in words."""
        where = [f"{self.unit} {error.line}"] if error.line is not None else []
        if error.field:
            where.append(error.field)
        return f"{', '.join(where)}: {error.detail}" if where else error.detail


@dataclass(frozen=True)
class ImportSummary:
    """What an import saved."""

    judgments: int
    participants: int
    created: list[str] = field(default_factory=list)


def read_csv_rows(text: str) -> list[ImportRow]:
    """The rows of a judgments CSV in ``deliberate analyze``'s format, with their line numbers.

    The file must first pass :func:`~deliberate.engine.read_judgments_csv` (header, field
    counts, values, duplicates); its errors are reported with their line.
    """
    try:
        read_judgments_csv(text)
    except JudgmentError as error:
        raise ImportRejected([RowError(error.line, None, error.message)], unit="line") from None
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = [h.strip().lower() for h in next(reader)]
    rows = []
    for cells in reader:
        if any(cell.strip() for cell in cells):
            record = dict(zip(header, cells, strict=True))
            rows.append(
                ImportRow(
                    line=reader.line_num,
                    participant=record["participant"].strip(),
                    group=record["group"].strip(),
                    outcome_a=record["outcome_a"].strip(),
                    outcome_b=record["outcome_b"].strip(),
                    value=record["value"],
                    reason=record.get("reason", ""),
                )
            )
    return rows


def _number(raw: object) -> float:
    """A value the engine has accepted, as a float (``"1/3"`` included)."""
    if isinstance(raw, int | float):
        return float(raw)
    return float(Fraction(str(raw).strip()))


def _check_structure(rows: Sequence[ImportRow], unit: str) -> None:
    """The engine's rules for a judgment table, reported against the row's own number."""
    if not rows:
        raise ImportRejected([RowError(None, None, "there are no judgments to import")], unit=unit)
    try:
        JudgmentTable.from_records(
            (r.participant, r.group, r.outcome_a, r.outcome_b, r.value, r.reason) for r in rows
        )
    except JudgmentError as error:
        line = rows[error.line - 1].line if error.line else None
        raise ImportRejected([RowError(line, None, error.message)], unit=unit) from None


def _validate(
    consultation: Consultation, rows: Sequence[ImportRow], errors: list[RowError]
) -> list[CanonicalJudgment | None]:
    """Each row through :func:`validate_judgment` (None where it fails; ``errors`` says why)."""
    outcomes = {o.name: o.id for o in consultation.outcomes}
    validated: list[CanonicalJudgment | None] = []
    for row in rows:
        ids = []
        for name, column in ((row.outcome_a, "outcome_a"), (row.outcome_b, "outcome_b")):
            if name.strip() in outcomes:
                ids.append(outcomes[name.strip()])
            else:
                errors.append(
                    RowError(row.line, column, f"{name!r} is not an outcome of this consultation")
                )
        judgment = None
        if len(ids) == 2:
            try:
                judgment = validate_judgment(
                    outcomes.values(), *ids, _number(row.value), row.reason, on_scale_only=True
                )
            except JudgmentRejected as rejected:
                errors.append(RowError(row.line, None, str(rejected)))
        validated.append(judgment)
    return validated


def _group_name(member: Membership) -> str:
    return member.group.name if member.group else ""


def _participants(
    consultation: Consultation, rows: Sequence[ImportRow], errors: list[RowError]
) -> dict[str, tuple[Membership | None, StakeholderGroup]]:
    """Each label's existing membership (None for a new one) and group."""
    groups = {g.name: g for g in consultation.groups}
    labelled = {m.label: m for m in consultation.memberships if m.label is not None}
    found: dict[str, tuple[Membership | None, StakeholderGroup]] = {}
    seen: set[str] = set()
    for row in rows:
        label, group = row.participant.strip(), groups.get(row.group.strip())
        if label in seen:
            continue
        seen.add(label)
        member = labelled.get(label)
        if len(label) > MAX_LABEL_LENGTH:
            errors.append(
                RowError(row.line, "participant", f"at most {MAX_LABEL_LENGTH} characters")
            )
        elif group is None:
            errors.append(
                RowError(
                    row.line,
                    "group",
                    f"{row.group.strip()!r} is not a stakeholder group of this consultation",
                )
            )
        elif member is not None and member.role is not Role.STAKEHOLDER:
            errors.append(RowError(row.line, "participant", f"{label!r} is not a stakeholder"))
        elif member is not None and member.group_id != group.id:
            errors.append(
                RowError(
                    row.line,
                    "group",
                    f"participant {label!r} is in {_group_name(member)!r}, not {group.name!r}",
                )
            )
        else:
            found[label] = (member, group)
    return found


def import_judgments(
    round_: Round, rows: Sequence[ImportRow], *, user: User | None, unit: str = "row"
) -> ImportSummary:
    """Save the rows' judgments into ``round_`` in one transaction, or raise and save nothing.

    Raises :class:`ImportRejected`: 409 when the round is closed, 400 naming every bad row
    (up to :data:`MAX_ERRORS`) otherwise.
    """
    if not round_.is_open:
        raise ImportRejected(
            [RowError(None, None, f"Round {round_.number} is closed: it takes no more judgments.")],
            409,
            unit,
        )
    _check_structure(rows, unit)
    consultation = round_.consultation
    errors: list[RowError] = []
    judgments = _validate(consultation, rows, errors)
    people = _participants(consultation, rows, errors)
    if errors:
        raise ImportRejected(errors, unit=unit)
    by_label: dict[str, list[CanonicalJudgment]] = defaultdict(list)
    for row, judgment in zip(rows, judgments, strict=True):
        if judgment is not None:
            by_label[row.participant.strip()].append(judgment)
    created = []
    try:
        for label, batch in by_label.items():
            member, group = people[label]
            if member is None:
                member = Membership(
                    user=User(display_name=label),
                    consultation=consultation,
                    role=Role.STAKEHOLDER,
                    group=group,
                    label=label,
                )
                db.session.add(member)
                db.session.flush()
                created.append(label)
            save_judgments(member, round_, batch, commit=False)
        audit.record(
            consultation,
            user,
            "judgments.imported",
            f"{len(rows)} judgments of {len(by_label)} participants into round {round_.number}",
        )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ImportRejected(
            [RowError(None, None, "Another import changed these participants; please try again.")],
            409,
            unit,
        ) from None
    return ImportSummary(len(rows), len(by_label), created)


def import_csv(round_: Round, text: str, *, user: User | None) -> ImportSummary:
    """Import a judgments CSV (``deliberate analyze``'s format) into ``round_``, all or nothing."""
    return import_judgments(round_, read_csv_rows(text), user=user, unit="line")


def save_own_judgments(
    membership: Membership, round_: Round, rows: Sequence[ImportRow]
) -> ImportSummary:
    """A stakeholder's own judgments (their ``participant`` and ``group`` are ignored)."""
    try:
        check_can_judge(membership, round_)
    except JudgmentRejected as rejected:
        raise ImportRejected([RowError(None, None, str(rejected))], rejected.status) from None
    group = membership.group.name if membership.group else ""
    own = [
        ImportRow(r.line, str(membership.id), group, r.outcome_a, r.outcome_b, r.value, r.reason)
        for r in rows
    ]
    _check_structure(own, "row")
    errors: list[RowError] = []
    judgments = _validate(membership.consultation, own, errors)
    if errors:
        raise ImportRejected(errors)
    save_judgments(membership, round_, [j for j in judgments if j is not None])
    return ImportSummary(len(own), 1)

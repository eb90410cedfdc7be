"""Finding a consultation's parts by the numbers in a URL: rounds, outcomes, groups, people."""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol, TypeVar

from sqlalchemy import Table, bindparam, event, inspect, select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Consultation, Outcome, Round
from .errors import ServiceError


class _Part(Protocol):
    consultation_id: int


P = TypeVar("P", bound=_Part)


def consultation_by_code(code: str) -> Consultation | None:
    """The consultation people join with this registration code, if any."""
    return db.session.scalar(db.select(Consultation).filter_by(registration_code=code))


class OutcomeRow(NamedTuple):
    """What pages and services read of an outcome: its id, name and description."""

    id: int
    name: str
    description: str


_OUTCOMES_TABLE: Table = Outcome.__table__  # type: ignore[assignment]
#: :func:`outcomes_of`'s query, built once: plain rows, in the relationship's display order.
_OUTCOMES = (
    select(_OUTCOMES_TABLE.c.id, _OUTCOMES_TABLE.c.name, _OUTCOMES_TABLE.c.description)
    .where(_OUTCOMES_TABLE.c.consultation_id == bindparam("consultation_id"))
    .order_by(_OUTCOMES_TABLE.c.position, _OUTCOMES_TABLE.c.id)
)
#: ``Session.info`` key of the outcome rows read in the session's current transaction.
_READ = "deliberate_outcomes"


def outcomes_of(consultation: Consultation) -> tuple[OutcomeRow, ...]:
    """The consultation's outcomes in display order, as plain rows.

    When ``consultation.outcomes`` is loaded already, or the session holds unsaved changes,
    the rows come from that relationship, so they show what the session sees. Otherwise
    they are read once per transaction with a plain query, without building an ORM object
    per outcome (every stakeholder's page and save reads them, several times).
    """
    session = db.session()
    state = inspect(consultation)
    if (
        state.key is None
        or "outcomes" in state.dict
        or session.new
        or session.deleted
        or session.dirty
    ):
        return tuple(OutcomeRow(o.id, o.name, o.description) for o in consultation.outcomes)
    read: dict[int, tuple[OutcomeRow, ...]] = session.info.setdefault(_READ, {})
    rows = read.get(consultation.id)
    if rows is None:
        result = session.connection().execute(_OUTCOMES, {"consultation_id": consultation.id})
        rows = read[consultation.id] = tuple(OutcomeRow(*row) for row in result)
    return rows


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_transaction_end")
def _forget_outcomes(session: Session, *_: Any) -> None:
    """Outcome rows are read again after a flush and in the next transaction (or
    savepoint)."""
    session.info.pop(_READ, None)


def round_by_number(consultation: Consultation, number: int) -> Round | None:
    """Round ``number`` of the consultation, or None when it has no such round."""
    return next((r for r in consultation.rounds if r.number == number), None)


def require_round(consultation: Consultation, number: int) -> Round:
    """Round ``number`` of the consultation; a 404 refusal when it has no such round."""
    round_ = round_by_number(consultation, number)
    if round_ is None:
        raise ServiceError(f"This consultation has no round {number}.", 404)
    return round_


def find_part(consultation: Consultation, model: type[P], ident: int | None) -> P | None:
    """The ``model`` row ``ident`` if it belongs to the consultation, else None (another
    consultation's row is as unknown as a missing one)."""
    row = db.session.get(model, ident) if ident else None
    return row if row is not None and row.consultation_id == consultation.id else None


def part_of(consultation: Consultation, model: type[P], ident: int | None, message: str) -> P:
    """The ``model`` row ``ident`` if it belongs to the consultation; a 404 with ``message``
    otherwise."""
    row = find_part(consultation, model, ident)
    if row is None:
        raise ServiceError(message, 404)
    return row

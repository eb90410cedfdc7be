"""Finding a consultation's parts by the numbers in a URL: rounds, outcomes, groups, people."""

from __future__ import annotations

from typing import Protocol, TypeVar

from ..extensions import db
from ..models import Consultation, Round
from .errors import ServiceError


class _Part(Protocol):
    consultation_id: int


P = TypeVar("P", bound=_Part)


def consultation_by_code(code: str) -> Consultation | None:
    """The consultation people join with this registration code, if any."""
    return db.session.scalar(db.select(Consultation).filter_by(registration_code=code))


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

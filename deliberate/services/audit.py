"""The audit log of facilitator actions."""

from __future__ import annotations

from typing import Any

from ..extensions import db
from ..models import AuditEvent, Consultation, User


def record(
    consultation: Consultation | None, user: User | None, action: str, detail: str = ""
) -> None:
    """Add an audit event to the current transaction (the caller commits)."""
    db.session.add(
        AuditEvent(
            consultation_id=consultation.id if consultation else None,
            user_id=user.id if user else None,
            action=action,
            detail=detail,
        )
    )


def page_of(consultation: Consultation, page: int, per_page: int) -> Any:
    """One page of the consultation's audit log, newest first (Flask-SQLAlchemy's pagination)."""
    return db.paginate(
        db.select(AuditEvent)
        .filter_by(consultation_id=consultation.id)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()),
        page=page,
        per_page=per_page,
        error_out=False,
    )

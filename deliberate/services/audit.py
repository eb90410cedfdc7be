"""The audit log of facilitator actions."""

from __future__ import annotations

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

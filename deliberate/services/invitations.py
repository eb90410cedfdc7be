"""Invitation links: unguessable, stored hashed, expiring, bound to one person once used."""

from __future__ import annotations

import secrets
from datetime import timedelta

from ..extensions import db
from ..models import (
    Consultation,
    Invitation,
    Membership,
    Role,
    StakeholderGroup,
    Status,
    User,
    hash_token,
    utcnow,
)
from .errors import ServiceError, transactional
from .links import public_url

TOKEN_BYTES = 24  # 192 bits of randomness
DEFAULT_EXPIRY_DAYS = 30


class InvitationError(ServiceError):
    """An invitation that cannot be used."""

    default_status = 404


def invitation_url(token: str) -> str:
    """The link a person opens to join."""
    return public_url("stakeholder.join", token=token)


def create_invitation(
    consultation: Consultation,
    role: Role,
    group: StakeholderGroup | None = None,
    *,
    name: str = "",
    email: str | None = None,
    expires_days: int = DEFAULT_EXPIRY_DAYS,
) -> tuple[Invitation, str]:
    """Add an invitation to the session and return it with its token (shown once, never stored)."""
    if role is Role.STAKEHOLDER and group is None:
        raise InvitationError("A stakeholder invitation needs a group.", 400)
    if group is not None and group.consultation_id != consultation.id:
        raise InvitationError("That group belongs to another consultation.", 400)
    if not 1 <= expires_days <= 365:
        raise InvitationError("An invitation expires after 1 to 365 days.", 400)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invitation = Invitation(
        consultation=consultation,
        role=role,
        group=group,
        name=name.strip(),
        email=(email or "").strip().lower() or None,
        token_hash=hash_token(token),
        expires_at=utcnow() + timedelta(days=expires_days),
    )
    db.session.add(invitation)
    return invitation, token


def find_invitation(token: str) -> Invitation:
    """The live invitation for ``token``; unknown, revoked and expired ones raise."""
    invitation = db.session.scalar(db.select(Invitation).filter_by(token_hash=hash_token(token)))
    if invitation is None or invitation.revoked_at is not None:
        raise InvitationError(
            "This invitation link is not valid. Ask the facilitator for a new one."
        )
    if invitation.expires_at <= utcnow():
        raise InvitationError(
            "This invitation link has expired. Ask the facilitator to send it again.", 410
        )
    return invitation


def redeem(invitation: Invitation, display_name: str) -> Membership:
    """Join the consultation through ``invitation``, or resume the membership it already made.

    The invitation is claimed with a conditional update, so two requests racing with the
    same link (a double click) make one membership: the later one rolls back its own and
    resumes the first.
    """
    if invitation.membership is not None:
        return invitation.membership
    name = display_name.strip() or invitation.name or "Participant"
    user = User(display_name=name[:80])
    membership = Membership(
        user=user,
        consultation_id=invitation.consultation_id,
        role=invitation.role,
        group_id=invitation.group_id,
    )
    db.session.add_all([user, membership])
    db.session.flush()
    claimed = db.session.execute(
        db.update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.membership_id.is_(None))
        .values(membership_id=membership.id, used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount == 0:  # type: ignore[attr-defined]
        db.session.rollback()
        return db.session.get(Invitation, invitation.id).membership  # type: ignore[return-value,union-attr]
    db.session.expire(invitation, ["membership_id", "membership", "used_at"])
    return membership


@transactional
def join(invitation: Invitation, display_name: str) -> Membership:
    """Redeem the invitation for good (see :func:`redeem`)."""
    return redeem(invitation, display_name)


@transactional
def register(
    consultation: Consultation, group: StakeholderGroup, display_name: str
) -> tuple[Membership, str]:
    """Join a consultation by its registration code; returns the membership and a return token.

    A personal invitation is made and used at once, so the person gets a link of their own
    to come back with, exactly as if they had been invited.
    """
    if consultation.registration_code is None or consultation.status is not Status.OPEN:
        raise InvitationError("This consultation is not open for registration.", 409)
    invitation, token = create_invitation(consultation, Role.STAKEHOLDER, group, name=display_name)
    db.session.flush()  # the invitation's ids, which the membership copies
    return redeem(invitation, display_name), token


def reissue(invitation: Invitation, expires_days: int = DEFAULT_EXPIRY_DAYS) -> str:
    """Replace the invitation's token (the old link stops working) and extend its expiry."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invitation.token_hash = hash_token(token)
    invitation.expires_at = utcnow() + timedelta(days=expires_days)
    invitation.revoked_at = None
    return token


def revoke(invitation: Invitation) -> None:
    """Stop the link from working (removing a member it made is :mod:`.people`'s part)."""
    invitation.revoked_at = utcnow()

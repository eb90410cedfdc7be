"""Who may see what: the one place where membership and role are checked."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import Unauthorized
from werkzeug.wrappers import Response

from .extensions import db, login_manager
from .models import Consultation, Membership, Role, User


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the user in the session, if they still exist."""
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


@login_manager.unauthorized_handler
def unauthorized() -> Response:
    """Send people to sign in; API clients get a 401 problem instead of a redirect."""
    if request.path.startswith("/api/"):
        raise Unauthorized("Send a valid API token as 'Authorization: Bearer <token>'.")
    if request.blueprint == "stakeholder":
        flash(
            "To take part, open the link in your invitation again, or join with the "
            "consultation's code.",
            "info",
        )
        return redirect(url_for("auth.home"))
    flash("Please sign in to see that page.", "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def require_membership(consultation_id: int, *roles: Role) -> Membership:
    """Return the current user's membership of a consultation, if it has one of ``roles``.

    Anonymous users are sent to sign in; a missing consultation is a 404; a signed-in
    user without such a membership (another consultation's facilitator, a board member
    on a stakeholder page) gets 403. The membership comes in one query with its
    consultation, the consultation's rounds and groups, and the stakeholder's group, which
    nearly every page reads (a few rounds times a few groups: a handful of rows).
    """
    if not current_user.is_authenticated:
        abort(unauthorized())
    membership = (
        db.session.scalars(
            db.select(Membership)
            .filter_by(user_id=current_user.id, consultation_id=consultation_id)
            .options(
                joinedload(Membership.consultation).joinedload(Consultation.rounds),
                joinedload(Membership.consultation).joinedload(Consultation.groups),
                joinedload(Membership.group),
            )
        )
        .unique()
        .one_or_none()
    )
    if membership is None and db.session.get(Consultation, consultation_id) is None:
        abort(404)
    if membership is None or membership.role not in roles:
        abort(403)
    return membership


def memberships_of(user: User, role: Role) -> list[Membership]:
    """The user's memberships in a given role, newest consultation first."""
    return list(
        db.session.scalars(
            db.select(Membership)
            .filter_by(user_id=user.id, role=role)
            .order_by(Membership.consultation_id.desc())
        )
    )

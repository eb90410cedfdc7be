"""Who may see what: the one place where membership and role are checked."""

from __future__ import annotations

import functools
from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import Select, bindparam
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import Unauthorized
from werkzeug.wrappers import Response

from .extensions import db, login_manager
from .models import Consultation, Membership, Role, User


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the session's user, if they exist and the session is current.

    Sessions and remember cookies carry ``id:session_version`` (:meth:`User.get_id`); when
    the user signs out, changes their password or is removed, the version moves on and
    every earlier session and cookie stops working.
    """
    ident, _, version = user_id.partition(":")
    if not ident.isdigit() or not version.isdigit():
        return None
    user = db.session.scalars(_user_query(), {"id": int(ident)}).one_or_none()
    return user if user is not None and user.session_version == int(version) else None


@functools.cache
def _user_query() -> Select[Any]:
    """:func:`load_user`'s query, built once: every request reuses it and its cache key."""
    return db.select(User).where(User.id == bindparam("id"))


def act_as(user: User | None) -> None:
    """Make ``user`` (None: an anonymous visitor) this request's ``current_user`` without
    touching the session, as Flask-Login documents: it reads the user from ``g._login_user``."""
    g._login_user = user if user is not None else login_manager.anonymous_user()


def end_sessions(user: User) -> None:
    """End every session and remember cookie of ``user`` (the caller commits)."""
    user.session_version = (user.session_version or 0) + 1


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
    consultation, the consultation's rounds, groups and outcomes, and the stakeholder's
    group, which nearly every page reads (a few rounds times a few groups times the
    outcomes: tens of rows, cheaper to read than a second query).
    """
    if not current_user.is_authenticated:
        abort(unauthorized())
    membership = (
        db.session.execute(
            _membership_query(), {"user_id": current_user.id, "consultation_id": consultation_id}
        )
        .unique()
        .scalar_one_or_none()
    )
    if membership is None and db.session.get(Consultation, consultation_id) is None:
        abort(404)
    if membership is None or membership.role not in roles:
        abort(403)
    return membership


@functools.cache
def _membership_query() -> Select[Any]:
    """:func:`require_membership`'s query, built once: every request reuses the statement
    and its cache key. The stakeholder's own group is one of the consultation's groups, so
    reading ``membership.group`` needs no query."""
    return (
        db.select(Membership)
        .where(
            Membership.user_id == bindparam("user_id"),
            Membership.consultation_id == bindparam("consultation_id"),
            Membership.removed_at.is_(None),
        )
        .options(
            joinedload(Membership.consultation).joinedload(Consultation.rounds),
            joinedload(Membership.consultation).joinedload(Consultation.groups),
            joinedload(Membership.consultation).joinedload(Consultation.outcomes),
        )
    )


def memberships_of(user: User, role: Role) -> list[Membership]:
    """The user's memberships in a given role, newest consultation first."""
    return list(
        db.session.scalars(
            db.select(Membership)
            .filter_by(user_id=user.id, role=role, removed_at=None)
            .order_by(Membership.consultation_id.desc())
        )
    )


#: Main-menu entries, in order: facilitating, board summaries, API tokens, own consultations.
MENU = ("facilitate", "board", "tokens", "stakeholder")


def menu_for(user: User) -> tuple[str, ...]:
    """The main-menu entries a signed-in person can use.

    Invited stakeholders (no password) see their own consultations only. A board member
    who facilitates nothing sees the board summaries, and their own consultations if they
    also take part in one; everyone else with a password sees every entry.
    """
    if not user.password_hash:
        return ("stakeholder",)
    roles = set(db.session.scalars(db.select(Membership.role).filter_by(user_id=user.id)))
    if Role.BOARD in roles and Role.FACILITATOR not in roles:
        return ("board", "stakeholder") if Role.STAKEHOLDER in roles else ("board",)
    return MENU

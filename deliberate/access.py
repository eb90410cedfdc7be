"""Who may see what: the one place where membership and role are checked."""

from __future__ import annotations

import functools
from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, and_, bindparam
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import Unauthorized
from werkzeug.wrappers import Response

from .extensions import db, login_manager
from .models import Consultation, Membership, Role, User

#: The URL arguments that name the consultation a page belongs to.
CONSULTATION_ARGUMENTS = ("consultation_id", "cid")


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the session's user, if they exist and the session is current.

    Sessions and remember cookies carry ``id:session_version`` (:meth:`User.get_id`); when
    the user signs out, changes their password or is removed, the version moves on and
    every earlier session and cookie stops working.

    On a consultation's pages the same query reads the user's membership of it, which
    :func:`require_membership` then takes instead of asking again.
    """
    ident, _, version = user_id.partition(":")
    if not ident.isdigit() or not version.isdigit():
        return None
    arguments = request.view_args or {}
    consultation_id = next((arguments[a] for a in CONSULTATION_ARGUMENTS if a in arguments), None)
    if isinstance(consultation_id, int):
        row = (
            db.session.execute(
                _user_and_membership_query(), {"id": int(ident), "consultation_id": consultation_id}
            )
            .unique()
            .one_or_none()
        )
        user, membership = row if row is not None else (None, None)
        g._membership = (int(ident), consultation_id, membership)
    else:
        user = db.session.scalars(_user_query(), {"id": int(ident)}).one_or_none()
    return user if user is not None and user.session_version == int(version) else None


@functools.cache
def _user_query() -> Select[Any]:
    """:func:`load_user`'s query, built once: every request reuses it and its cache key."""
    return db.select(User).where(User.id == bindparam("id"))


@functools.cache
def _user_and_membership_query() -> Select[Any]:
    """:func:`load_user`'s query on a consultation's pages: the user and their membership of
    it (None when they have none), loaded as :func:`_membership_query` loads it."""
    return (
        db.select(User, Membership)
        .outerjoin(Membership, _membership_of(User.id == Membership.user_id))
        .where(User.id == bindparam("id"))
        .options(*_MEMBERSHIP_LOADS)
    )


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
    on a stakeholder page) gets 403. The membership comes with what nearly every page
    reads (``_MEMBERSHIP_LOADS``), usually already read with the user (:func:`load_user`).
    """
    if not current_user.is_authenticated:
        abort(unauthorized())
    loaded = g.pop("_membership", None)
    if loaded is not None and loaded[:2] == (current_user.id, consultation_id):
        membership = loaded[2]
    else:
        membership = (
            db.session.execute(
                _membership_query(),
                {"user_id": current_user.id, "consultation_id": consultation_id},
            )
            .unique()
            .scalar_one_or_none()
        )
    if membership is None and db.session.get(Consultation, consultation_id) is None:
        abort(404)
    if membership is None or membership.role not in roles:
        abort(403)
    return membership


def _membership_of(user: ColumnElement[bool]) -> ColumnElement[bool]:
    """A current membership of the consultation ``:consultation_id``, of the user ``user``
    names."""
    return and_(
        user,
        Membership.consultation_id == bindparam("consultation_id"),
        Membership.removed_at.is_(None),
    )


#: How a membership is loaded for a consultation's pages: with its consultation and the
#: consultation's rounds and groups, which nearly every page reads (a few rounds times a few
#: groups: a handful of rows).
#: The stakeholder's own group is one of the consultation's groups, so reading
#: ``membership.group`` needs no query.
_MEMBERSHIP_LOADS = (
    joinedload(Membership.consultation).joinedload(Consultation.rounds),
    joinedload(Membership.consultation).joinedload(Consultation.groups),
)


@functools.cache
def _membership_query() -> Select[Any]:
    """:func:`require_membership`'s query, built once: every request reuses the statement
    and its cache key."""
    return (
        db.select(Membership)
        .where(_membership_of(Membership.user_id == bindparam("user_id")))
        .options(*_MEMBERSHIP_LOADS)
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

"""Signing in and out, and the home page that sends each person where they work."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from ..access import memberships_of
from ..extensions import limiter
from ..models import Role
from ..services import accounts
from . import bp
from .forms import LoginForm, PasswordChangeForm


@bp.get("/")
def home() -> str | Response:
    """Landing page; signed-in people go straight to their own workspace."""
    if current_user.is_authenticated:
        for role, endpoint in (
            (Role.FACILITATOR, "facilitator.index"),
            (Role.BOARD, "board.index"),
            (Role.STAKEHOLDER, "stakeholder.index"),
        ):
            if memberships_of(current_user, role):
                return redirect(url_for(endpoint))
        appraising = memberships_of(current_user, Role.ASSESSOR)
        if appraising:
            newest = appraising[0].consultation_id
            return redirect(url_for("assessor.index", consultation_id=newest))
        if current_user.password_hash:
            return redirect(url_for("facilitator.index"))
    return render_template("home.html")


def _safe_next(target: str | None) -> str | None:
    """Only follow ``next`` to a path on this site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def login_attempt_key() -> str:
    """Sign-in attempts count per address and e-mail, so one person cannot lock out another."""
    email = request.form.get("email", "").strip().lower()[:254]
    return f"login:{get_remote_address()}:{email}"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_ADDRESS_RATE_LIMIT"],
    key_func=lambda: f"login-address:{get_remote_address()}",
    methods=["POST"],
    deduct_when=lambda response: response.status_code != 302,
    error_message="Too many sign-in attempts from this address. Wait a minute, then try again.",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"],
    key_func=login_attempt_key,
    methods=["POST"],
    error_message="Too many sign-in attempts for this e-mail address. "
    "Wait a minute, then try again.",
)
def login() -> str | Response:
    """Sign in with e-mail and password."""
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.check_login(form.email.data or "", form.password.data or "")
        if user is not None:
            next_url = _safe_next(request.args.get("next"))
            session.clear()  # a fresh session on every sign-in: no fixation
            login_user(user, remember=form.remember.data)
            return redirect(next_url or url_for("auth.home"))
        flash("That e-mail and password do not match an account. Please try again.", "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Sign out: end this session and every other one, remember cookies included."""
    accounts.sign_out_everywhere(current_user)
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.home"))


@bp.route("/settings/password", methods=["GET", "POST"])
@login_required
def password() -> str | Response | tuple[str, int]:
    """Change one's password; every other session and remember cookie ends."""
    if not current_user.password_hash:
        abort(404, description="You sign in with your invitation link, not a password.")
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current.data or "", form.new.data or "")
        except accounts.AccountError as error:
            form.current.errors = [*form.current.errors, str(error)]
        else:
            user = current_user._get_current_object()
            session.clear()
            login_user(user)
            flash("Your password is changed; you are signed out everywhere else.", "success")
            return redirect(url_for("auth.home"))
    page = render_template("auth/password.html", form=form)
    return (page, 400) if form.errors else page

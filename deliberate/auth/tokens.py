"""Settings: the personal API tokens a person creates and revokes."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.exceptions import Forbidden, NotFound
from werkzeug.wrappers import Response
from wtforms import RadioField, SelectChoice, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from ..models import Scope
from ..services.tokens import create_token, may_create_tokens, revoke_token, tokens_of
from . import bp


class TokenForm(FlaskForm):
    """A new token: a name to recognise it by and what it may do."""

    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    scope = RadioField(
        "Access",
        choices=[
            SelectChoice(Scope.READ.value, "Read: consultations, results and judgments"),
            SelectChoice(Scope.WRITE.value, "Read and write: also submit judgments"),
        ],
        default=Scope.READ.value,
        validators=[DataRequired()],
    )
    submit = SubmitField("Create token")


class RevokeForm(FlaskForm):
    """Revoking a token needs only the CSRF token."""


@bp.route("/settings/tokens", methods=["GET", "POST"])
@login_required
def tokens() -> str | tuple[str, int]:
    """List the person's tokens and create a new one (its secret is shown once)."""
    if not may_create_tokens(current_user):
        raise Forbidden(
            "API tokens are for facilitators and board members. Your invitation link is all "
            "you need to take part."
        )
    form = TokenForm()
    secret = None
    if form.validate_on_submit():
        token, secret = create_token(current_user, form.name.data or "", Scope(form.scope.data))
        flash(f"Token {token.name!r} created. Copy it now: it will not be shown again.", "info")
        form = TokenForm(formdata=None)
    status = 400 if form.errors else 200
    page = render_template(
        "auth/tokens.html",
        form=form,
        revoke_form=RevokeForm(),
        tokens=tokens_of(current_user),
        secret=secret,
    )
    return page, status


@bp.post("/settings/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int) -> Response:
    """Revoke one of the person's own tokens; it stops working at once."""
    if not RevokeForm().validate_on_submit():
        flash("The form had expired. Please try again.", "error")
        return redirect(url_for("auth.tokens"))
    token = revoke_token(current_user, token_id)
    if token is None:
        raise NotFound("You have no such token.")
    flash(f"Token {token.name!r} is revoked.", "info")
    return redirect(url_for("auth.tokens"))

"""Setting up and running consultations: outcomes, groups, people, rounds, participation."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from ..access import memberships_of
from ..models import Role
from . import bp


@bp.get("/")
@login_required
def index() -> str:
    """The consultations this person facilitates."""
    memberships = memberships_of(current_user, Role.FACILITATOR)
    return render_template("facilitator/index.html", memberships=memberships)

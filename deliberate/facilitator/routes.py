"""The facilitator's workspace: consultations they run."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from ..access import memberships_of
from ..models import Role

bp = Blueprint("facilitator", __name__, url_prefix="/facilitate")


@bp.get("/")
@login_required
def index() -> str:
    """The consultations this person facilitates."""
    memberships = memberships_of(current_user, Role.FACILITATOR)
    return render_template("facilitator/index.html", memberships=memberships)

"""Stakeholders' pages: joining by invitation and comparing outcomes."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from ..access import memberships_of
from ..models import Role

bp = Blueprint("stakeholder", __name__)


@bp.get("/my")
@login_required
def index() -> str:
    """The consultations this person takes part in as a stakeholder."""
    memberships = memberships_of(current_user, Role.STAKEHOLDER)
    return render_template("stakeholder/index.html", memberships=memberships)

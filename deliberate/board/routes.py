"""Board members' pages: consensus summaries of closed rounds."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from ..access import memberships_of
from ..models import Role

bp = Blueprint("board", __name__, url_prefix="/board")


@bp.get("/")
@login_required
def index() -> str:
    """The consultations this board member follows."""
    memberships = memberships_of(current_user, Role.BOARD)
    return render_template("board/index.html", memberships=memberships)

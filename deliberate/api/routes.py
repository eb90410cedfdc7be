"""JSON API under /api/v1."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text
from werkzeug.wrappers import Response

from ..extensions import csrf, db

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


@bp.get("/health")
def health() -> Response:
    """Readiness check for load balancers: answers 200 only when the database does."""
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")

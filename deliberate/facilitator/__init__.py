"""The facilitator's workspace: set-up, people and rounds; the disagreement map and exports."""

from flask import Blueprint

bp = Blueprint("facilitator", __name__, url_prefix="/facilitate")

from . import imports, insight, options, people, setup  # noqa: E402, F401  (routes register themselves on bp)

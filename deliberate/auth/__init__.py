"""Signing in and out, one's password and API tokens, and the home page."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import routes, tokens  # noqa: E402, F401  (routes register themselves on bp)

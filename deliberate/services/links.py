"""Links people open from an e-mail or a copied message: ``BASE_URL`` and the route's path."""

from __future__ import annotations

from flask import current_app


def public_url(endpoint: str, **values: object) -> str:
    """The absolute link to ``endpoint``: the route's path (from the URL map, so it follows the
    route's rule) after ``BASE_URL``, never the request's ``Host``; works outside requests."""
    path = current_app.url_map.bind("base-url.invalid").build(endpoint, values)
    return current_app.config["BASE_URL"].rstrip("/") + path

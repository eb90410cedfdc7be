"""Error pages in the layout for people, RFC 9457 problem details for the API."""

from __future__ import annotations

import json

from flask import Flask, Response, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    RequestEntityTooLarge,
    ServiceUnavailable,
)
from werkzeug.http import HTTP_STATUS_CODES

from .access import act_as
from .extensions import db
from .services.errors import ServiceError


def wants_problem_json() -> bool:
    """True for API requests, which get ``application/problem+json`` errors."""
    return request.path.startswith("/api/")


def problem(status: int, title: str, detail: str, **extra: object) -> Response:
    """An RFC 9457 problem details response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return Response(json.dumps(body), status=status, mimetype="application/problem+json")


def render_error(error: HTTPException) -> Response:
    """Render ``error`` as a page or as problem details, with its own status and headers
    (``Allow`` on a 405, ``Retry-After`` on a 429 or 503)."""
    status = error.code or 500
    title = error.name
    detail = error.description or ""
    if wants_problem_json():
        response = problem(status, title, detail)
    else:
        page = render_template("error.html", status=status, title=title, detail=detail)
        response = make_response(page, status)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def render_refusal(error: ServiceError) -> Response:
    """A service's refusal: problem details (with its ``problem_extra``) in the API, the
    message on an error page with the same status for people."""
    title = HTTP_STATUS_CODES.get(error.status, "Bad Request")
    if wants_problem_json():
        return problem(error.status, title, str(error), **error.problem_extra())
    page = render_template("error.html", status=error.status, title=title, detail=str(error))
    return make_response(page, error.status)


def register_errorhandlers(app: Flask) -> None:
    """Every HTTP error, a service's refusal, a missing CSRF token and a lost database get a
    clear answer."""

    @app.errorhandler(ServiceError)
    def _refused(error: ServiceError) -> Response:
        db.session.rollback()  # nothing of a refused request is kept
        return render_refusal(error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> tuple[str, int] | Response:
        return render_error(error)

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(error: RequestEntityTooLarge) -> tuple[str, int] | Response:
        limit = request.max_content_length or app.config["MAX_CONTENT_LENGTH"]
        error.description = (
            f"What was sent is larger than the {limit / 2**20:g} MiB this page accepts. "
            "Nothing was saved: send less at once (a large file can be split)."
        )
        return render_error(error)

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> tuple[str, int] | Response:
        error.description = (
            "The form was missing its security token or it had expired. "
            "Go back, reload the page and try again."
        )
        return render_error(error)

    @app.errorhandler(OperationalError)
    def _database_down(error: OperationalError) -> Response:
        db.session.rollback()
        app.logger.error("database unavailable: %s", error)
        # Draw the page for an anonymous visitor: looking up the signed-in user would need
        # the database that just failed (the same Flask-Login call the API uses for tokens).
        act_as(None)
        response = make_response(
            render_error(
                ServiceUnavailable(
                    "The database is not answering just now. Nothing you saved is lost; "
                    "please try again in a minute."
                )
            )
        )
        response.headers["Retry-After"] = "30"
        return response

    @app.errorhandler(InternalServerError)
    def _server_error(error: InternalServerError) -> tuple[str, int] | Response:
        return render_error(error)

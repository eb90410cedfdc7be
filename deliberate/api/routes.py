"""JSON API under /api/v1: consultations, results and judgments, for personal API tokens.

Every endpoint but ``/health`` and ``/openapi.json`` needs ``Authorization: Bearer <token>``;
session cookies are not accepted, so no request can be forged from another site. Errors are
RFC 9457 problem details.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, jsonify, request
from flask_limiter.util import get_remote_address
from flask_login import current_user
from werkzeug.exceptions import BadRequest, Forbidden, NotFound
from werkzeug.wrappers import Response

from ..access import act_as, memberships_of, require_membership
from ..database import ping
from ..engine import to_json
from ..errors import problem
from ..extensions import csrf, limiter
from ..models import (
    Consultation,
    Membership,
    Option,
    Outcome,
    Role,
    Round,
    Scope,
    StakeholderGroup,
    hash_token,
)
from ..services.disclosure import published_report
from ..services.imports import (
    ImportRejected,
    ImportRow,
    RowError,
    import_judgments,
    save_own_judgments,
)
from ..services.lookup import require_round
from ..services.results import judgment_records, judgments_csv
from ..services.tokens import authenticate
from .spec import MAX_ID, openapi_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

PUBLIC_ENDPOINTS = {"api.health", "api.openapi"}
#: The query parameters each endpoint takes; any other is refused, so typos do not pass silently.
QUERY_PARAMETERS = {
    "api.results": {"exclude_inconsistent"},
    "api.judgments": {"format"},
    "api.appraisal": {"format"},
}
#: Who reads a consultation and its published results: assessors read only their own
#: appraisal, on its pages, as on the web.
READERS = (Role.FACILITATOR, Role.STAKEHOLDER, Role.BOARD)


def _bearer() -> str:
    """The token in ``Authorization: Bearer …``, or an empty string."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else ""


def rate_limit_key() -> str:
    """Rate limits count per token, or per address for requests without one."""
    secret = _bearer()
    return f"token:{hash_token(secret)}" if secret else f"address:{get_remote_address()}"


limiter.limit(
    lambda: current_app.config["API_RATE_LIMIT"],
    key_func=rate_limit_key,
    exempt_when=lambda: request.endpoint == "api.health",  # load balancers poll it
)(bp)


@bp.before_request
def authenticate_token() -> Response | None:
    """Sign the request in as the token's owner; answer 401 without a live token."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    token = authenticate(_bearer()) if _bearer() else None
    if token is None:
        response = problem(
            401,
            "Unauthorized",
            "Send a valid API token as 'Authorization: Bearer <token>'. "
            "Create one under Settings, API tokens.",
        )
        response.headers["WWW-Authenticate"] = 'Bearer realm="Deliberate API"'
        return response
    g.api_token = token
    act_as(token.user)  # the token, not the session cookie, says who is calling
    if any(value > MAX_ID for value in (request.view_args or {}).values()):
        raise NotFound("There is no consultation or round with that number.")
    unknown = sorted(set(request.args) - QUERY_PARAMETERS.get(request.endpoint or "", set()))
    if unknown:
        raise BadRequest(f"Unknown query parameter {unknown[0]!r}.")
    return None


def _require_write() -> None:
    if g.api_token.scope is not Scope.WRITE:
        raise Forbidden("This token may only read. Create a read-write token to submit judgments.")


def _json(document: Any, status: int = 200) -> Response:
    response = jsonify(document)
    response.status_code = status
    return response


# --------------------------------------------------------------------------- documents


def _consultation(consultation: Consultation, role: Role) -> dict[str, Any]:
    return {
        "id": consultation.id,
        "title": consultation.title,
        "question": consultation.question,
        "status": consultation.status.value,
        "role": role.value,
        "current_round": consultation.current_round.number if consultation.current_round else None,
    }


def _part(part: Outcome | StakeholderGroup | Option) -> dict[str, Any]:
    """An outcome, a group or an option: its id and its fields."""
    return {"id": part.id, **part.fields()}


def _round(round_: Round) -> dict[str, Any]:
    return {
        "number": round_.number,
        "open": round_.is_open,
        "opened_at": round_.opened_at.isoformat(),
        "closed_at": round_.closed_at.isoformat() if round_.closed_at else None,
    }


# --------------------------------------------------------------------------- public


@bp.get("/health")
def health() -> Response:
    """Readiness check for load balancers: answers 200 only when the database does."""
    ping()
    return jsonify(status="ok")


@bp.get("/openapi.json")
def openapi() -> Response:
    """This API described as an OpenAPI 3.1 document."""
    return jsonify(openapi_document())


# --------------------------------------------------------------------------- reading


@bp.get("/consultations")
def consultations() -> Response:
    """The consultations the caller takes part in, with their role in each."""
    memberships = [m for role in READERS for m in memberships_of(current_user, role)]
    memberships.sort(key=lambda m: m.consultation_id)
    return _json({"consultations": [_consultation(m.consultation, m.role) for m in memberships]})


@bp.get("/consultations/<int:consultation_id>")
def consultation(consultation_id: int) -> Response:
    """One consultation: its question and settings, outcomes, groups and rounds."""
    membership = require_membership(consultation_id, *READERS)
    found = membership.consultation
    return _json(
        {
            **_consultation(found, membership.role),
            "description": found.description,
            "anonymity_k": found.anonymity_k,
            "weighting": found.weighting.value,
            "design": found.design.value,
            "consistency_threshold": found.consistency_threshold,
            "created_at": found.created_at.isoformat(),
            "outcomes": [_part(o) for o in found.outcomes],
            "groups": [_part(g) for g in found.groups],
            "rounds": [_round(r) for r in found.rounds],
        }
    )


@bp.get("/consultations/<int:consultation_id>/outcomes")
def outcomes(consultation_id: int) -> Response:
    """The outcomes stakeholders weigh, in display order."""
    membership = require_membership(consultation_id, *READERS)
    return _json({"outcomes": [_part(o) for o in membership.consultation.outcomes]})


@bp.get("/consultations/<int:consultation_id>/groups")
def groups(consultation_id: int) -> Response:
    """The declared stakeholder groups."""
    membership = require_membership(consultation_id, *READERS)
    return _json({"groups": [_part(g) for g in membership.consultation.groups]})


@bp.get("/consultations/<int:consultation_id>/rounds")
def rounds(consultation_id: int) -> Response:
    """The consultation's rounds, first to latest."""
    membership = require_membership(consultation_id, *READERS)
    return _json({"rounds": [_round(r) for r in membership.consultation.rounds]})


@bp.get("/consultations/<int:consultation_id>/rounds/<int:number>")
def round_detail(consultation_id: int, number: int) -> Response:
    """One round."""
    consultation = require_membership(consultation_id, *READERS).consultation
    return _json(_round(require_round(consultation, number)))


@bp.get("/consultations/<int:consultation_id>/rounds/<int:number>/results")
def results(consultation_id: int, number: int) -> Response:
    """The round's analysis: what ``deliberate analyze --format json`` prints for its judgments.

    Facilitators get the whole report; board members and stakeholders get the public view
    of a closed round (see :mod:`deliberate.services.disclosure`): 403 while it is open, 409
    for ``exclude_inconsistent`` where it would single out fewer than k people.
    """
    membership = require_membership(consultation_id, *READERS)
    round_ = require_round(membership.consultation, number)
    flag = request.args.get("exclude_inconsistent", "false").lower()
    if flag not in {"true", "false"}:
        raise BadRequest("exclude_inconsistent must be true or false.")
    report = published_report(round_, membership.role, exclude_inconsistent=flag == "true")
    if report is None:
        raise NotFound(f"Nobody has answered in round {number} yet, so there are no results.")
    return Response(to_json(report) + "\n", mimetype="application/json")


@bp.get("/consultations/<int:consultation_id>/rounds/<int:number>/judgments")
def judgments(consultation_id: int, number: int) -> Response:
    """Every judgment of the round (facilitators), as JSON or as ``deliberate analyze``'s CSV."""
    consultation = require_membership(consultation_id, Role.FACILITATOR).consultation
    round_ = require_round(consultation, number)
    fmt = request.args.get("format", "json")
    if fmt not in {"json", "csv"}:
        raise BadRequest("format must be json or csv.")
    if fmt == "csv":
        response = Response(judgments_csv(round_), mimetype="text/csv")
        response.headers["Content-Disposition"] = (
            f'attachment; filename="consultation-{consultation_id}-round-{number}.csv"'
        )
        return response
    return _json({"round": number, "judgments": judgment_records(round_)})


# --------------------------------------------------------------------------- writing


def _rows(body: Any, *, batch: bool) -> list[ImportRow]:
    """The ``judgments`` of a request body as import rows; 400 naming the row and field."""
    items = body.get("judgments") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise ImportRejected(
            [RowError(None, "judgments", "the body must be a JSON object with a 'judgments' list")]
        )
    names = ("participant", "group") if batch else ()
    rows, errors = [], []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            errors.append(RowError(number, None, "each judgment must be a JSON object"))
            continue
        bad = False
        for name in (*names, "outcome_a", "outcome_b"):
            if not isinstance(item.get(name), str):
                errors.append(RowError(number, name, "a text value is required"))
                bad = True
        value, reason = item.get("value"), item.get("reason", "")
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            errors.append(RowError(number, "value", "a number (or text such as '1/3') is required"))
            bad = True
        if not isinstance(reason, str | None):
            errors.append(RowError(number, "reason", "must be text"))
            bad = True
        if not bad:
            rows.append(
                ImportRow(
                    number,
                    item.get("participant", ""),
                    item.get("group", ""),
                    item["outcome_a"],
                    item["outcome_b"],
                    value,
                    reason or "",
                )
            )
    if errors:
        raise ImportRejected(errors)
    return rows


@bp.post("/consultations/<int:consultation_id>/rounds/<int:number>/judgments")
def submit_judgments(consultation_id: int, number: int) -> Response:
    """Submit judgments: a facilitator's batch (participants by label) or a stakeholder's own.

    All or nothing: one bad row and nothing is saved, and the error names the row.
    """
    membership: Membership = require_membership(consultation_id, Role.FACILITATOR, Role.STAKEHOLDER)
    _require_write()
    round_ = require_round(membership.consultation, number)
    body = request.get_json(force=True, silent=True)
    if membership.role is Role.FACILITATOR:
        summary = import_judgments(round_, _rows(body, batch=True), user=current_user)
    else:
        summary = save_own_judgments(membership, round_, _rows(body, batch=False))
    return _json(
        {
            "round": number,
            "saved": summary.judgments,
            "participants": summary.participants,
            "created_participants": summary.created,
        }
    )

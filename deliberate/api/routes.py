"""JSON API under /api/v1: consultations, results and judgments, for personal API tokens.

Every endpoint but ``/health`` and ``/openapi.json`` needs ``Authorization: Bearer <token>``;
session cookies are not accepted, so no request can be forged from another site. Errors are
RFC 9457 problem details.
"""

from __future__ import annotations

from typing import Any, cast

from flask import Blueprint, current_app, g, jsonify, request
from flask_limiter.util import get_remote_address
from flask_login import current_user
from pydantic import ValidationError
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
from .openapi import Query, openapi_document, query_parameters, route
from .schemas import (
    MAX_ID,
    FacilitatorBatch,
    Health,
    JudgmentBatch,
    Judgments,
    OpenApiDocument,
    OwnBatch,
    RoundResults,
    Saved,
    StoredJudgment,
)
from .schemas import Consultation as ConsultationBody
from .schemas import Consultations as ConsultationsBody
from .schemas import ConsultationSummary as SummaryBody
from .schemas import Group as GroupBody
from .schemas import Groups as GroupsBody
from .schemas import Outcome as OutcomeBody
from .schemas import Outcomes as OutcomesBody
from .schemas import Round as RoundBody
from .schemas import Rounds as RoundsBody

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

PUBLIC_ENDPOINTS = {"api.health", "api.openapi"}
#: ``?format=``: JSON, or the CSV ``deliberate analyze`` reads.
FORMAT = Query("format", ("json", "csv"), "json", "json (default) or csv.")
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
    # any other query parameter is refused, so typos do not pass silently
    unknown = sorted(set(request.args) - query_parameters(request.endpoint))
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


def _consultation(consultation: Consultation, role: Role) -> SummaryBody:
    return {
        "id": consultation.id,
        "title": consultation.title,
        "question": consultation.question,
        "status": consultation.status.value,
        "role": role.value,
        "current_round": consultation.current_round.number if consultation.current_round else None,
    }


def _outcome(outcome: Outcome) -> OutcomeBody:
    return {
        "id": outcome.id,
        "name": outcome.name,
        "description": outcome.description,
        "position": outcome.position,
    }


def _group(group: StakeholderGroup) -> GroupBody:
    return {
        "id": group.id,
        "name": group.name,
        "description": group.description,
        "weight": group.weight,
    }


def _round(round_: Round) -> RoundBody:
    return {
        "number": round_.number,
        "open": round_.is_open,
        "opened_at": round_.opened_at.isoformat(),
        "closed_at": round_.closed_at.isoformat() if round_.closed_at else None,
    }


# --------------------------------------------------------------------------- public

ROUND = "/consultations/<int:consultation_id>/rounds/<int:number>"


@route(
    bp,
    "get",
    "/health",
    summary="Readiness: 200 while the database answers",
    answer=Health,
    answer_description="The service and its database are up.",
    errors=("503",),
    public=True,
)
def health() -> Response:
    """Readiness check for load balancers: answers 200 only when the database does."""
    ping()
    found: Health = {"status": "ok"}
    return jsonify(found)


@route(
    bp,
    "get",
    "/openapi.json",
    summary="This document",
    answer=OpenApiDocument,
    answer_description="The OpenAPI 3.1 document.",
    errors=(),
    public=True,
)
def openapi() -> Response:
    """This API described as an OpenAPI 3.1 document."""
    return jsonify(openapi_document())


# --------------------------------------------------------------------------- reading


@route(
    bp,
    "get",
    "/consultations",
    summary="The consultations you take part in, with your role",
    answer=ConsultationsBody,
    answer_description="Your consultations.",
    errors=("400", "401", "429"),
)
def consultations() -> Response:
    """The consultations the caller takes part in, with their role in each."""
    memberships = [m for role in READERS for m in memberships_of(current_user, role)]
    memberships.sort(key=lambda m: m.consultation_id)
    found: ConsultationsBody = {
        "consultations": [_consultation(m.consultation, m.role) for m in memberships]
    }
    return _json(found)


@route(
    bp,
    "get",
    "/consultations/<int:consultation_id>",
    summary="One consultation with its outcomes, groups and rounds",
    answer=ConsultationBody,
    answer_description="The consultation.",
)
def consultation(consultation_id: int) -> Response:
    """One consultation: its question and settings, outcomes, groups and rounds."""
    membership = require_membership(consultation_id, *READERS)
    found = membership.consultation
    document: ConsultationBody = {
        **_consultation(found, membership.role),
        "description": found.description,
        "anonymity_k": found.anonymity_k,
        "weighting": found.weighting.value,
        "design": found.design.value,
        "consistency_threshold": found.consistency_threshold,
        "created_at": found.created_at.isoformat(),
        "outcomes": [_outcome(o) for o in found.outcomes],
        "groups": [_group(g) for g in found.groups],
        "rounds": [_round(r) for r in found.rounds],
    }
    return _json(document)


@route(
    bp,
    "get",
    "/consultations/<int:consultation_id>/outcomes",
    summary="The outcomes, in display order",
    answer=OutcomesBody,
    answer_description="The outcomes.",
)
def outcomes(consultation_id: int) -> Response:
    """The outcomes stakeholders weigh, in display order."""
    membership = require_membership(consultation_id, *READERS)
    found: OutcomesBody = {"outcomes": [_outcome(o) for o in membership.consultation.outcomes]}
    return _json(found)


@route(
    bp,
    "get",
    "/consultations/<int:consultation_id>/groups",
    summary="The stakeholder groups",
    answer=GroupsBody,
    answer_description="The groups.",
)
def groups(consultation_id: int) -> Response:
    """The declared stakeholder groups."""
    membership = require_membership(consultation_id, *READERS)
    found: GroupsBody = {"groups": [_group(g) for g in membership.consultation.groups]}
    return _json(found)


@route(
    bp,
    "get",
    "/consultations/<int:consultation_id>/rounds",
    summary="The rounds, first to latest",
    answer=RoundsBody,
    answer_description="The rounds.",
)
def rounds(consultation_id: int) -> Response:
    """The consultation's rounds, first to latest."""
    membership = require_membership(consultation_id, *READERS)
    found: RoundsBody = {"rounds": [_round(r) for r in membership.consultation.rounds]}
    return _json(found)


@route(bp, "get", ROUND, summary="One round", answer=RoundBody, answer_description="The round.")
def round_detail(consultation_id: int, number: int) -> Response:
    """One round."""
    consultation = require_membership(consultation_id, *READERS).consultation
    return _json(_round(require_round(consultation, number)))


@route(
    bp,
    "get",
    f"{ROUND}/results",
    summary="The round's results: the report of `deliberate analyze --format json`",
    answer=RoundResults,
    answer_description="The report (the public view for non-facilitators).",
    query=(
        Query(
            "exclude_inconsistent",
            ("true", "false"),
            "false",
            "Leave participants above the consistency threshold out. For non-facilitators "
            "only where every group loses none or at least k people (otherwise 409).",
        ),
    ),
)
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


@route(
    bp,
    "get",
    f"{ROUND}/judgments",
    summary="The round's judgments (facilitators), as JSON or as the CSV of `deliberate analyze`",
    answer=Judgments,
    answer_description="Every judgment of the round.",
    query=(FORMAT,),
    csv=True,
)
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
    # records of the CSV columns, which StoredJudgment names
    records = cast(list[StoredJudgment], judgment_records(round_))
    found: Judgments = {"round": number, "judgments": records}
    return _json(found)


# --------------------------------------------------------------------------- writing

#: What a rejected field needs, in words.
_FIELD_NEEDS = {
    "participant": "a text value is required",
    "group": "a text value is required",
    "outcome_a": "a text value is required",
    "outcome_b": "a text value is required",
    "value": "a number (or text such as '1/3') is required",
    "reason": "must be text",
}
_NOT_A_LIST = "the body must be a JSON object with a 'judgments' list"


def _rows(document: Any, *, batch: bool) -> list[ImportRow]:
    """The ``judgments`` of a request body as import rows; 400 naming the row and field."""
    model = FacilitatorBatch if batch else OwnBatch
    try:
        parsed = model.model_validate(document)
    except ValidationError as error:
        raise ImportRejected(_row_errors(error)) from None
    return [
        ImportRow(
            number,
            item.participant or "",
            item.group or "",
            item.outcome_a,
            item.outcome_b,
            item.value,
            item.reason or "",
        )
        for number, item in enumerate(parsed.judgments, start=1)
    ]


def _row_errors(error: ValidationError) -> list[RowError]:
    """Each rejected row and field once, in order, in words."""
    found: dict[tuple[int | None, str | None], str] = {}
    for rejected in error.errors():
        loc = rejected["loc"]
        if len(loc) < 2 or loc[0] != "judgments":
            return [RowError(None, "judgments", _NOT_A_LIST)]
        number = int(loc[1]) + 1
        field = str(loc[2]) if len(loc) > 2 else None
        detail = _FIELD_NEEDS.get(field or "", "each judgment must be a JSON object")
        found.setdefault((number, field), detail)
    return [RowError(number, field, detail) for (number, field), detail in found.items()]


@route(
    bp,
    "post",
    f"{ROUND}/judgments",
    summary="Submit judgments, all or nothing (read-write token)",
    description=(
        "Facilitators submit a batch for any participants, named by label and group "
        "(for instance from a paper workshop); posting the same batch again changes "
        "nothing. Stakeholders submit their own judgments. One invalid row and nothing "
        "is saved: the problem's `errors` name each bad row and field."
    ),
    body=JudgmentBatch,
    answer=Saved,
    answer_description="What was saved.",
    errors=("400", "401", "403", "404", "409", "413", "429"),
)
def submit_judgments(consultation_id: int, number: int) -> Response:
    """Submit judgments: a facilitator's batch (participants by label) or a stakeholder's own.

    All or nothing: one bad row and nothing is saved, and the error names the row.
    """
    membership: Membership = require_membership(consultation_id, Role.FACILITATOR, Role.STAKEHOLDER)
    _require_write()
    round_ = require_round(membership.consultation, number)
    document = request.get_json(force=True, silent=True)
    if membership.role is Role.FACILITATOR:
        summary = import_judgments(round_, _rows(document, batch=True), user=current_user)
    else:
        summary = save_own_judgments(membership, round_, _rows(document, batch=False))
    found: Saved = {
        "round": number,
        "saved": summary.judgments,
        "participants": summary.participants,
        "created_participants": summary.created,
    }
    return _json(found)

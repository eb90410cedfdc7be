"""The API's options: the consultation's options and, for facilitators, the appraisal."""

from __future__ import annotations

import csv
import io

from flask import request
from werkzeug.exceptions import BadRequest, NotFound
from werkzeug.wrappers import Response

from ..access import require_membership
from ..models import Option, Role
from ..services import options as service
from .openapi import route
from .routes import FORMAT, READERS, _json, bp
from .schemas import Appraisal as AppraisalBody
from .schemas import Option as OptionBody
from .schemas import Options as OptionsBody


def _option(option: Option) -> OptionBody:
    return {
        "id": option.id,
        "name": option.name,
        "description": option.description,
        "annual_cost": option.annual_cost,
        "cost_unit": option.cost_unit,
        "position": option.position,
    }


@route(
    bp,
    "get",
    "/consultations/<int:consultation_id>/options",
    summary="The options the board chooses between, and the state of their appraisal",
    answer=OptionsBody,
    answer_description="The options.",
)
def options(consultation_id: int) -> Response:
    """The options the board chooses between, and the state of their appraisal."""
    consultation = require_membership(consultation_id, *READERS).consultation
    appraisal = service.appraisal_of(consultation)
    found: OptionsBody = {
        "options": [_option(o) for o in service.options_of(consultation)],
        "appraisal": None
        if appraisal is None
        else {
            "mode": appraisal.mode.value,
            "synthesis": appraisal.synthesis.value,
            "open": appraisal.is_open,
            "opened_at": appraisal.opened_at.isoformat(),
            "closed_at": appraisal.closed_at.isoformat() if appraisal.closed_at else None,
        },
    }
    return _json(found)


@route(
    bp,
    "get",
    "/consultations/<int:consultation_id>/appraisal",
    summary="The assessors' answers (facilitators), as JSON or as the CSV of "
    "`deliberate analyze --options`",
    answer=AppraisalBody,
    answer_description="Every assessor's answer.",
    query=(FORMAT,),
    csv=True,
)
def appraisal(consultation_id: int) -> Response:
    """Every assessor's judgments or ratings (facilitators), as JSON or as CSV."""
    consultation = require_membership(consultation_id, Role.FACILITATOR).consultation
    found = service.appraisal_of(consultation)
    if found is None:
        raise NotFound("The appraisal of the options has not opened.")
    fmt = request.args.get("format", "json")
    if fmt not in {"json", "csv"}:
        raise BadRequest("format must be json or csv.")
    table = service.appraisal_csv(consultation)
    if fmt == "csv":
        response = Response(table, mimetype="text/csv")
        response.headers["Content-Disposition"] = (
            f'attachment; filename="consultation-{consultation_id}-appraisal.csv"'
        )
        return response
    number = "score" if found.mode.value == "ratings" else "value"
    rows = [{**row, number: float(row[number])} for row in csv.DictReader(io.StringIO(table))]
    document: AppraisalBody = {"mode": found.mode.value, "answers": rows}
    return _json(document)

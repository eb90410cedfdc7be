"""The OpenAPI 3.1 document of the JSON API: the one description behind /openapi.json and /docs."""

from __future__ import annotations

from functools import cache
from typing import Any

from ..models import SCALE_MAX, SCALE_MIN

#: Largest id or round number a path may carry (PostgreSQL's ``integer``).
MAX_ID = 2**31 - 1

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": PROBLEM}


ERRORS: dict[str, dict[str, Any]] = {
    "400": _problem(
        "Invalid input (a body, a value or an unknown query parameter); `detail` names the "
        "field, and the row, that is wrong."
    ),
    "401": _problem("No API token, or one that is unknown or revoked."),
    "403": _problem("The token's owner may not do this (role, or a read-only token)."),
    "404": _problem("No such consultation, round or results."),
    "409": _problem("The round is closed."),
    "413": _problem("The body is larger than 2 MiB."),
    "429": _problem("Too many requests for this token; wait and retry."),
}


def _responses(ok: dict[str, Any], *codes: str) -> dict[str, Any]:
    return {"200": ok, **{code: {"$ref": f"#/components/responses/{code}"} for code in codes}}


def _json(schema: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def _param(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    }


CONSULTATION = _param("consultation_id", "The consultation's id.")
ROUND = _param("number", "The round's number (1 for the first round).")
READ = ("400", "401", "403", "404", "429")

SCHEMAS: dict[str, Any] = {
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details.",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {
                "type": "array",
                "description": "Each rejected row: its 1-based number and the field at fault.",
                "items": {
                    "type": "object",
                    "required": ["row", "field", "detail"],
                    "properties": {
                        "row": {"type": ["integer", "null"]},
                        "field": {"type": ["string", "null"]},
                        "detail": {"type": "string"},
                    },
                },
            },
        },
    },
    "ConsultationSummary": {
        "type": "object",
        "required": ["id", "title", "question", "status", "role", "current_round"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "question": {"type": "string"},
            "status": {"enum": ["draft", "open", "closed"]},
            "role": {"enum": ["facilitator", "stakeholder", "board"]},
            "current_round": {"type": ["integer", "null"]},
        },
    },
    "Consultation": {
        "allOf": [
            {"$ref": "#/components/schemas/ConsultationSummary"},
            {
                "type": "object",
                "required": [
                    "description",
                    "anonymity_k",
                    "weighting",
                    "design",
                    "consistency_threshold",
                    "created_at",
                    "outcomes",
                    "groups",
                    "rounds",
                ],
                "properties": {
                    "description": {"type": "string"},
                    "anonymity_k": {"type": "integer", "minimum": 1},
                    "weighting": {"enum": ["person", "groups", "custom"]},
                    "design": {"enum": ["all", "reduced"]},
                    "consistency_threshold": {"type": ["number", "null"]},
                    "created_at": {"type": "string", "format": "date-time"},
                    "outcomes": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/Outcome"},
                    },
                    "groups": {"type": "array", "items": {"$ref": "#/components/schemas/Group"}},
                    "rounds": {"type": "array", "items": {"$ref": "#/components/schemas/Round"}},
                },
            },
        ]
    },
    "Outcome": {
        "type": "object",
        "required": ["id", "name", "description", "position"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "description": {"type": "string"},
            "position": {"type": "integer"},
        },
    },
    "Group": {
        "type": "object",
        "required": ["id", "name", "description", "weight"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "description": {"type": "string"},
            "weight": {"type": ["number", "null"], "description": "Custom weight, if set."},
        },
    },
    "Round": {
        "type": "object",
        "required": ["number", "open", "opened_at", "closed_at"],
        "properties": {
            "number": {"type": "integer", "minimum": 1},
            "open": {"type": "boolean"},
            "opened_at": {"type": "string", "format": "date-time"},
            "closed_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "Report": {
        "type": "object",
        "description": (
            "The analysis report, exactly as `deliberate analyze --format json` prints it for "
            "the round's judgments CSV with the consultation's options: `outcomes`, `method`, "
            "`participants` (facilitators only), `overall`, `groups`, `pairs`, `by_outcome`, "
            "`clusters`, `sensitivity`, and `options` once the assessors have appraised every "
            "option on every outcome. Other callers get the public view of a closed round "
            "(403 while it is open), which adds `withheld_groups`, `min_group_size` and "
            "`participation` and is computed without the groups smaller than the "
            "consultation's anonymity threshold k."
        ),
        "required": ["outcomes", "method"],
        "properties": {
            "outcomes": {"type": "array", "items": {"type": "string"}},
            "method": {"type": "object"},
            "participants": {"type": "array", "items": {"type": "object"}},
            "overall": {"type": "object"},
            "groups": {"type": "object"},
            "pairs": {"type": "array", "items": {"type": "object"}},
            "withheld_groups": {"type": "array", "items": {"type": "string"}},
            "min_group_size": {"type": "integer"},
        },
    },
    "Option": {
        "type": "object",
        "required": ["id", "name", "description", "annual_cost", "cost_unit", "position"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "description": {"type": "string"},
            "annual_cost": {"type": ["number", "null"], "minimum": 0},
            "cost_unit": {"type": "string"},
            "position": {"type": "integer"},
        },
    },
    "Options": {
        "type": "object",
        "required": ["options", "appraisal"],
        "properties": {
            "options": {"type": "array", "items": {"$ref": "#/components/schemas/Option"}},
            "appraisal": {
                "type": ["object", "null"],
                "description": "Null until the facilitator opens the appraisal.",
                "required": ["mode", "synthesis", "open", "opened_at", "closed_at"],
                "properties": {
                    "mode": {"enum": ["pairwise", "ratings"]},
                    "synthesis": {"enum": ["distributive", "ideal"]},
                    "open": {"type": "boolean"},
                    "opened_at": {"type": "string", "format": "date-time"},
                    "closed_at": {"type": ["string", "null"], "format": "date-time"},
                },
            },
        },
    },
    "Appraisal": {
        "type": "object",
        "required": ["mode", "answers"],
        "description": (
            "Every assessor's answer, as `deliberate analyze --options` reads them: pairwise "
            "rows have assessor, outcome, option_a, option_b and value (how much better "
            "option_a does, 1/9 to 9); ratings rows assessor, option, outcome and score (0-10)."
        ),
        "properties": {
            "mode": {"enum": ["pairwise", "ratings"]},
            "answers": {"type": "array", "items": {"type": "object"}},
        },
    },
    "StoredJudgment": {
        "type": "object",
        "required": ["participant", "group", "outcome_a", "outcome_b", "value", "reason"],
        "properties": {
            "participant": {"type": "string", "description": "The participant's membership id."},
            "group": {"type": "string"},
            "outcome_a": {"type": "string"},
            "outcome_b": {"type": "string"},
            "value": {
                "type": "number",
                "description": "How much more outcome_a matters than outcome_b (1/9 to 9).",
            },
            "reason": {"type": "string"},
        },
    },
    "NewJudgment": {
        "type": "object",
        "required": ["outcome_a", "outcome_b", "value"],
        "dependentRequired": {"participant": ["group"], "group": ["participant"]},
        "properties": {
            "participant": {
                "type": "string",
                "maxLength": 80,
                "description": (
                    "Facilitators: the participant's label. An unknown label becomes a new "
                    "stakeholder of the consultation; a known one is matched. Ignored for "
                    "stakeholders, who submit their own judgments."
                ),
            },
            "group": {
                "type": "string",
                "description": (
                    "Facilitators: the participant's stakeholder group, by name (required "
                    "with `participant`; a facilitator's batch needs both)."
                ),
            },
            "outcome_a": {"type": "string", "description": "An outcome's name."},
            "outcome_b": {"type": "string", "description": "Another outcome's name."},
            "value": {
                "oneOf": [
                    {"type": "number", "minimum": SCALE_MIN, "maximum": SCALE_MAX},
                    {"type": "string", "minLength": 1},
                ],
                "description": (
                    "One of Saaty's 17 points from 1/9 to 9, as a number or as text such as "
                    "'1/3': how much more outcome_a matters than outcome_b."
                ),
            },
            "reason": {"type": ["string", "null"], "maxLength": 2000},
        },
    },
    "JudgmentBatch": {
        "type": "object",
        "required": ["judgments"],
        "properties": {
            "judgments": {
                "type": "array",
                "minItems": 1,
                "items": {"$ref": "#/components/schemas/NewJudgment"},
            }
        },
    },
    "Saved": {
        "type": "object",
        "required": ["round", "saved", "participants", "created_participants"],
        "properties": {
            "round": {"type": "integer"},
            "saved": {"type": "integer", "description": "Judgments saved (new or updated)."},
            "participants": {"type": "integer"},
            "created_participants": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Labels of the stakeholders this batch created.",
            },
        },
    },
}


def _get(
    summary: str, ok: dict[str, Any], *params: dict[str, Any], codes: tuple[str, ...] = READ
) -> dict:
    return {
        "get": {"summary": summary, "parameters": list(params), "responses": _responses(ok, *codes)}
    }


@cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document (paths relative to ``/api/v1``)."""
    c, r = CONSULTATION, ROUND
    round_path = "/consultations/{consultation_id}/rounds/{number}"
    judgments = _get(
        "The round's judgments (facilitators), as JSON or as the CSV of `deliberate analyze`",
        {
            "description": "Every judgment of the round.",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["round", "judgments"],
                        "properties": {
                            "round": {"type": "integer"},
                            "judgments": {
                                "type": "array",
                                "items": {"$ref": "#/components/schemas/StoredJudgment"},
                            },
                        },
                    }
                },
                "text/csv": {"schema": {"type": "string"}},
            },
        },
        c,
        r,
        {
            "name": "format",
            "in": "query",
            "schema": {"enum": ["json", "csv"], "default": "json"},
        },
    )
    judgments["post"] = {
        "summary": "Submit judgments, all or nothing (read-write token)",
        "description": (
            "Facilitators submit a batch for any participants, named by label and group "
            "(for instance from a paper workshop); posting the same batch again changes "
            "nothing. Stakeholders submit their own judgments. One invalid row and nothing "
            "is saved: the problem's `errors` name each bad row and field."
        ),
        "parameters": [c, r],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/JudgmentBatch"}}
            },
        },
        "responses": _responses(
            _json("Saved", "What was saved."), "400", "401", "403", "404", "409", "413", "429"
        ),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Deliberate API",
            "version": "1.0.0",
            "description": (
                "Consultations, round results and judgments of Deliberate. Authenticate with a "
                "personal API token (Settings, API tokens) sent as `Authorization: Bearer "
                "<token>`; session cookies are not accepted. Errors are RFC 9457 problem "
                "details (`application/problem+json`)."
            ),
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"token": []}],
        "paths": {
            "/health": {
                "get": {
                    "summary": "Readiness: 200 while the database answers",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "The service and its database are up.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["status"],
                                        "properties": {"status": {"const": "ok"}},
                                    }
                                }
                            },
                        },
                        "503": _problem("The database is not answering."),
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "The OpenAPI 3.1 document.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
            "/consultations": _get(
                "The consultations you take part in, with your role",
                {
                    "description": "Your consultations.",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["consultations"],
                                "properties": {
                                    "consultations": {
                                        "type": "array",
                                        "items": {
                                            "$ref": "#/components/schemas/ConsultationSummary"
                                        },
                                    }
                                },
                            }
                        }
                    },
                },
                codes=("400", "401", "429"),
            ),
            "/consultations/{consultation_id}": _get(
                "One consultation with its outcomes, groups and rounds",
                _json("Consultation", "The consultation."),
                c,
            ),
            "/consultations/{consultation_id}/outcomes": _get(
                "The outcomes, in display order", _list("outcomes", "Outcome"), c
            ),
            "/consultations/{consultation_id}/groups": _get(
                "The stakeholder groups", _list("groups", "Group"), c
            ),
            "/consultations/{consultation_id}/rounds": _get(
                "The rounds, first to latest", _list("rounds", "Round"), c
            ),
            round_path: _get("One round", _json("Round", "The round."), c, r),
            f"{round_path}/results": _get(
                "The round's results: the report of `deliberate analyze --format json`",
                _json("Report", "The report (the public view for non-facilitators)."),
                c,
                r,
                {
                    "name": "exclude_inconsistent",
                    "in": "query",
                    "description": (
                        "Leave participants above the consistency threshold out. For "
                        "non-facilitators only where every group loses none or at least k "
                        "people (otherwise 409)."
                    ),
                    "schema": {"enum": ["true", "false"], "default": "false"},
                },
            ),
            f"{round_path}/judgments": judgments,
            "/consultations/{consultation_id}/options": _get(
                "The options the board chooses between, and the state of their appraisal",
                _json("Options", "The options."),
                c,
            ),
            "/consultations/{consultation_id}/appraisal": _get(
                "The assessors' answers (facilitators), as JSON or as the CSV of "
                "`deliberate analyze --options`",
                {
                    **_json("Appraisal", "Every assessor's answer."),
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Appraisal"}},
                        "text/csv": {"schema": {"type": "string"}},
                    },
                },
                c,
                {
                    "name": "format",
                    "in": "query",
                    "description": "json (default) or csv.",
                    "schema": {"enum": ["json", "csv"], "default": "json"},
                },
            ),
        },
        "components": {
            "securitySchemes": {
                "token": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token, scoped to read or read-write.",
                }
            },
            "schemas": SCHEMAS,
            "responses": ERRORS,
        },
    }


def _list(key: str, schema: str) -> dict[str, Any]:
    return {
        "description": f"The {key}.",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": [key],
                    "properties": {
                        key: {"type": "array", "items": {"$ref": f"#/components/schemas/{schema}"}}
                    },
                }
            }
        },
    }

"""The OpenAPI 3.1 document of the JSON API, generated from the routes' declarations.

Each view is registered with :func:`route`, which says what it answers and accepts (the
bodies of :mod:`deliberate.api.schemas`, query parameters, error statuses); the document
behind /openapi.json and /docs is built from those declarations and the bodies' types.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from flask import Blueprint
from pydantic import TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, JsonSchemaValue
from pydantic_core import core_schema

from .schemas import MAX_ID, Problem

View = TypeVar("View", bound=Callable[..., Any])

_REF = "#/components/schemas/{model}"
_PROBLEM = {"application/problem+json": {"schema": {"$ref": _REF.format(model="Problem")}}}

#: What each error status means, shared by every operation that can answer it.
ERRORS: dict[str, str] = {
    "400": "Invalid input (a body, a value or an unknown query parameter); `detail` names "
    "the field, and the row, that is wrong.",
    "401": "No API token, or one that is unknown or revoked.",
    "403": "The token's owner may not do this (role, or a read-only token).",
    "404": "No such consultation, round or results.",
    "409": "The round is closed.",
    "413": "The body is larger than 2 MiB.",
    "429": "Too many requests for this token; wait and retry.",
    "503": "The database is not answering.",
}
#: The error statuses of an operation that reads with a token.
READ = ("400", "401", "403", "404", "429")
#: Path parameters, by the name routes give them.
PATH_PARAMETERS = {
    "consultation_id": "The consultation's id.",
    "number": "The round's number (1 for the first round).",
}
_RULE_PARAMETER = re.compile(r"<(?:int:)?(\w+)>")


@dataclass(frozen=True)
class Query:
    """A query parameter an operation takes (any other is refused with 400)."""

    name: str
    values: tuple[str, ...]
    default: str
    description: str = ""


@dataclass(frozen=True)
class Operation:
    """One route as the document describes it."""

    endpoint: str
    method: str
    path: str  # OpenAPI form, relative to the blueprint's prefix
    summary: str
    answer: Any  # type of the JSON body of a 200
    answer_description: str
    errors: tuple[str, ...]
    description: str = ""
    query: tuple[Query, ...] = ()
    body: Any = None  # type of the JSON request body
    csv: bool = False  # a 200 may also be text/csv
    public: bool = False  # no token needed


#: Every declared operation, in the order routes are registered.
OPERATIONS: list[Operation] = []


def route(
    bp: Blueprint,
    method: str,
    rule: str,
    *,
    summary: str,
    answer: Any,
    answer_description: str,
    errors: tuple[str, ...] = READ,
    description: str = "",
    query: tuple[Query, ...] = (),
    body: Any = None,
    csv: bool = False,
    public: bool = False,
) -> Callable[[View], View]:
    """Register a view on ``bp`` for ``method`` and ``rule`` and declare it in the document."""

    def register(view: View) -> View:
        OPERATIONS.append(
            Operation(
                endpoint=f"{bp.name}.{view.__name__}",
                method=method,
                path=_RULE_PARAMETER.sub(r"{\1}", rule),
                summary=summary,
                answer=answer,
                answer_description=answer_description,
                errors=errors,
                description=description,
                query=query,
                body=body,
                csv=csv,
                public=public,
            )
        )
        return bp.route(rule, methods=[method.upper()])(view)

    return register


def query_parameters(endpoint: str | None) -> set[str]:
    """The names of the query parameters ``endpoint`` declares."""
    return {q.name for op in OPERATIONS if op.endpoint == endpoint for q in op.query}


class _Schemas(GenerateJsonSchema):
    """JSON Schema 2020-12 as OpenAPI 3.1 takes it; a typed dictionary has no other keys
    unless its config allows extra ones."""

    def typed_dict_schema(self, schema: core_schema.TypedDictSchema) -> JsonSchemaValue:
        out = super().typed_dict_schema(schema)
        out.setdefault("additionalProperties", False)
        return out

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        """No ``default: null``: a field left out is left out (its type need not be null)."""
        out = super().default_schema(schema)
        if out.get("default", ...) is None:
            del out["default"]
        return out


def schemas(types: dict[str, tuple[Any, JsonSchemaMode]]) -> dict[str, Any]:
    """Named schemas for ``types`` (name: (type, mode)) and every schema they refer to."""
    generator = _Schemas(ref_template=_REF)
    named, shared = generator.generate_definitions(
        [(name, mode, TypeAdapter(t).core_schema) for name, (t, mode) in types.items()]
    )
    out = dict(shared)
    for (name, _), schema in named.items():
        if schema != {"$ref": _REF.format(model=name)}:
            raise ValueError(f"{name} is not a named body: {schema}")
    return dict(sorted(out.items()))


def _ref(t: Any) -> dict[str, str]:
    return {"$ref": _REF.format(model=t.__name__)}


def _json(t: Any, description: str, csv: bool = False) -> dict[str, Any]:
    content: dict[str, Any] = {"application/json": {"schema": _ref(t)}}
    if csv:
        content["text/csv"] = {"schema": {"type": "string"}}
    return {"description": description, "content": content}


def _parameters(op: Operation) -> list[dict[str, Any]]:
    path = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "description": PATH_PARAMETERS[name],
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        }
        for name in re.findall(r"{(\w+)}", op.path)
    ]
    query = [
        {
            "name": q.name,
            "in": "query",
            "description": q.description,
            "schema": {"enum": list(q.values), "default": q.default},
        }
        for q in op.query
    ]
    return path + query


def _operation(op: Operation) -> dict[str, Any]:
    found: dict[str, Any] = {"summary": op.summary}
    if op.description:
        found["description"] = op.description
    if op.public:
        found["security"] = []
    parameters = _parameters(op)
    if parameters:
        found["parameters"] = parameters
    if op.body is not None:
        found["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(op.body)}},
        }
    found["responses"] = {
        "200": _json(op.answer, op.answer_description, op.csv),
        **{code: {"$ref": f"#/components/responses/{code}"} for code in op.errors},
    }
    return found


@cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document (paths relative to ``/api/v1``)."""
    from . import options, routes  # noqa: F401  (the declarations)

    types: dict[str, tuple[Any, JsonSchemaMode]] = {"Problem": (Problem, "serialization")}
    for op in OPERATIONS:
        types[op.answer.__name__] = (op.answer, "serialization")
        if op.body is not None:
            types[op.body.__name__] = (op.body, "validation")
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op)
    codes = sorted({code for op in OPERATIONS for code in op.errors})
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
        "paths": paths,
        "components": {
            "securitySchemes": {
                "token": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token, scoped to read or read-write.",
                }
            },
            "schemas": schemas(types),
            "responses": {
                code: {"description": ERRORS[code], "content": _PROBLEM} for code in codes
            },
        },
    }

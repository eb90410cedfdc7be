"""The API's reference page at /api/docs, rendered on the server from the OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, render_template

from .openapi import openapi_document

bp = Blueprint("api_docs", __name__)

METHODS = ("get", "post")


def _schema_name(schema: dict) -> str:
    """``Report`` for a ``$ref`` to it, else the schema's type."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    return str(schema.get("type", "object"))


@bp.get("/api/docs")
def docs() -> str:
    """Every endpoint of the API, its parameters, body and answers, in plain HTML."""
    document = openapi_document()
    shared = document["components"]["responses"]
    operations = []
    for path, item in document["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            responses = [
                (code, shared[answer["$ref"].rsplit("/", 1)[-1]] if "$ref" in answer else answer)
                for code, answer in operation["responses"].items()
            ]
            operations.append(
                {
                    "id": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
                    "method": method.upper(),
                    "path": document["servers"][0]["url"] + path,
                    "summary": operation["summary"],
                    "description": operation.get("description", ""),
                    "public": operation.get("security") == [],
                    "parameters": operation.get("parameters", []),
                    "body": _schema_name(body["schema"]) if body else None,
                    "responses": responses,
                }
            )
    return render_template(
        "api/docs.html",
        info=document["info"],
        operations=operations,
        schemas=document["components"]["schemas"],
    )

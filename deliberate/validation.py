"""Input checked at the edge, before any view or service sees it: a clear 400, never a 500.

- Query integers are ASCII digits within bounds (``?round=²`` or a 30-digit page is a 400).
- Ids in paths fit the database's integer (a larger one is simply not found, 404).
- Text in query strings, forms and JSON holds no NUL, no lone surrogate and no bidirectional
  override or isolate (text that displays differently from what it says).
- JSON bodies nest at most :data:`MAX_JSON_DEPTH` deep.
- Bodies are at most ``MAX_CONTENT_LENGTH`` bytes (2 MiB), or ``UPLOAD_MAX_BYTES`` (32 MiB)
  on the pages marked :func:`large_upload`; larger ones are a 413.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

#: The largest id or count a query may name: PostgreSQL's INTEGER.
MAX_INT = 2**31 - 1
MAX_JSON_DEPTH = 32
_DIGITS = re.compile(r"[0-9]{1,10}")
#: NUL, UTF-16 surrogates (never valid alone in text) and bidi embeddings, overrides, isolates.
_FORBIDDEN = re.compile("[\x00\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKETS = re.compile(r"[\[\]{}]")


V = TypeVar("V", bound=Callable[..., Any])


def large_upload(view: V) -> V:
    """Mark a view that accepts files up to ``UPLOAD_MAX_BYTES`` (the others: 2 MiB)."""
    view.large_upload = True  # type: ignore[attr-defined]
    return view


def _upload_limit() -> None:
    """Raise the body limit of this request when its view is marked :func:`large_upload`."""
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "large_upload", False):
        request.max_content_length = current_app.config["UPLOAD_MAX_BYTES"]


class BoundedInt(IntegerConverter):
    """``<int:…>`` in routes: at most :data:`MAX_INT`, so larger ids are a plain 404."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)


def query_int(name: str, default: int | None = None, *, low: int = 1, high: int = MAX_INT) -> Any:
    """The query parameter ``name`` as a whole number from ``low`` to ``high``.

    Missing or empty: ``default``. Anything else but ASCII digits in range is a 400 that says
    what is expected.
    """
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    value = int(raw) if _DIGITS.fullmatch(raw) else None
    if value is None or not low <= value <= high:
        abort(400, description=f"{name} must be a whole number from {low} to {high}.")
    return value


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be accepted, or None when it can."""
    found = _FORBIDDEN.search(text)
    if found is None:
        return None
    character = found.group()
    if character == "\x00":
        return "The text contains a NUL character."
    if "\ud800" <= character <= "\udfff":
        return "The text contains a broken character (a lone UTF-16 surrogate)."
    return (
        f"The text contains U+{ord(character):04X}, a character that makes text display "
        "differently from what it says."
    )


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a person's or a group's name (line breaks, invisible or control
    characters), or None when it can."""
    if not name.isprintable():
        return "The name contains a line break, an invisible or another control character."
    return None


def _json_strings(value: Any) -> Any:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


def json_depth(text: str | bytes) -> int:
    """How deeply the arrays and objects of a JSON document nest."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    depth = deepest = 0
    for bracket in _JSON_BRACKETS.findall(_JSON_STRING.sub('""', text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing (as a 400) documents nested too deeply or holding bad text."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if json_depth(s) > MAX_JSON_DEPTH:
            raise ValueError(f"The JSON nests deeper than {MAX_JSON_DEPTH} levels.")
        value = super().loads(s, **kwargs)
        for text in _json_strings(value):
            problem = text_problem(text)
            if problem:
                raise ValueError(problem)
        return value


def _check_text() -> None:
    """Refuse a request whose query or form holds text that :func:`text_problem` refuses."""
    fields = list(request.args.items(multi=True))
    if request.method in {"POST", "PUT", "PATCH"} and request.mimetype in {
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }:
        fields += list(request.form.items(multi=True))
    for name, value in fields:
        problem = text_problem(name) or text_problem(value)
        if problem:
            abort(400, description=f"{problem} Please remove it and try again.")


def init_app(app: Flask) -> None:
    """Bound the ids in routes, check the text of every request, limit JSON depth.

    Call before the blueprints are registered (their routes use the ``int`` converter).
    """
    app.url_map.converters["int"] = BoundedInt
    app.json = JSONProvider(app)
    # First of all: CSRF protection and the text check read the body.
    app.before_request_funcs.setdefault(None, []).insert(0, _upload_limit)
    app.before_request(_check_text)

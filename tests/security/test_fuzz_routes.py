"""Every route, as every kind of visitor, with hypothesis-made paths, query strings and forms:
no input reaches a server error.

Forms are posted without their CSRF token checked (the check would refuse them all before
the view ran), and rate limits are off, so the views themselves meet the values. Field names
come from every form class of the app, plus names no form has.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import Rule

from deliberate.extensions import limiter
from tests.security.conftest import World, visitor
from tests.security.test_authorisation_matrix import url_arguments

EXAMPLES = 400
#: Query parameters that some page reads, and one that none does.
QUERY_NAMES = ("round", "page", "pair", "job", "format", "exclude_inconsistent", "next", "x")
#: Text the client can send (a lone surrogate cannot be encoded as UTF-8 at all).
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
NUMBERS = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(["²", "٣", "1e3", "0x10", " 7 ", "1/3", "0", "-0", "NaN", "inf"]),
)
VALUES = st.one_of(TEXT, NUMBERS, st.sampled_from(["\x00", "a\u202eb", "\u2066", ""]))


def _form_fields() -> list[str]:
    """The names of every field of every form class of the app."""
    names: set[str] = set()
    pending = list(FlaskForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        names.update(name for name, _ in form._unbound_fields or ())
        names.update(name for name, value in vars(form).items() if hasattr(value, "field_class"))
    return sorted(names)


def _routes(app: Flask) -> list[tuple[str, Rule]]:
    return [
        (method, rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    ]


def _path_values(rule: Rule, world: World) -> st.SearchStrategy[dict[str, Any]]:
    """Each placeholder: the world's real value, or something made up."""
    known = url_arguments(rule, world)
    strategies = {}
    for name in rule.arguments:
        made_up = NUMBERS if name in {"cid", "consultation_id", "number"} else TEXT
        choices = [st.just(known[name]), made_up] if known[name] is not None else [made_up]
        strategies[name] = st.one_of(*choices)
    return st.fixed_dictionaries(strategies)


def _url(rule: Rule, values: dict[str, Any]) -> str:
    path = rule.rule
    for name, value in values.items():
        text = str(value).replace("/", "_").replace("?", "_").replace("#", "_") or "x"
        path = path.replace(f"<{name}>", text)
        for converter in ("int", "path", "string"):
            path = path.replace(f"<{converter}:{name}>", text)
    return path


@pytest.mark.parametrize("role", ["anonymous", "stakeholder", "facilitator", "board"])
def test_no_input_on_any_route_is_a_server_error(
    world_app: Flask, world: World, role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = visitor(world_app, world, role)
    world_app.config["WTF_CSRF_ENABLED"] = False
    monkeypatch.setattr(limiter, "enabled", False)
    routes = _routes(world_app)
    fields = _form_fields()
    assert len(fields) > 20 and len(routes) > 50
    seen: set[str] = set()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def no_server_error(data: st.DataObject) -> None:
        method, rule = data.draw(st.sampled_from(routes))
        url = _url(rule, data.draw(_path_values(rule, world)))
        query = data.draw(st.dictionaries(st.sampled_from(QUERY_NAMES), VALUES, max_size=3))
        form = None
        if method == "POST":
            names = st.sampled_from([*fields, "junk"])
            form = data.draw(st.dictionaries(names, VALUES, max_size=6))
        response = client.open(url, method=method, query_string=query, data=form)
        seen.add(rule.endpoint)
        assert response.status_code < 500, (method, url, query, form, response.status_code)

    no_server_error()
    assert len(seen) > len({rule.endpoint for _, rule in routes}) // 2

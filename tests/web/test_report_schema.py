"""The API's generated report schemas are complete and true: real reports and public views
from the engine and from the live API validate against them, and altered ones do not."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import orjson
import pytest
from flask import Flask

from deliberate.api.openapi import openapi_document
from deliberate.engine import Report, analyze, public_view, read_judgments_csv, to_json_bytes
from deliberate.engine.judgments import value_on_line
from deliberate.engine.options import Appraisal
from deliberate.engine.synthetic import synthetic_table
from deliberate.extensions import db
from deliberate.models import Role, Scope, User
from deliberate.services.tokens import create_token
from tests.engine.conftest import load_cases
from tests.engine.test_options import divided_appraisal, divided_table
from tests.engine.test_reference_cases import api_kwargs

#: Anonymity thresholds to take public views at: everything shown, some groups withheld, all.
THRESHOLDS = (1, 5, 10, 1000)


def validator(name: str) -> jsonschema.Draft202012Validator:
    """A validator for the document's schema ``name``, resolving its references."""
    components = openapi_document()["components"]
    root = {"$ref": f"#/components/schemas/{name}", "components": components}
    return jsonschema.Draft202012Validator(root)


def as_served(report: Any) -> Any:
    """The report as JSON clients read it (NaN as null, tuples as lists)."""
    return orjson.loads(to_json_bytes(report))


def errors(name: str, document: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
        for e in validator(name).iter_errors(document)
    ]


def pairwise_appraisal() -> Appraisal:
    """Three assessors comparing two options on each of divided_table's outcomes."""
    rows = []
    for assessor, value in (("a1", 3.0), ("a2", 5.0), ("a3", 1 / 3)):
        for outcome in ("Cost", "Access", "Equity"):
            rows.append((assessor, outcome, "Lean", "Broad", value))
    return Appraisal.from_pairwise(enumerate(rows, start=2), value_on_line)


def engine_reports() -> list[tuple[str, Report]]:
    cases = [
        (
            case["name"],
            analyze(
                read_judgments_csv(case["csv"]), **{"bootstrap": 200, **api_kwargs(case["args"])}
            ),
        )
        for case in load_cases()
    ]
    table = divided_table(skipping=2)
    costs = {"Lean": 1.0e6, "Broad": 1.6e6}
    return [
        *cases,
        ("ratings", analyze(table, appraisal=divided_appraisal(), option_costs=costs)),
        ("pairwise", analyze(table, appraisal=pairwise_appraisal(), bootstrap=100)),
        ("no bootstrap", analyze(table, appraisal=divided_appraisal(), bootstrap=0)),
        (
            "nobody included",
            analyze(synthetic_table(12, 4, noise=2.0), exclude_inconsistent=True, cr_threshold=0),
        ),
        (
            "custom",
            analyze(
                synthetic_table(30, 5),
                weighting="custom",
                group_weights={"g0": 1, "g1": 2, "g2": 1},
            ),
        ),
    ]


REPORTS = engine_reports()


@pytest.mark.parametrize(("name", "report"), REPORTS, ids=[name for name, _ in REPORTS])
def test_engine_reports_and_their_public_views_follow_the_schema(name: str, report: Report) -> None:
    assert errors("Report", as_served(report)) == []
    for k in THRESHOLDS:
        view = as_served(public_view(report, k))
        kind = "WithheldReport" if "withheld" in view else "PublicReport"
        assert errors(kind, view) == [], f"k = {k}"
        assert errors("RoundResults", view) == []


def test_the_schemas_cover_every_part_and_refuse_what_a_report_never_holds() -> None:
    report = as_served(dict(REPORTS)["ratings"])  # with options, bootstrap and costs
    parts = (
        "method",
        "participants",
        "groups",
        "overall",
        "by_outcome",
        "pairs",
        "clusters",
        "sensitivity",
        "options",
    )
    assert set(parts) <= set(report)
    for path, bad in [
        (["overall", "unexpected"], 1),  # a key no report has
        (["pairs", 0, "n"], "12"),  # text for a count
        (["groups", "funders", "weights", "Cost"], "high"),
        (["participants", 0, "most_inconsistent"], {"a": "Cost"}),
        (["options", "overall", "best"], 3),
        (["sensitivity", "flip"], {"distance": 0.2}),
        (["clusters", "profiles"], [{"cluster": 0}]),
    ]:
        altered = copy.deepcopy(report)
        node = altered
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = bad
        assert errors("Report", altered), f"{path} = {bad!r} passed"
    for key in parts[:-1]:
        assert errors("Report", {k: v for k, v in report.items() if k != key}), key


def test_the_results_the_api_serves_follow_the_schema(app: Flask, demo: int) -> None:
    client = app.test_client()
    with app.app_context():
        tokens = {
            role: create_token(
                db.session.scalar(db.select(User).filter_by(email=f"{role}@example.org")),
                "test",
                Scope.READ,
            )[1]
            for role in (Role.FACILITATOR.value, Role.BOARD.value)
        }
    for role, token in tokens.items():
        response = client.get(
            f"/api/v1/consultations/{demo}/rounds/1/results",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, (role, response.get_json())
        document = response.get_json()
        assert errors("RoundResults", document) == []
        kind = "Report" if role == Role.FACILITATOR.value else "PublicReport"
        assert errors(kind, document) == [], role

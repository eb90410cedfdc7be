"""Schemathesis against the live API: no server error, no answer outside the OpenAPI document."""

from __future__ import annotations

from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deliberate.extensions import db
from deliberate.models import Scope, User
from deliberate.services.tokens import create_token

EXAMPLES = 25
#: Schema-valid batches may still name outcomes or groups the consultation does not have:
#: those are refused with 400, as the document says, and are not a conformance failure.
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "429"]
            }
        }
    }
)


def test_the_api_keeps_to_its_openapi_document(app: Flask, demo: int, live_server: Any) -> None:
    app.config["API_RATE_LIMIT"] = "100000/minute"
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email="facilitator@example.org"))
        secret = create_token(user, "schemathesis", Scope.WRITE)[1]
    headers = {"Authorization": f"Bearer {secret}"}
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json", config=CONFIG)
    base_url = f"{live_server.url}/api/v1"
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 12
    for operation in operations:
        names = {p.name for p in operation.path_parameters}
        known = {"consultation_id": demo, "number": 2}
        fixed = {name: value for name, value in known.items() if name in names}
        cases = st.one_of(
            operation.as_strategy(path_parameters=fixed),
            operation.as_strategy(),
            operation.as_strategy(schemathesis.GenerationMode.NEGATIVE, path_parameters=fixed),
        )

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=cases)
        def conforms(case: schemathesis.Case) -> None:
            case.call_and_validate(base_url=base_url, headers=headers)

        conforms()

"""An assessor of the demo, on every route: their own appraisal pages and nothing more.

An assessor is a member of the consultation, but not one who may read its results: on
every route they must be answered exactly as a signed-in person from another consultation
is (the matrix's ``other_stakeholder`` column), except on the assessor pages below.
"""

from __future__ import annotations

import pytest
from flask import Flask

from deliberate.extensions import db
from deliberate.models import Membership, Role, Scope
from deliberate.services.tokens import create_token
from tests.security.conftest import ROLES, World
from tests.security.test_authorisation_matrix import MATRIX, wrong_answers

#: Where an assessor is answered differently from an outsider: the home page and their
#: (already redeemed) invitation link lead to their appraisal (302); the demo's appraisal
#: is closed, so they read its pages and an empty save is refused (409).
ASSESSOR: dict[str, dict[str, int]] = {
    "auth.home": {"GET": 302},
    "assessor.join": {"GET": 302, "POST": 302},
    "assessor.index": {"GET": 200},
    "assessor.outcome": {"GET": 200},
    "assessor.save": {"POST": 409},
}
OUTSIDER = ROLES.index("other_stakeholder")


def test_an_assessor_reaches_their_appraisal_and_nothing_else(
    world_app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("deliberate.services.pdf.html_to_pdf", lambda html, **_: b"%PDF-1.7 test")
    client = world_app.test_client()
    joined = client.submit(f"/a/{world.assessor_token}", {"display_name": "New Assessor"})
    assert joined.status_code == 302
    with world_app.app_context():
        member = db.session.scalar(
            db.select(Membership).filter_by(consultation_id=world.demo_id, role=Role.ASSESSOR)
            .order_by(Membership.id.desc())
        )  # fmt: skip
        token = create_token(member.user, "assessor", Scope.WRITE)[1]
        db.session.commit()
    api = {"Authorization": f"Bearer {token}"}
    assert client.get("/").location.endswith(f"/appraise/{world.demo_id}/")
    # The API lists only consultations its reader reads (roles as in the API's schema).
    listed = client.get("/api/v1/consultations", headers=api).get_json()["consultations"]
    assert world.demo_id not in [c["id"] for c in listed]
    wrong = wrong_answers(
        world_app, world, client, api, "assessor",
        lambda endpoint, method: ASSESSOR.get(endpoint, {}).get(
            method, MATRIX[endpoint][method][OUTSIDER]
        ),
    )  # fmt: skip
    assert not wrong, "as assessor:\n" + "\n".join(wrong)

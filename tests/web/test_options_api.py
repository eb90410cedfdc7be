"""Options through the API, and through export and import."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from flask import Flask

from deliberate.demo_options import ASSESSORS
from deliberate.extensions import db
from deliberate.models import (
    AppraisalMode,
    Consultation,
    Option,
    OptionAppraisal,
    OptionJudgment,
    OptionRating,
    Role,
    Scope,
    User,
)
from deliberate.services import options as service
from deliberate.services.portability import export_consultation, import_consultation
from deliberate.services.tokens import create_token
from tests.factories import make_consultation, make_member


def token(app: Flask, email: str) -> dict[str, str]:
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email=email))
        return {"Authorization": f"Bearer {create_token(user, 'test', Scope.READ)[1]}"}


def test_the_api_lists_options_and_gives_facilitators_the_appraisal(app: Flask, demo: int) -> None:
    client = app.test_client()
    board = token(app, "board@example.org")
    facilitator = token(app, "facilitator@example.org")
    listed = client.get(f"/api/v1/consultations/{demo}/options", headers=board).get_json()
    assert next(o["name"] for o in listed["options"]) == "Keep today's clinics"
    assert listed["options"][0]["annual_cost"] == 4_200_000.0
    assert listed["appraisal"]["mode"] == "pairwise" and listed["appraisal"]["open"] is False
    assert client.get(f"/api/v1/consultations/{demo}/appraisal", headers=board).status_code == 403
    answers = client.get(f"/api/v1/consultations/{demo}/appraisal", headers=facilitator).get_json()
    assert answers["mode"] == "pairwise" and len(answers["answers"]) == 4 * 7 * 3
    as_csv = client.get(
        f"/api/v1/consultations/{demo}/appraisal?format=csv", headers=facilitator
    ).get_data(as_text=True)
    assert next(csv.reader(io.StringIO(as_csv))) == [
        "assessor", "outcome", "option_a", "option_b", "value"
    ]  # fmt: skip
    bad = client.get(f"/api/v1/consultations/{demo}/appraisal?format=xml", headers=facilitator)
    assert bad.status_code == 400
    # Results carry the options; the board's view never names an assessor.
    full = client.get(f"/api/v1/consultations/{demo}/rounds/1/results", headers=facilitator)
    public = client.get(f"/api/v1/consultations/{demo}/rounds/1/results", headers=board)
    full_options, public_options = full.get_json()["options"], public.get_json()["options"]
    assert full_options["overall"]["value"] == public_options["overall"]["value"]
    assert "individual" in full_options["assessors"]
    assert "individual" not in public_options["assessors"]
    assert not any(name in public.get_data(as_text=True) for name in ASSESSORS)


def snapshot(consultation_id: int) -> dict[str, Any]:
    """Options, appraisal and answers read from the database, by name, without ids."""
    consultation = db.session.get(Consultation, consultation_id)
    options = {o.id: o for o in service.options_of(consultation)}
    outcomes = {o.id: o.name for o in consultation.outcomes}
    who = {m.id: m.user.display_name for m in consultation.memberships}
    appraisal = service.appraisal_of(consultation)
    return {
        "options": [
            (o.name, o.description, o.annual_cost, o.cost_unit, o.position)
            for o in options.values()
        ],
        "appraisal": (appraisal.mode, appraisal.synthesis, appraisal.opened_at, appraisal.closed_at)
        if appraisal
        else None,
        "judgments": sorted(
            (
                who[j.membership_id],
                outcomes[j.outcome_id],
                options[j.option_a_id].name,
                options[j.option_b_id].name,
                j.value,
                j.updated_at,
            )
            for j in db.session.scalars(
                db.select(OptionJudgment).where(OptionJudgment.membership_id.in_(who))
            )
        ),
        "ratings": sorted(
            (
                who[r.membership_id],
                outcomes[r.outcome_id],
                options[r.option_id].name,
                r.score,
                r.updated_at,
            )
            for r in db.session.scalars(
                db.select(OptionRating).where(OptionRating.membership_id.in_(who))
            )
        ),
    }


def test_export_and_import_keep_options_appraisal_and_results(app: Flask, demo: int) -> None:
    with app.app_context():
        before = snapshot(demo)
        assert len(before["judgments"]) == 84
        document = json.loads(json.dumps(export_consultation(db.session.get(Consultation, demo))))
        copy = import_consultation(document)
        assert snapshot(copy.id) == before
        # Same answers, same analysis: the options' values are the same.
        original = service.options_report(db.session.get(Consultation, demo).rounds[0])
        again = service.options_report(copy.rounds[0])
        assert again["options"]["local"] == original["options"]["local"]
        # An export from before options existed still imports.
        for key in ("options", "appraisal", "option_judgments", "option_ratings"):
            document.pop(key)
        older = import_consultation(document)
        assert service.options_of(older) == [] and service.appraisal_of(older) is None


def test_ratings_round_trip(app: Flask) -> None:
    with app.app_context():
        consultation = make_consultation()
        for name, cost in (("A", 10.0), ("B", None)):
            service.add_option(consultation, None, name, annual_cost=cost)
        service.open_appraisal(consultation, None, AppraisalMode.RATINGS)
        assessor = make_member(consultation, Role.ASSESSOR, name="Rater")
        ids = {o.name: o.id for o in service.options_of(consultation)}
        for outcome in consultation.outcomes:
            service.save_ratings(assessor, outcome, {ids["A"]: 7.5, ids["B"]: 2.0})
        before = snapshot(consultation.id)
        copy = import_consultation(json.loads(json.dumps(export_consultation(consultation))))
        assert snapshot(copy.id) == before and len(before["ratings"]) == 6
        assert db.session.scalar(db.select(db.func.count(Option.id))) == 4
        assert db.session.scalar(db.select(db.func.count(OptionAppraisal.id))) == 2

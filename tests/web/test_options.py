"""Options: the facilitator's page, assessors' invitations and appraisal, the results."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from deliberate.engine import analyze
from deliberate.engine.appraisal_csv import read_appraisal_csv
from deliberate.extensions import db
from deliberate.models import (
    AuditEvent,
    Consultation,
    Option,
    OptionJudgment,
    OptionRating,
    Role,
)
from deliberate.services import options as service
from deliberate.services.results import round_table
from tests.conftest import FormClient, login
from tests.factories import add_judgments, make_consultation, make_member

OUTCOMES = ("Efficiency", "Equity", "Prevention")


@pytest.fixture
def cid(app: Flask, client: FormClient) -> int:
    with app.app_context():
        consultation = make_consultation(outcomes=OUTCOMES, groups=("Funders", "Service users"))
        cid = consultation.id
    login(client, "fac@example.org", "pw")
    return cid


def add(client: FormClient, cid: int, name: str, cost: str = "", unit: str = "") -> object:
    return client.submit(
        f"/facilitate/{cid}/options",
        {
            "option-name": name,
            "option-description": f"{name} for everyone",
            "option-annual_cost": cost,
            "option-cost_unit": unit,
        },
        page=f"/facilitate/{cid}/options",
    )


def option_ids(app: Flask, cid: int) -> dict[str, int]:
    with app.app_context():
        return {o.name: o.id for o in service.options_of(db.session.get(Consultation, cid))}


def invite(client: FormClient, cid: int, name: str) -> str:
    page = client.submit(
        f"/facilitate/{cid}/options/assessors",
        {"assessor-name": name},
        page=f"/facilitate/{cid}/options",
    )
    assert page.status_code == 200
    return re.search(r'value="http://[^"]+(/a/[^"]+)"', page.get_data(as_text=True)).group(1)


def test_facilitator_adds_and_removes_options_until_the_appraisal_opens(
    app: Flask, client: FormClient, cid: int
) -> None:
    assert add(client, cid, "Keep clinics", "1200000", "£ a year").status_code == 302
    assert add(client, cid, "Hub and spoke").status_code == 302
    duplicate = add(client, cid, "keep CLINICS")
    assert duplicate.status_code == 400 and "already an option" in duplicate.get_data(as_text=True)
    negative = add(client, cid, "Cheap", "-5")
    assert negative.status_code == 400
    ids = option_ids(app, cid)
    page = client.get(f"/facilitate/{cid}/options").get_data(as_text=True)
    assert "1,200,000 £ a year" in page
    removed = client.submit(
        f"/facilitate/{cid}/options/{ids['Hub and spoke']}/delete",
        page=f"/facilitate/{cid}/options",
    )
    assert removed.status_code == 302
    too_few = client.submit(
        f"/facilitate/{cid}/options/appraisal/open",
        {"mode": "pairwise", "synthesis": "distributive"},
        page=f"/facilitate/{cid}/options",
    )
    assert too_few.status_code == 409 and "at least 2 options" in too_few.get_data(as_text=True)
    add(client, cid, "Digital first", "700000", "£ a year")
    bad_mode = client.submit(
        f"/facilitate/{cid}/options/appraisal/open",
        {"mode": "astrology", "synthesis": "distributive"},
        page=f"/facilitate/{cid}/options",
    )
    assert bad_mode.status_code == 400
    opened = client.submit(
        f"/facilitate/{cid}/options/appraisal/open",
        {"mode": "ratings", "synthesis": "ideal"},
        page=f"/facilitate/{cid}/options",
    )
    assert opened.status_code == 302
    late = add(client, cid, "Too late")
    assert late.status_code == 409
    ids = option_ids(app, cid)
    assert (
        client.submit(
            f"/facilitate/{cid}/options/{ids['Keep clinics']}/delete",
            page=f"/facilitate/{cid}/options",
        ).status_code
        == 409
    )
    assert set(option_ids(app, cid)) == {"Keep clinics", "Digital first"}
    with app.app_context():
        logged = {
            e.action
            for e in db.session.scalars(db.select(AuditEvent).filter_by(consultation_id=cid))
        }
        assert {"option.added", "option.removed", "appraisal.opened"} <= logged
    missing = client.submit(
        f"/facilitate/{cid}/options/99999/delete", page=f"/facilitate/{cid}/options"
    )
    assert missing.status_code == 404


def open_pairwise(client: FormClient, cid: int) -> None:
    for name, cost in (
        ("Keep clinics", "1200000"),
        ("Hub and spoke", "900000"),
        ("Digital first", "700000"),
    ):
        add(client, cid, name, cost, "£ a year")
    client.submit(
        f"/facilitate/{cid}/options/appraisal/open",
        {"mode": "pairwise", "synthesis": "distributive"},
        page=f"/facilitate/{cid}/options",
    )


PANEL = {  # (Keep vs Hub, Keep vs Digital, Hub vs Digital) per outcome, per assessor
    "Ana": {
        "Efficiency": ("1/3", "1/5", "1/2"),
        "Equity": ("3", "5", "2"),
        "Prevention": ("1/2", "2", "3"),
    },
    "Bo": {
        "Efficiency": ("1/2", "1/5", "1/3"),
        "Equity": ("2", "7", "3"),
        "Prevention": ("1", "3", "2"),
    },
}


def test_assessors_join_by_link_and_appraise_with_consistency_feedback(
    app: Flask, client: FormClient, cid: int
) -> None:
    open_pairwise(client, cid)
    ids = option_ids(app, cid)
    keep, hub, digital = ids["Keep clinics"], ids["Hub and spoke"], ids["Digital first"]
    with app.app_context():
        outcome_ids = {o.name: o.id for o in db.session.get(Consultation, cid).outcomes}
    for name, answers in PANEL.items():
        path = invite(client, cid, name)
        assessor = app.test_client()
        assessor.__class__ = FormClient
        joined = assessor.submit(path, {"display_name": name})
        assert joined.status_code == 302 and joined.location.endswith(f"/appraise/{cid}/")
        assert assessor.get(f"/appraise/{cid}/").status_code == 200
        for outcome, (kh, kd, hd) in answers.items():
            url = f"/appraise/{cid}/{outcome_ids[outcome]}"
            saved = assessor.submit(
                url,
                {
                    f"pair-{keep}-{hub}": kh,
                    f"pair-{keep}-{digital}": kd,
                    f"pair-{hub}-{digital}": hd,
                },
            )
            assert saved.status_code == 302
        assert assessor.get(f"/facilitate/{cid}/options").status_code == 403
    # An inconsistent outcome: Keep > Hub, Hub > Digital, yet Digital > Keep.
    url = f"/appraise/{cid}/{outcome_ids['Prevention']}"
    assessor.submit(
        url,
        {f"pair-{keep}-{hub}": "5", f"pair-{keep}-{digital}": "1/5", f"pair-{hub}-{digital}": "5"},
    )
    page = assessor.get(url).get_data(as_text=True)
    assert "contradict each other" in page and "fits the rest least" in page
    bad = assessor.submit(url, {f"pair-{keep}-{hub}": "banana"})
    assert bad.status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(OptionJudgment.id))) == 18
        consultation = db.session.get(Consultation, cid)
        # Stakeholders weigh the outcomes; the options report then values the options.
        round_ = consultation.rounds[0]
        for k in range(6):
            member = make_member(
                consultation, group=("Funders", "Service users")[k % 2], name=f"s{k}"
            )
            lean = 5.0 if k % 2 == 0 else 0.2
            add_judgments(
                member,
                round_,
                {
                    ("Efficiency", "Equity"): lean,
                    ("Efficiency", "Prevention"): lean,
                    ("Equity", "Prevention"): 1.0,
                },
            )
        report = service.options_report(round_)
        block = report["options"]
        assert block["names"] == ["Keep clinics", "Hub and spoke", "Digital first"]
        # The same numbers from the exported CSVs through the engine, independently of the DB.
        table = round_table(round_)
        again = analyze(
            table,
            appraisal=read_appraisal_csv(service.appraisal_csv(consultation)),
            seed=consultation.id,
            on_disconnected="skip",
            option_costs={"Keep clinics": 1.2e6, "Hub and spoke": 9e5, "Digital first": 7e5},
        )["options"]
        assert again["overall"]["value"] == pytest.approx(block["overall"]["value"])
        assert again["frontier"] == block["frontier"]
        assert block["groups"]["Funders"]["best"] == "Digital first"
    # Closed: answers are frozen.
    client.submit(f"/facilitate/{cid}/options/appraisal/close", page=f"/facilitate/{cid}/options")
    frozen = assessor.submit(url, {f"pair-{keep}-{hub}": "1"})
    assert frozen.status_code == 409


def test_ratings_are_checked_and_saved(app: Flask, client: FormClient, cid: int) -> None:
    add(client, cid, "Keep clinics")
    add(client, cid, "Digital first")
    client.submit(
        f"/facilitate/{cid}/options/appraisal/open",
        {"mode": "ratings", "synthesis": "distributive"},
        page=f"/facilitate/{cid}/options",
    )
    ids = option_ids(app, cid)
    path = invite(client, cid, "Cy")
    assessor = app.test_client()
    assessor.__class__ = FormClient
    assessor.submit(path, {"display_name": "Cy"})
    with app.app_context():
        equity = next(
            o.id for o in db.session.get(Consultation, cid).outcomes if o.name == "Equity"
        )
    url = f"/appraise/{cid}/{equity}"
    page = assessor.get(url).get_data(as_text=True)
    assert "10 — the most we could hope for" in page
    assert assessor.submit(url, {f"option-{ids['Keep clinics']}": "11"}).status_code == 400
    assert assessor.submit(url, {f"option-{ids['Keep clinics']}": "ten"}).status_code == 400
    assert (
        assessor.submit(
            url, {f"option-{ids['Keep clinics']}": "7", f"option-{ids['Digital first']}": "3"}
        ).status_code
        == 302
    )
    assert assessor.submit(url, {f"option-{ids['Keep clinics']}": "8"}).status_code == 302
    with app.app_context():
        scores = {r.option_id: r.score for r in db.session.scalars(db.select(OptionRating))}
        assert scores == {ids["Keep clinics"]: 8.0, ids["Digital first"]: 3.0}
        csv_text = service.appraisal_csv(db.session.get(Consultation, cid))
        assert csv_text.splitlines()[0] == "assessor,option,outcome,score"


def test_links_and_pages_refuse_the_wrong_people(app: Flask, client: FormClient, cid: int) -> None:
    open_pairwise(client, cid)
    assert client.get(f"/appraise/{cid}/").status_code == 403  # the facilitator is no assessor
    assert client.get("/a/not-a-real-token").status_code == 404
    with app.app_context():
        stakeholder_link = None
        from deliberate.services.invitations import create_invitation

        consultation = db.session.get(Consultation, cid)
        _, stakeholder_link = create_invitation(
            consultation, Role.STAKEHOLDER, consultation.groups[0]
        )
        db.session.commit()
    assert client.get(f"/a/{stakeholder_link}").status_code == 404
    anonymous = app.test_client()
    assert anonymous.get(f"/appraise/{cid}/").status_code == 302


def test_a_used_assessor_link_asks_before_signing_anyone_in(
    app: Flask, client: FormClient, cid: int
) -> None:
    open_pairwise(client, cid)
    path = invite(client, cid, "Cy")
    assessor = app.test_client()
    assessor.__class__ = FormClient
    assert assessor.submit(path, {"display_name": "Cy"}).status_code == 302
    again = assessor.get(path)  # the assessor's own browser goes straight on
    assert again.status_code == 302 and again.location.endswith(f"/appraise/{cid}/")
    other = app.test_client()
    other.__class__ = FormClient
    asked = other.get(path)  # anyone else is asked first, and is not signed in by a GET
    assert asked.status_code == 200 and "This link was used to join already" in asked.text
    assert other.get(f"/appraise/{cid}/").status_code == 302
    assert other.post(path, data={}).status_code == 400  # no CSRF token: refused
    assert other.get(f"/appraise/{cid}/").status_code == 302
    confirmed = other.submit(path, {})
    assert confirmed.status_code == 302 and other.get(f"/appraise/{cid}/").status_code == 200


def test_a_pair_shown_against_the_stored_order_is_saved_and_shown_the_right_way_round(
    app: Flask, client: FormClient, cid: int
) -> None:
    add(client, cid, "First added")
    add(client, cid, "Second added")
    ids = option_ids(app, cid)
    with app.app_context():
        # Show the second-added option first: the pair appears against the id order.
        db.session.get(Option, ids["Second added"]).position = -1
        db.session.commit()
    client.submit(
        f"/facilitate/{cid}/options/appraisal/open",
        {"mode": "pairwise", "synthesis": "distributive"},
        page=f"/facilitate/{cid}/options",
    )
    path = invite(client, cid, "Dee")
    assessor = app.test_client()
    assessor.__class__ = FormClient
    assessor.submit(path, {"display_name": "Dee"})
    with app.app_context():
        equity = next(
            o.id for o in db.session.get(Consultation, cid).outcomes if o.name == "Equity"
        )
    url = f"/appraise/{cid}/{equity}"
    field = f"pair-{ids['Second added']}-{ids['First added']}"
    assert field in assessor.get(url).get_data(as_text=True)
    assert assessor.submit(url, {field: "5"}).status_code == 302
    with app.app_context():
        stored = db.session.scalar(db.select(OptionJudgment))
        assert (stored.option_a_id, stored.option_b_id) == (ids["First added"], ids["Second added"])
        assert stored.value == pytest.approx(1 / 5)
    page = assessor.get(url).get_data(as_text=True)
    assert re.search(r'<option value="5" selected>\s*Second added better: strong \(5\)', page)


def test_an_assessor_link_is_not_a_staff_link(app: Flask, client: FormClient, cid: int) -> None:
    path = invite(client, cid, "Eve")
    token = path.split("/a/")[1]
    refused = client.get(f"/facilitate/accept/{token}")
    assert refused.status_code == 404 and "an assessor&#39;s link" in refused.get_data(as_text=True)
    with app.app_context():
        from deliberate.models import Invitation
        from deliberate.services.people import link_for

        invitation = db.session.scalar(db.select(Invitation).filter_by(role=Role.ASSESSOR))
        assert link_for(invitation, "t0k3n").endswith("/a/t0k3n")

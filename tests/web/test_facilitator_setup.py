"""Setting up a consultation through the facilitator's pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from deliberate.extensions import db
from deliberate.models import (
    AuditEvent,
    Consultation,
    Design,
    Judgment,
    Membership,
    Outcome,
    Role,
    Round,
    StakeholderGroup,
    Status,
    User,
    Weighting,
)
from deliberate.services.consultations import MAX_GROUPS, MAX_OUTCOMES
from tests.conftest import FormClient, login
from tests.factories import add_judgments, make_consultation, make_member

SETTINGS = {
    "title": "Library services 2027",
    "question": "What should the library service prioritise?",
    "description": "",
    "weighting": "groups",
    "anonymity_k": "5",
    "consistency_threshold": "",
    "design": "all",
}


def draft(app: Flask, outcomes: tuple[str, ...] = ("Reach", "Cost", "Quality")) -> int:
    """A draft consultation (no round yet) facilitated by fac@example.org (password pw)."""
    with app.app_context():
        consultation = make_consultation(
            outcomes=outcomes, groups=("Funders", "Staff"), status=Status.DRAFT, open_round=False
        )
        return consultation.id


@pytest.fixture
def cid(app: Flask, client: FormClient) -> int:
    consultation_id = draft(app)
    login(client, "fac@example.org", "pw")
    return consultation_id


def names(app: Flask, cid: int) -> list[str]:
    with app.app_context():
        return [o.name for o in db.session.get(Consultation, cid).outcomes]


def actions(app: Flask, cid: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                db.select(AuditEvent.action).filter_by(consultation_id=cid).order_by(AuditEvent.id)
            )
        )


# --------------------------------------------------------------------------- creating


def test_a_password_user_creates_a_consultation_and_becomes_its_facilitator(
    app: Flask, client: FormClient
) -> None:
    with app.app_context():
        user = User(email="new@example.org", display_name="New")
        user.set_password("pw")
        db.session.add(user)
        db.session.commit()
    login(client, "new@example.org", "pw")
    response = client.submit(
        "/facilitate/new",
        {
            "title": "Parks <b>2027</b>",
            "question": "What matters in our parks?",
            "suggested": ["Funders", "Staff"],
            "other_groups": "Residents\n\n  Dog walkers  \n",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        consultation = db.session.scalar(db.select(Consultation))
        assert consultation.title == "Parks <b>2027</b>"
        assert consultation.status is Status.DRAFT
        assert [g.name for g in consultation.groups] == [
            "Funders",
            "Staff",
            "Residents",
            "Dog walkers",
        ]
        membership = db.session.scalar(db.select(Membership))
        assert (membership.user.email, membership.role) == ("new@example.org", Role.FACILITATOR)
        assert response.headers["Location"] == f"/facilitate/{consultation.id}/setup"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Parks &lt;b&gt;2027&lt;/b&gt;" in page and "<b>2027" not in page
    assert actions(app, consultation.id) == ["consultation.create"]


def test_creating_with_duplicate_groups_saves_nothing(app: Flask, client: FormClient) -> None:
    draft(app)
    login(client, "fac@example.org", "pw")
    response = client.submit(
        "/facilitate/new",
        {"title": "T", "question": "Q", "suggested": ["Staff"], "other_groups": "staff"},
    )
    assert response.status_code == 400
    assert "already a group called" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Consultation.id))) == 1


def test_creating_without_a_title_is_a_400(app: Flask, client: FormClient) -> None:
    draft(app)
    login(client, "fac@example.org", "pw")
    response = client.submit("/facilitate/new", {"title": "", "question": "Q"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Consultation.id))) == 1


def test_a_stakeholder_without_a_password_cannot_create(app: Flask, client: FormClient) -> None:
    with app.app_context():
        consultation = make_consultation()
        member = make_member(consultation)
        user_id = member.user_id
    with client.session_transaction() as session:
        session["_user_id"] = f"{user_id}:0"
        session["_fresh"] = True
    assert client.get("/facilitate/new").status_code == 403


# --------------------------------------------------------------------------- settings


def test_settings_are_saved_and_audited(app: Flask, client: FormClient, cid: int) -> None:
    response = client.submit(
        f"/facilitate/{cid}/setup",
        {**SETTINGS, "consistency_threshold": "0.15", "self_registration": "y"},
    )
    assert response.status_code == 302
    with app.app_context():
        consultation = db.session.get(Consultation, cid)
        assert consultation.title == "Library services 2027"
        assert consultation.weighting is Weighting.GROUPS
        assert consultation.anonymity_k == 5
        assert consultation.consistency_threshold == pytest.approx(0.15)
        code = consultation.registration_code
        assert code and len(code) >= 12
    page = client.get(f"/facilitate/{cid}/setup").get_data(as_text=True)
    assert f"/join/{code}" in page
    assert actions(app, cid)[-1] == "settings.update"
    client.submit(f"/facilitate/{cid}/setup", SETTINGS)  # registration off, threshold blank
    with app.app_context():
        consultation = db.session.get(Consultation, cid)
        assert consultation.registration_code is None
        assert consultation.consistency_threshold is None


def test_the_page_explains_each_weighting_for_fairness(client: FormClient, cid: int) -> None:
    page = client.get(f"/facilitate/{cid}/setup").get_data(as_text=True)
    assert "Every stakeholder counts the same" in page
    assert "Each group counts the same in total" in page
    assert "Each group counts as much as the weight you give it" in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"anonymity_k": "0"}, "Anonymity threshold"),
        ({"anonymity_k": "many"}, "Anonymity threshold"),
        ({"consistency_threshold": "1.5"}, "Consistency threshold"),
        ({"consistency_threshold": "nan"}, "Consistency threshold"),
        ({"weighting": "loudest"}, "Whose voice"),
        ({"design": "reduced"}, "only helps with more than 7 outcomes"),
        ({"title": ""}, "Title"),
        ({"title": "x" * 201}, "Title"),
    ],
)
def test_bad_settings_are_a_400_and_change_nothing(
    app: Flask, client: FormClient, cid: int, change: dict[str, str], message: str
) -> None:
    response = client.submit(f"/facilitate/{cid}/setup", {**SETTINGS, **change})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Consultation, cid).title == "Test consultation"


def test_a_reduced_design_is_accepted_with_more_than_seven_outcomes(
    app: Flask, client: FormClient
) -> None:
    cid = draft(app, tuple(f"Outcome {i}" for i in range(8)))
    login(client, "fac@example.org", "pw")
    with app.app_context():
        consultation = db.session.get(Consultation, cid)
        db.session.add(Round(consultation=consultation, number=1))
        member = make_member(consultation, group="Staff")
        add_judgments(member, consultation.rounds[0], {("Outcome 0", "Outcome 1"): 2})
    locked = client.submit(f"/facilitate/{cid}/setup", {**SETTINGS, "design": "reduced"})
    assert locked.status_code == 409  # not while the open round holds judgments
    with app.app_context():
        db.session.execute(db.delete(Judgment))
        db.session.commit()
    assert (
        client.submit(f"/facilitate/{cid}/setup", {**SETTINGS, "design": "reduced"}).status_code
        == 302
    )
    with app.app_context():
        assert db.session.get(Consultation, cid).design is Design.REDUCED


# --------------------------------------------------------------------------- outcomes


def test_outcomes_are_added_edited_moved_and_removed(
    app: Flask, client: FormClient, cid: int
) -> None:
    add = client.submit(
        f"/facilitate/{cid}/outcomes",
        {"new-outcome-name": "Equity", "new-outcome-description": "Fair access."},
    )
    assert add.status_code == 302
    assert names(app, cid) == ["Reach", "Cost", "Quality", "Equity"]
    with app.app_context():
        ids = {o.name: o.id for o in db.session.get(Consultation, cid).outcomes}
    up = client.submit(f"/facilitate/{cid}/outcomes/{ids['Equity']}/move", {"direction": "up"})
    assert up.status_code == 302
    assert names(app, cid) == ["Reach", "Cost", "Equity", "Quality"]
    client.submit(f"/facilitate/{cid}/outcomes/{ids['Reach']}/move", {"direction": "down"})
    assert names(app, cid) == ["Cost", "Reach", "Equity", "Quality"]
    edit = client.submit(
        f"/facilitate/{cid}/outcomes/{ids['Cost']}",
        {
            f"outcome-{ids['Cost']}-name": "Value for money",
            f"outcome-{ids['Cost']}-description": "",
        },
    )
    assert edit.status_code == 302
    assert client.submit(f"/facilitate/{cid}/outcomes/{ids['Reach']}/delete").status_code == 302
    assert names(app, cid) == ["Value for money", "Equity", "Quality"]
    with app.app_context():
        positions = [o.position for o in db.session.get(Consultation, cid).outcomes]
        assert positions == sorted(positions)
    assert actions(app, cid) == [
        "outcome.add",
        "outcome.move",
        "outcome.move",
        "outcome.update",
        "outcome.remove",
    ]


def test_move_buttons_work_without_javascript(client: FormClient, cid: int) -> None:
    page = client.get(f"/facilitate/{cid}/setup").get_data(as_text=True)
    assert 'name="direction" value="up"' in page
    assert 'aria-label="Move Reach up"' in page


@pytest.mark.parametrize(
    ("data", "message", "status"),
    [
        ({"new-outcome-name": ""}, "Name", 400),
        ({"new-outcome-name": "x" * 81}, "Name", 400),
        ({"new-outcome-name": "reach"}, "already an outcome called", 400),
    ],
)
def test_bad_outcomes_are_refused(
    app: Flask, client: FormClient, cid: int, data: dict[str, str], message: str, status: int
) -> None:
    response = client.submit(f"/facilitate/{cid}/outcomes", data)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert names(app, cid) == ["Reach", "Cost", "Quality"]


def test_moving_the_first_outcome_up_is_a_400(app: Flask, client: FormClient, cid: int) -> None:
    with app.app_context():
        first = db.session.get(Consultation, cid).outcomes[0].id
    response = client.submit(f"/facilitate/{cid}/outcomes/{first}/move", {"direction": "up"})
    assert response.status_code == 400
    assert "already first" in response.get_data(as_text=True)
    bad = client.submit(f"/facilitate/{cid}/outcomes/{first}/move", {"direction": "sideways"})
    assert bad.status_code == 400


def test_at_most_thirty_outcomes(app: Flask, client: FormClient) -> None:
    cid = draft(app, tuple(f"Outcome {i}" for i in range(MAX_OUTCOMES)))
    login(client, "fac@example.org", "pw")
    response = client.submit(f"/facilitate/{cid}/outcomes", {"new-outcome-name": "One more"})
    assert response.status_code == 400
    assert f"at most {MAX_OUTCOMES} outcomes" in response.get_data(as_text=True)
    assert len(names(app, cid)) == MAX_OUTCOMES


def test_another_consultations_outcome_is_a_404(app: Flask, client: FormClient, cid: int) -> None:
    with app.app_context():
        other = make_consultation(title="Other", facilitator_email=None)
        foreign = other.outcomes[0].id
    response = client.submit(
        f"/facilitate/{cid}/outcomes/{foreign}/delete", page=f"/facilitate/{cid}/setup"
    )
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Outcome, foreign) is not None


# --------------------------------------------------------------------------- groups


def test_groups_are_added_weighted_and_removed(app: Flask, client: FormClient, cid: int) -> None:
    response = client.submit(
        f"/facilitate/{cid}/groups",
        {"new-group-name": "Service users", "new-group-weight": "2"},
    )
    assert response.status_code == 302
    with app.app_context():
        groups = {g.name: g for g in db.session.get(Consultation, cid).groups}
        assert groups["Service users"].weight == 2
        staff = groups["Staff"].id
    edit = client.submit(
        f"/facilitate/{cid}/groups/{staff}",
        {f"group-{staff}-name": "Front-line staff", f"group-{staff}-weight": "1.5"},
    )
    assert edit.status_code == 302
    assert client.submit(f"/facilitate/{cid}/groups/{staff}/delete").status_code == 302
    with app.app_context():
        assert [g.name for g in db.session.get(Consultation, cid).groups] == [
            "Funders",
            "Service users",
        ]
    assert actions(app, cid) == ["group.add", "group.update", "group.remove"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"new-group-name": ""}, "Name"),
        ({"new-group-name": "g" * 81}, "Name"),
        ({"new-group-name": "FUNDERS"}, "already a group called"),
        ({"new-group-name": "Board", "new-group-weight": "-1"}, "Weight"),
    ],
)
def test_bad_groups_are_a_400(
    app: Flask, client: FormClient, cid: int, data: dict[str, str], message: str
) -> None:
    response = client.submit(f"/facilitate/{cid}/groups", data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.get(Consultation, cid).groups) == 2


def test_at_most_twenty_groups(app: Flask, client: FormClient, cid: int) -> None:
    with app.app_context():
        for i in range(MAX_GROUPS - 2):
            db.session.add(StakeholderGroup(consultation_id=cid, name=f"Group {i}"))
        db.session.commit()
    response = client.submit(f"/facilitate/{cid}/groups", {"new-group-name": "One more"})
    assert response.status_code == 400
    assert f"at most {MAX_GROUPS} groups" in response.get_data(as_text=True)


def test_a_group_with_members_cannot_be_removed(app: Flask, client: FormClient, cid: int) -> None:
    with app.app_context():
        consultation = db.session.get(Consultation, cid)
        make_member(consultation, group="Staff")
        staff = consultation.groups[1].id
    response = client.submit(
        f"/facilitate/{cid}/groups/{staff}/delete", page=f"/facilitate/{cid}/setup"
    )
    assert response.status_code == 409
    assert "1 member(s)" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(StakeholderGroup, staff) is not None


# --------------------------------------------------------------------------- the lock


def _open_with_a_judgment(app: Flask) -> int:
    with app.app_context():
        consultation = make_consultation(outcomes=("A", "B", "C"), groups=("G", "H"))
        member = make_member(consultation, group="G")
        add_judgments(member, consultation.rounds[0], {("A", "B"): 3})
        return consultation.id


def test_outcomes_and_groups_are_fixed_once_the_open_round_has_judgments(
    app: Flask, client: FormClient
) -> None:
    cid = _open_with_a_judgment(app)
    login(client, "fac@example.org", "pw")
    page = client.get(f"/facilitate/{cid}/setup").get_data(as_text=True)
    assert "Outcomes and groups are fixed for now" in page
    assert "Copy this consultation" in page
    assert "Add an outcome" not in page
    with app.app_context():
        consultation = db.session.get(Consultation, cid)
        a, h = consultation.outcomes[0].id, consultation.groups[1].id
    setup = f"/facilitate/{cid}/setup"
    refused = [
        client.submit(f"/facilitate/{cid}/outcomes", {"new-outcome-name": "D"}, page=setup),
        client.submit(f"/facilitate/{cid}/outcomes/{a}", {f"outcome-{a}-name": "Z"}, page=setup),
        client.submit(f"/facilitate/{cid}/outcomes/{a}/move", {"direction": "down"}, page=setup),
        client.submit(f"/facilitate/{cid}/outcomes/{a}/delete", page=setup),
        client.submit(f"/facilitate/{cid}/groups", {"new-group-name": "I"}, page=setup),
        client.submit(f"/facilitate/{cid}/groups/{h}/delete", page=setup),
    ]
    assert [r.status_code for r in refused] == [409] * 6
    assert "Close the round and start a new one" in refused[0].get_data(as_text=True)
    assert names(app, cid) == ["A", "B", "C"]
    weight = client.submit(
        f"/facilitate/{cid}/groups/{h}",
        {f"group-{h}-name": "H", f"group-{h}-weight": "3"},
        page=setup,
    )
    assert weight.status_code == 302  # weights may still change
    with app.app_context():
        assert db.session.get(StakeholderGroup, h).weight == 3
    settings = client.submit(setup, {**SETTINGS, "weighting": "custom"})
    assert settings.status_code == 302  # so may the weighting


def test_a_closed_rounds_outcome_cannot_be_removed_in_the_next_round(
    app: Flask, client: FormClient
) -> None:
    cid = _open_with_a_judgment(app)
    login(client, "fac@example.org", "pw")
    client.submit(
        f"/facilitate/{cid}/rounds/close", {"confirm": "yes"}, page=f"/facilitate/{cid}/rounds"
    )
    client.submit(f"/facilitate/{cid}/rounds/new", page=f"/facilitate/{cid}/rounds")
    with app.app_context():
        a = db.session.get(Consultation, cid).outcomes[0].id
    assert (
        client.submit(
            f"/facilitate/{cid}/outcomes",
            {"new-outcome-name": "D"},
            page=f"/facilitate/{cid}/setup",
        ).status_code
        == 302
    )
    removed = client.submit(
        f"/facilitate/{cid}/outcomes/{a}/delete", page=f"/facilitate/{cid}/setup"
    )
    assert removed.status_code == 409
    assert "judged in an earlier round" in removed.get_data(as_text=True)


def test_copy_keeps_settings_outcomes_and_groups_but_no_people(
    app: Flask, client: FormClient
) -> None:
    cid = _open_with_a_judgment(app)
    with app.app_context():
        consultation = db.session.get(Consultation, cid)
        consultation.weighting = Weighting.CUSTOM
        consultation.groups[0].weight = 2.0
        consultation.registration_code = "original-code"
        db.session.commit()
    login(client, "fac@example.org", "pw")
    response = client.submit(f"/facilitate/{cid}/copy", page=f"/facilitate/{cid}/setup")
    assert response.status_code == 302
    with app.app_context():
        copy = db.session.scalar(db.select(Consultation).where(Consultation.id != cid))
        assert response.headers["Location"] == f"/facilitate/{copy.id}/setup"
        assert copy.title == "Test consultation (copy)"
        assert copy.status is Status.DRAFT and copy.rounds == []
        assert copy.weighting is Weighting.CUSTOM
        assert [o.name for o in copy.outcomes] == ["A", "B", "C"]
        assert [(g.name, g.weight) for g in copy.groups] == [("G", 2.0), ("H", None)]
        assert [m.role for m in copy.memberships] == [Role.FACILITATOR]
        assert copy.registration_code not in (None, "original-code")
    assert actions(app, cid)[-1] == "consultation.copy"


# --------------------------------------------------------------------------- pages


def test_overview_links_to_every_part(client: FormClient, cid: int) -> None:
    page = client.get(f"/facilitate/{cid}/").get_data(as_text=True)
    for path in ("setup", "people", "rounds", "participation", "audit", "map"):
        assert f'href="/facilitate/{cid}/{path}"' in page


def test_the_index_links_to_each_consultation(client: FormClient, cid: int) -> None:
    page = client.get("/facilitate/").get_data(as_text=True)
    assert f'href="/facilitate/{cid}/"' in page
    assert 'href="/facilitate/new"' in page


def test_audit_log_lists_changes_with_who_made_them(
    app: Flask, client: FormClient, cid: int
) -> None:
    client.submit(
        f"/facilitate/{cid}/outcomes",
        {"new-outcome-name": "<script>x</script>"},
        page=f"/facilitate/{cid}/setup",
    )
    page = client.get(f"/facilitate/{cid}/audit").get_data(as_text=True)
    assert "outcome.add" in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x" not in page
    assert "Facilitator" in page
    assert client.get(f"/facilitate/{cid}/audit?page=0").status_code == 400


# --------------------------------------------------------------------------- who may


ROUTES: list[tuple[str, str]] = [
    ("GET", "/facilitate/{cid}/"),
    ("GET", "/facilitate/{cid}/setup"),
    ("POST", "/facilitate/{cid}/setup"),
    ("POST", "/facilitate/{cid}/copy"),
    ("POST", "/facilitate/{cid}/outcomes"),
    ("POST", "/facilitate/{cid}/outcomes/{oid}"),
    ("POST", "/facilitate/{cid}/outcomes/{oid}/move"),
    ("POST", "/facilitate/{cid}/outcomes/{oid}/delete"),
    ("POST", "/facilitate/{cid}/groups"),
    ("POST", "/facilitate/{cid}/groups/{gid}"),
    ("POST", "/facilitate/{cid}/groups/{gid}/delete"),
    ("GET", "/facilitate/{cid}/rounds"),
    ("POST", "/facilitate/{cid}/rounds/open"),
    ("POST", "/facilitate/{cid}/rounds/close"),
    ("POST", "/facilitate/{cid}/rounds/new"),
    ("GET", "/facilitate/{cid}/participation"),
    ("GET", "/facilitate/{cid}/audit"),
    ("GET", "/facilitate/{cid}/people"),
    ("POST", "/facilitate/{cid}/people/invite"),
    ("POST", "/facilitate/{cid}/people/import"),
    ("POST", "/facilitate/{cid}/people/links.csv"),
    ("POST", "/facilitate/{cid}/people/{iid}/reissue"),
    ("POST", "/facilitate/{cid}/people/{iid}/revoke"),
]


@pytest.fixture
def target(app: Flask) -> dict[str, Any]:
    """A consultation with an outcome, a group, an invitation; and people who must be refused."""
    from deliberate.services.invitations import create_invitation

    with app.app_context():
        consultation = make_consultation(title="Target")
        invitation, _ = create_invitation(consultation, Role.STAKEHOLDER, consultation.groups[0])
        db.session.commit()
        other = make_consultation(title="Elsewhere", facilitator_email="other@example.org")
        make_member(consultation, Role.BOARD, email="board@example.org")
        make_member(consultation, Role.STAKEHOLDER, email="member@example.org")
        del other
        return {
            "cid": consultation.id,
            "oid": consultation.outcomes[0].id,
            "gid": consultation.groups[0].id,
            "iid": invitation.id,
        }


@pytest.mark.parametrize("email", ["other@example.org", "board@example.org", "member@example.org"])
def test_only_this_consultations_facilitators_get_in(
    app: Flask, client: FormClient, target: dict[str, Any], email: str
) -> None:
    login(client, email, "pw")
    for method, route in ROUTES:
        url = route.format(**target)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.submit(url, {"direction": "up"}, page="/my")
        assert response.status_code == 403, (method, url)
    assert actions(app, target["cid"]) == []
    with app.app_context():
        consultation = db.session.get(Consultation, target["cid"])
        assert consultation.title == "Target" and len(consultation.outcomes) == 3
        assert consultation.rounds[0].closed_at is None


@pytest.mark.parametrize(("method", "route"), ROUTES[:3])
def test_signed_out_people_are_sent_to_sign_in(
    client: FormClient, target: dict[str, Any], method: str, route: str
) -> None:
    response = client.open(route.format(**target), method=method)
    assert response.status_code in (302, 400)  # GET redirects; a POST lacks its CSRF token
    if method == "GET":
        assert response.headers["Location"].startswith("/login")


def test_a_missing_consultation_is_a_404(client: FormClient, cid: int) -> None:
    assert client.get(f"/facilitate/{cid + 999}/setup").status_code == 404


def test_a_refused_outcome_leaves_the_settings_form_showing_what_is_saved(
    app: Flask, client: FormClient, cid: int
) -> None:
    client.submit(f"/facilitate/{cid}/setup", {**SETTINGS, "self_registration": "y"})
    response = client.submit(f"/facilitate/{cid}/outcomes", {"new-outcome-name": "reach"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="Library services 2027"' in body
    assert re.search(r'<input[^>]* checked [^>]*name="self_registration"', body)
    assert re.search(r'<input[^>]* checked [^>]*value="groups"', body)

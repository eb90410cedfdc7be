"""Every route of the app, visited by every kind of person, answers with the status it should.

The table below is the authorisation policy written down: one row per endpoint, one
status per role. A route missing from it fails the test, so no new route goes unchecked.
GET routes are fetched; POST routes are sent a valid CSRF token and an empty form (or an
empty JSON object for the API), so the answer is the authorisation decision or a
validation error, never a crash. Every answer must carry the security headers too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import Rule

from tests.conftest import FormClient
from tests.security.conftest import (
    REGISTRATION_CODE,
    ROLES,
    World,
    api_headers,
    assert_protected,
    visitor,
)

# Columns, in ROLES order:
#   anon = anonymous visitor                stake = stakeholder of the demo
#   o_st = stakeholder of another consult.  fac   = the demo's facilitator
#   o_fa = another consultation's facil.    board = the demo's board member
#   link = holder of a read-only summary link (no account)
# 302 from anonymous people is the redirect to sign in; other 302s and 200s are successes.
MATRIX: dict[str, dict[str, tuple[int, ...]]] = {
    # Public: home, sign-in, joining by link or code, the API's description, static files.
    "auth.home": {"GET": (200, 302, 302, 302, 302, 302, 200)},
    # An empty sign-in or joining form is shown again with its errors (200).
    "auth.login": {
        "GET": (200, 200, 200, 200, 200, 200, 200),
        "POST": (200, 200, 200, 200, 200, 200, 200),
    },
    "static": {"GET": (200, 200, 200, 200, 200, 200, 200)},
    "api_docs.docs": {"GET": (200, 200, 200, 200, 200, 200, 200)},
    "api.health": {"GET": (200, 200, 200, 200, 200, 200, 200)},
    "api.openapi": {"GET": (200, 200, 200, 200, 200, 200, 200)},
    # Joining or registering with an empty name is a 400 with the form shown again.
    "stakeholder.join": {
        "GET": (200, 200, 200, 200, 200, 200, 200),
        "POST": (400, 400, 400, 400, 400, 400, 400),
    },
    "stakeholder.join_by_code": {
        "GET": (200, 200, 200, 200, 200, 200, 200),
        "POST": (200, 200, 200, 200, 200, 200, 200),
    },
    "stakeholder.register": {
        "GET": (200, 200, 200, 200, 200, 200, 200),
        "POST": (400, 400, 400, 400, 400, 400, 400),
    },
    # A staff invitation link: accepting it signs up or adds a membership (302); 409 for
    # people already in the consultation; 400 for an empty new-account form.
    "facilitator.accept": {
        "GET": (200, 200, 200, 200, 200, 200, 200),
        "POST": (400, 400, 400, 409, 302, 409, 400),
    },
    # Anyone signed in: their own lists, tokens and sign-out (each lists only their own).
    "auth.logout": {"POST": (302, 302, 302, 302, 302, 302, 302)},
    # API tokens and password changes: people with a password (facilitators, board members).
    "auth.tokens": {
        "GET": (302, 403, 403, 200, 200, 200, 302),
        "POST": (302, 403, 403, 400, 400, 400, 302),
    },
    "auth.password": {
        "GET": (302, 404, 404, 200, 200, 200, 302),
        "POST": (302, 404, 404, 400, 400, 400, 302),
    },
    "auth.revoke": {"POST": (302, 404, 404, 302, 404, 404, 302)},
    "stakeholder.index": {"GET": (302, 200, 200, 200, 200, 200, 302)},
    "board.index": {"GET": (302, 200, 200, 200, 200, 200, 302)},
    "facilitator.index": {"GET": (302, 200, 200, 200, 200, 200, 302)},
    # Creating a consultation needs an account with a password (not an invited stakeholder).
    "facilitator.new": {
        "GET": (302, 403, 403, 200, 200, 200, 302),
        "POST": (302, 403, 403, 400, 400, 400, 302),
    },
    # The demo's stakeholders only.
    "stakeholder.compare": {"GET": (302, 200, 403, 403, 403, 403, 302)},
    "stakeholder.summary": {"GET": (302, 200, 403, 403, 403, 403, 302)},
    "stakeholder.save": {"POST": (302, 400, 403, 403, 403, 403, 302)},
    "stakeholder.copy_previous": {"POST": (302, 303, 403, 403, 403, 403, 302)},
    "stakeholder.finish": {"POST": (302, 303, 403, 403, 403, 403, 302)},
    # The demo's board members and facilitators read summaries; only facilitators change them.
    "board.latest": {"GET": (302, 403, 403, 200, 403, 200, 302)},
    "board.summary": {"GET": (302, 403, 403, 200, 403, 200, 302)},
    "board.summary_pdf": {"GET": (302, 403, 403, 200, 403, 200, 302)},
    "board.save_note": {"POST": (302, 403, 403, 302, 403, 403, 302)},
    "board.feature": {"POST": (302, 403, 403, 400, 403, 403, 302)},
    "board.create_link": {"POST": (302, 403, 403, 200, 403, 403, 302)},
    "board.revoke_link": {"POST": (302, 403, 403, 302, 403, 403, 302)},
    # Whoever holds a read-only link (the token is in the URL, so every column holds it).
    "share.shared": {"GET": (200, 200, 200, 200, 200, 200, 200)},
    "share.shared_pdf": {"GET": (200, 200, 200, 200, 200, 200, 200)},
    # The API: a bearer token of a member of the demo; judgments for facilitators only.
    "api.consultations": {"GET": (401, 200, 200, 200, 200, 200, 401)},
    "api.consultation": {"GET": (401, 200, 403, 200, 403, 200, 401)},
    "api.groups": {"GET": (401, 200, 403, 200, 403, 200, 401)},
    "api.outcomes": {"GET": (401, 200, 403, 200, 403, 200, 401)},
    "api.rounds": {"GET": (401, 200, 403, 200, 403, 200, 401)},
    "api.round_detail": {"GET": (401, 200, 403, 200, 403, 200, 401)},
    "api.judgments": {"GET": (401, 403, 403, 200, 403, 403, 401)},
    "api.results": {"GET": (401, 200, 403, 200, 403, 200, 401)},
    "api.submit_judgments": {"POST": (401, 400, 403, 400, 403, 403, 401)},
    "api.options": {"GET": (401, 200, 403, 200, 403, 200, 401)},
    "api.appraisal": {"GET": (401, 403, 403, 200, 403, 403, 401)},
    # The demo's facilitators only.
    "facilitator.overview": {"GET": (302, 403, 403, 200, 403, 403, 302)},
    "facilitator.audit": {"GET": (302, 403, 403, 200, 403, 403, 302)},
    "facilitator.export_judgments": {"GET": (302, 403, 403, 200, 403, 403, 302)},
    "facilitator.export_results": {"GET": (302, 403, 403, 200, 403, 403, 302)},
    "facilitator.map": {"GET": (302, 403, 403, 200, 403, 403, 302)},
    "facilitator.map_chart": {"GET": (302, 403, 403, 200, 403, 403, 302)},
    "facilitator.pair": {"GET": (302, 403, 403, 200, 403, 403, 302)},
    "facilitator.participation": {"GET": (302, 403, 403, 200, 403, 403, 302)},
    "facilitator.participation_live": {"GET": (302, 403, 403, 200, 403, 403, 302)},
    "facilitator.people_page": {"GET": (302, 403, 403, 200, 403, 403, 302)},
    "facilitator.rounds_page": {"GET": (302, 403, 403, 200, 403, 403, 302)},
    "facilitator.import_judgments_page": {
        "GET": (302, 403, 403, 200, 403, 403, 302),
        "POST": (302, 403, 403, 400, 403, 403, 302),
    },
    "facilitator.compare": {"GET": (302, 403, 403, 200, 403, 403, 302)},
    "facilitator.compare_chart": {"GET": (302, 403, 403, 200, 403, 403, 302)},
    "facilitator.setup": {"GET": (302, 403, 403, 200, 403, 403, 302)},
    "facilitator.copy": {"POST": (302, 403, 403, 302, 403, 403, 302)},
    "facilitator.add_group": {"POST": (302, 403, 403, 400, 403, 403, 302)},
    "facilitator.edit_group": {"POST": (302, 403, 403, 400, 403, 403, 302)},
    "facilitator.remove_group": {"POST": (302, 403, 403, 409, 403, 403, 302)},
    "facilitator.add_outcome": {"POST": (302, 403, 403, 400, 403, 403, 302)},
    "facilitator.edit_outcome": {"POST": (302, 403, 403, 400, 403, 403, 302)},
    "facilitator.remove_outcome": {"POST": (302, 403, 403, 409, 403, 403, 302)},
    "facilitator.move_outcome": {"POST": (302, 403, 403, 400, 403, 403, 302)},
    "facilitator.reissue": {"POST": (302, 403, 403, 200, 403, 403, 302)},
    "facilitator.revoke": {"POST": (302, 403, 403, 302, 403, 403, 302)},
    "facilitator.remove_member": {"POST": (302, 403, 403, 302, 403, 403, 302)},
    "facilitator.remind": {"POST": (302, 403, 403, 200, 403, 403, 302)},
    "facilitator.import_people": {"POST": (302, 403, 403, 400, 403, 403, 302)},
    "facilitator.invite": {"POST": (302, 403, 403, 400, 403, 403, 302)},
    "facilitator.links_csv": {"POST": (302, 403, 403, 200, 403, 403, 302)},
    "facilitator.mail_job": {"GET": (302, 403, 403, 404, 403, 403, 302)},  # no such job
    "facilitator.round_action": {"POST": (302, 403, 403, 409, 403, 403, 302)},
    "facilitator.save_settings": {"POST": (302, 403, 403, 400, 403, 403, 302)},
    # Options: the demo's facilitators; its appraisal is closed, so its options are fixed
    # (409) and empty forms are refused (400).
    "facilitator.options_page": {"GET": (302, 403, 403, 200, 403, 403, 302)},
    "facilitator.appraisal_csv": {"GET": (302, 403, 403, 200, 403, 403, 302)},
    "facilitator.add_option": {"POST": (302, 403, 403, 400, 403, 403, 302)},
    "facilitator.remove_option": {"POST": (302, 403, 403, 409, 403, 403, 302)},
    "facilitator.open_appraisal": {"POST": (302, 403, 403, 400, 403, 403, 302)},
    "facilitator.close_appraisal": {"POST": (302, 403, 403, 409, 403, 403, 302)},
    "facilitator.set_synthesis": {"POST": (302, 403, 403, 400, 403, 403, 302)},
    "facilitator.invite_assessor": {"POST": (302, 403, 403, 400, 403, 403, 302)},
    # An assessor's invitation link works for anyone who holds it (an empty form is shown
    # again, 200); the appraisal pages are for the consultation's assessors only.
    "assessor.join": {
        "GET": (200, 200, 200, 200, 200, 200, 200),
        "POST": (200, 200, 200, 200, 200, 200, 200),
    },
    "assessor.index": {"GET": (302, 403, 403, 403, 403, 403, 302)},
    "assessor.outcome": {"GET": (302, 403, 403, 403, 403, 403, 302)},
    "assessor.save": {"POST": (302, 403, 403, 403, 403, 403, 302)},
}


def url_arguments(rule: Rule, world: World) -> dict[str, Any]:
    """Values for the rule's placeholders, taken from the world."""
    number = (
        2 if rule.endpoint in {"api.submit_judgments", "facilitator.import_judgments_page"} else 1
    )
    tokens = {
        "stakeholder.join": world.fresh_token,
        "facilitator.accept": world.staff_token,
        "share.shared": world.share_token,
        "share.shared_pdf": world.share_token,
        "assessor.join": world.assessor_token,
    }
    values: dict[str, Any] = {
        "cid": world.demo_id,
        "consultation_id": world.demo_id,
        "number": number,
        "gid": world.group_id,
        "oid": world.outcome_ids[0],
        "outcome_id": world.outcome_ids[0],
        "option_id": world.option_ids[0],
        "iid": world.invitation_id,
        "mid": world.member_id,
        "link_id": world.link_id,
        "first_id": world.outcome_ids[0],
        "second_id": world.outcome_ids[1],
        "name": "conflict",
        "action": "open",
        "code": REGISTRATION_CODE,
        "token_id": world.spare_api_token_id,
        "filename": "css/style.css",
        "token": tokens.get(rule.endpoint),
    }
    return {name: values[name] for name in rule.arguments}


def visits(app: Flask) -> list[tuple[str, Rule]]:
    """(method, rule) for every route: GETs first, then POSTs, in a fixed order."""
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, rule))
    # Signing out ends every session of the person: it comes last.
    last = {"auth.logout"}
    return sorted(
        found, key=lambda item: (item[0] != "GET", item[1].endpoint in last, item[1].rule, item[0])
    )


def unlisted(app: Flask) -> list[str]:
    """Why each route without an entry in the matrix fails the test."""
    return [
        f"new route {rule.endpoint} ({method} {rule.rule}) has no entry in the authorisation matrix"
        for method, rule in visits(app)
        if method not in MATRIX.get(rule.endpoint, {})
    ]


def wrong_answers(
    app: Flask,
    world: World,
    client: FormClient,
    headers: dict[str, Any],
    role: str,
    expected: Callable[[str, str], int],
) -> list[str]:
    """Visit every route as ``client`` (each request from its signed-in session, ``headers``
    on the API) and check each answer is protected; the routes whose status is not
    ``expected(endpoint, method)``, one line each. A 500 fails at once."""
    csrf = client.csrf_token("/login")
    session = client.get_cookie("session")
    with app.test_request_context():
        planned = [
            (method, rule, rule.build(url_arguments(rule, world), append_unknown=False)[1])
            for method, rule in visits(app)
        ]
    wrong = []
    for method, rule, url in planned:
        # Every request starts from the signed-in session: a form that signs someone
        # else in (joining, accepting) or out must not change who makes the next one.
        if session:
            client.set_cookie("session", session.value)
        else:
            client.delete_cookie("session")
        if method == "GET":
            response = client.get(url, headers=headers)
        elif rule.rule.startswith("/api/"):
            response = client.post(url, json={}, headers=headers)
        else:
            response = client.post(url, data={"csrf_token": csrf})
        text = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        assert_protected(url, response.headers, response.mimetype, text)
        response.close()
        assert response.status_code != 500, f"{method} {url} as {role}: 500"
        want = expected(rule.endpoint, method)
        if response.status_code != want:
            wrong.append(f"{method} {url} ({rule.endpoint}): {response.status_code}, not {want}")
    return wrong


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_the_matrix_says(
    world_app: Flask, world: World, role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Who may fetch a PDF is the question here, not Chromium's speed.
    monkeypatch.setattr("deliberate.services.pdf.html_to_pdf", lambda html, **_: b"%PDF-1.7 test")
    client = visitor(world_app, world, role)
    if role == "link_holder":
        assert client.get(f"/s/{world.share_token}").status_code == 200
    missing = unlisted(world_app)
    assert not missing, "\n".join(missing)
    column = ROLES.index(role)
    wrong = wrong_answers(
        world_app, world, client, api_headers(world, role), role,
        lambda endpoint, method: MATRIX[endpoint][method][column],
    )  # fmt: skip
    assert not wrong, f"as {role}:\n" + "\n".join(wrong)


def test_a_route_added_without_an_entry_is_reported(world_app: Flask) -> None:
    assert unlisted(world_app) == []
    world_app.add_url_rule("/reports/<int:cid>", "reports.show", lambda cid: "")
    assert unlisted(world_app) == [
        "new route reports.show (GET /reports/<int:cid>) has no entry in the authorisation matrix"
    ]


def test_anonymous_visitors_are_sent_to_sign_in_and_api_clients_get_a_problem(
    world_app: Flask, world: World
) -> None:
    client = world_app.test_client()
    page = client.get(f"/facilitate/{world.demo_id}/")
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/login?next=")
    api = client.get(f"/api/v1/consultations/{world.demo_id}")
    assert api.status_code == 401
    assert api.mimetype == "application/problem+json"
    assert api.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_session_cookie_does_not_open_the_api(world_app: Flask, world: World) -> None:
    client = visitor(world_app, world, "facilitator")
    assert client.get(f"/facilitate/{world.demo_id}/").status_code == 200
    assert client.get(f"/api/v1/consultations/{world.demo_id}").status_code == 401


def test_a_read_only_token_cannot_submit_judgments(world_app: Flask, world: World) -> None:
    with world_app.app_context():
        from deliberate.extensions import db
        from deliberate.models import Scope, User
        from deliberate.services.tokens import create_token

        user = db.session.scalar(db.select(User).filter_by(email="facilitator@example.org"))
        _, secret = create_token(user, "read only", Scope.READ)
    response = world_app.test_client().post(
        f"/api/v1/consultations/{world.demo_id}/rounds/2/judgments",
        json={"judgments": []},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 403


def test_every_form_refuses_a_post_without_its_csrf_token(world_app: Flask, world: World) -> None:
    client = visitor(world_app, world, "facilitator")
    with world_app.test_request_context():
        posts = [
            rule.build(url_arguments(rule, world), append_unknown=False)[1]
            for method, rule in visits(world_app)
            if method == "POST" and not rule.rule.startswith("/api/")
        ]
    assert len(posts) >= 30
    for url in posts:
        response = client.post(url, data={"name": "Forged", "note": "Forged"})
        assert response.status_code == 400, url
        assert "security token" in response.get_data(as_text=True), url
    # Nothing was changed on the way: the facilitator is still signed in, the note unchanged.
    page = client.get(f"/board/{world.demo_id}/rounds/1").get_data(as_text=True)
    assert "Forged" not in page


def test_another_consultation_is_forbidden_and_a_missing_one_not_found(
    world_app: Flask, world: World
) -> None:
    client = visitor(world_app, world, "facilitator")
    headers = api_headers(world, "facilitator")
    with world_app.test_request_context():
        gets = [
            rule
            for method, rule in visits(world_app)
            if method == "GET" and {"cid", "consultation_id"} & set(rule.arguments)
        ]
        urls = {}
        for rule in gets:
            arguments = url_arguments(rule, world)
            for name, cid in (("other", world.other_id), ("missing", 999_999)):
                key = "cid" if "cid" in arguments else "consultation_id"
                urls[rule.endpoint, name] = rule.build({**arguments, key: cid})[1]
    assert len(gets) >= 25
    for (endpoint, name), url in urls.items():
        status = client.get(url, headers=headers).status_code
        assert status == {"other": 403, "missing": 404}[name], f"{url} ({endpoint}): {status}"

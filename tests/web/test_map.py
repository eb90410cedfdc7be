"""The facilitator's disagreement map, pair reasons, round comparison and exports."""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from flask import Flask
from markupsafe import escape

from deliberate.analyze import analyze_command
from deliberate.demo import FACILITATOR_EMAIL
from deliberate.engine import to_json
from deliberate.extensions import db
from deliberate.models import Consultation, Judgment, Membership, Role, StakeholderGroup, User
from deliberate.services.insight import GLOSSARY
from deliberate.services.results import round_report
from deliberate.stakeholder import voting
from tests.conftest import FormClient, login
from tests.factories import add_judgments, make_consultation, make_member

SVG = "{http://www.w3.org/2000/svg}"
#: Saaty's random index for n = 7 (Saaty 1980), as the engine reports it uses.
RI_7 = 1.32


def pages(cid: int) -> list[str]:
    return [
        f"/facilitate/{cid}/map",
        f"/facilitate/{cid}/map?round=1&exclude_inconsistent=1",
        f"/facilitate/{cid}/map/pairs/1-2?round=1",
        f"/facilitate/{cid}/map/conflict.svg?round=1",
        f"/facilitate/{cid}/map/priorities.svg?round=1",
        f"/facilitate/{cid}/map/participants.svg?round=1",
        f"/facilitate/{cid}/rounds/compare",
        f"/facilitate/{cid}/rounds/compare/consensus.svg",
        f"/facilitate/{cid}/export/judgments.csv?round=1",
        f"/facilitate/{cid}/export/results.json?round=1",
    ]


def demo_stakeholders(cid: int) -> list[Membership]:
    return list(
        db.session.scalars(
            db.select(Membership).filter_by(consultation_id=cid, role=Role.STAKEHOLDER)
        )
    )


# --------------------------------------------------------------------------- access


def test_only_this_consultations_facilitators_get_in(
    app: Flask, client: FormClient, demo: int
) -> None:
    with app.app_context():
        other = make_consultation(title="Another", facilitator_email="other@example.org")
        make_member(other, Role.FACILITATOR, email="second@example.org")
        stakeholder = demo_stakeholders(demo)[0]
        stakeholder.user.email = "stake@example.org"
        stakeholder.user.set_password("pw")
        db.session.commit()
    for url in pages(demo):
        assert client.get(url).status_code == 302, url  # anonymous: sign in first
    for email, password in (
        ("other@example.org", "pw"),
        ("stake@example.org", "pw"),
        ("board@example.org", "demo"),
    ):
        login(client, email, password)
        for url in pages(demo):
            assert client.get(url).status_code == 403, (email, url)
        client.post("/logout", data={"csrf_token": client.csrf_token("/my")})
    login(client, FACILITATOR_EMAIL)
    for url in pages(demo):
        assert client.get(url).status_code == 200, url
    assert client.get("/facilitate/999/map").status_code == 404


def test_bad_input_is_answered_with_the_right_status(
    app: Flask, client: FormClient, demo: int
) -> None:
    with app.app_context():
        foreign = make_consultation(("X", "Y"), title="Other")
        foreign_outcome = foreign.outcomes[0].id
    login(client, FACILITATOR_EMAIL)
    assert client.get(f"/facilitate/{demo}/map?round=two").status_code == 400
    assert client.get(f"/facilitate/{demo}/map?round=9").status_code == 404
    assert client.get(f"/facilitate/{demo}/map/pairs/1-1").status_code == 404
    assert client.get(f"/facilitate/{demo}/map/pairs/1-{foreign_outcome}").status_code == 404
    assert client.get(f"/facilitate/{demo}/map/radar.svg").status_code == 404
    assert client.get(f"/facilitate/{demo}/export/results.json?round=7").status_code == 404


# --------------------------------------------------------------------------- the map on the demo


def test_demo_map_puts_the_built_in_conflict_near_the_top(
    app: Flask, client: FormClient, demo: int
) -> None:
    login(client, FACILITATOR_EMAIL)
    html = client.get(f"/facilitate/{demo}/map?round=1").get_data(as_text=True)
    listed = re.findall(r'<li><a href="/facilitate/\d+/map/pairs/[^"]+">([^<]+)</a>', html)
    assert len(listed) == 21
    top = [p.replace("&amp;", "&") for p in listed[:3]]
    assert "Efficiency vs Equity" in top
    assert "Efficiency vs Public confidence" in top
    assert re.search(r"<li>Efficiency vs Equity: Funders \([\d.]+×\) lean to Efficiency; ", html)
    # The default round is the latest one with judgments.
    latest = client.get(f"/facilitate/{demo}/map").get_data(as_text=True)
    assert "Round 2 (still open)" in latest


def test_group_means_on_the_map_match_the_stored_judgments(
    app: Flask, client: FormClient, demo: int
) -> None:
    """Each group's average judgment is the geometric mean of its members' answers."""
    with app.app_context():
        consultation = db.session.get(Consultation, demo)
        ids = {o.name: o.id for o in consultation.outcomes}
        rows = db.session.execute(
            db.select(StakeholderGroup.name, Judgment.value)
            .join(Membership, Judgment.membership_id == Membership.id)
            .join(StakeholderGroup, Membership.group_id == StakeholderGroup.id)
            .where(
                Judgment.round_id == consultation.rounds[0].id,
                Judgment.outcome_a_id == ids["Efficiency"],
                Judgment.outcome_b_id == ids["Equity"],
            )
        ).all()
    logs: dict[str, list[float]] = {}
    for group, value in rows:
        logs.setdefault(group, []).append(math.log(value))
    login(client, FACILITATOR_EMAIL)
    html = client.get(f"/facilitate/{demo}/map?round=1").get_data(as_text=True)
    row = re.search(r"<th scope=\"row\">Efficiency vs Equity</th>(.*?)</tr>", html, re.S)
    assert row
    cells = re.findall(r"<td>([^<]*)</td>", row.group(1))
    for cell, group in zip(cells, ["Funders", "Service users", "Staff"], strict=False):
        mean = float(np.mean(logs[group]))
        side = "Efficiency" if mean > 0 else "Equity"
        assert cell.strip() == f"{side} {math.exp(abs(mean)):.1f}×", group
    assert mean < 0 < float(np.mean(logs["Funders"]))  # staff lean to equity, funders not


def test_inconsistent_participants_are_counted_and_can_be_left_out(
    app: Flask, client: FormClient, demo: int
) -> None:
    """Count CR > 0.1 with numpy's eigenvalues, independently of the engine."""
    with app.app_context():
        consultation = db.session.get(Consultation, demo)
        index = {o.id: i for i, o in enumerate(consultation.outcomes)}
        matrices: dict[int, np.ndarray] = {}
        for j in db.session.scalars(
            db.select(Judgment).filter_by(round_id=consultation.rounds[0].id)
        ):
            m = matrices.setdefault(j.membership_id, np.ones((7, 7)))
            a, b = index[j.outcome_a_id], index[j.outcome_b_id]
            m[a, b], m[b, a] = j.value, 1 / j.value
        names = [m.user.display_name for m in demo_stakeholders(demo)]
    crs = [(max(np.linalg.eigvals(m).real) - 7) / 6 / RI_7 for m in matrices.values()]
    above = sum(cr > 0.1 for cr in crs)
    assert above >= 1
    login(client, FACILITATOR_EMAIL)
    html = client.get(f"/facilitate/{demo}/map?round=1").get_data(as_text=True)
    assert f"{above} of 60 participants are above the" in html
    assert len(re.findall(r"<td>Participant \d+</td>", html)) == above
    assert "What changes without them" not in html
    switched = client.get(f"/facilitate/{demo}/map?round=1&exclude_inconsistent=1")
    text = switched.get_data(as_text=True)
    assert "What changes without them" in text
    # The view opens with one sentence naming what changed: places and the largest shifts.
    summary = re.search(r'<strong class="change-summary" id="change-summary">([^<]+)<', text)
    assert summary and summary.group(1).startswith(
        f"Leaving out the {above} participants above the consistency threshold: "
    )
    with app.app_context():
        round_one = db.session.get(Consultation, demo).rounds[0]
        before = round_report(round_one)["overall"]["weights"]
        after = round_report(round_one, exclude_inconsistent=True)["overall"]["weights"]
    old_rank = {o: i for i, o in enumerate(sorted(before, key=lambda o: -before[o]), 1)}
    new_rank = {o: i for i, o in enumerate(sorted(after, key=lambda o: -after[o]), 1)}
    moved = [o for o in old_rank if old_rank[o] != new_rank[o]]
    for outcome in moved:
        assert f"{outcome} moves from {old_rank[outcome]}" in summary.group(1)
    if not moved:
        assert "the overall order of the outcomes stays the same" in summary.group(1)
    assert re.search(r"the largest shifts are .+ on .+ [+-]\d+\.\d pt", summary.group(1))
    assert re.search(r"[+-]\d+\.\d pt", text)
    for name in names:  # nobody is named anywhere on the map
        assert name not in html and name not in text


def test_map_shows_consensus_bands_and_the_low_w_warning(
    app: Flask, client: FormClient, demo: int
) -> None:
    login(client, FACILITATOR_EMAIL)
    html = client.get(f"/facilitate/{demo}/map?round=1").get_data(as_text=True)
    everyone = re.search(r'<th scope="row">Everyone</th>(.*?)</tr>', html, re.S)
    assert everyone
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", everyone.group(1))
    assert cells[0] == "60"
    s_star, band, w, w_band = cells[1], cells[2], float(cells[3]), cells[4]
    assert band == {True: "moderate", False: band}[62.5 < float(s_star.rstrip("%")) <= 75]
    assert w < 0.3 and w_band == "weak"
    assert "barely agree" in html


def test_participant_map_carries_groups_and_nothing_else(
    app: Flask, client: FormClient, demo: int
) -> None:
    with app.app_context():
        ids = {str(m.id) for m in demo_stakeholders(demo)}
    login(client, FACILITATOR_EMAIL)
    response = client.get(f"/facilitate/{demo}/map/participants.svg?round=1")
    assert response.mimetype == "image/svg+xml"
    assert "attachment" in response.headers["Content-Disposition"]
    root = ET.fromstring(response.get_data())
    points = root.find(f".//{SVG}g[@class='points']")
    assert points is not None and len(points) == 60
    titles = [mark.find(f"{SVG}title").text for mark in points]
    assert sorted(set(titles)) == ["Funders", "Service users", "Staff"]
    assert titles.count("Funders") == 20
    for mark in points:
        assert set(mark.attrib) <= {"cx", "cy", "r", "x", "y", "width", "height", "d"} | {
            "fill",
            "stroke",
            "stroke-width",
        }
    for element in root.iter():
        assert element.get("id") is None or element.get("id").startswith("chart-")
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert not set(re.findall(r"\d+", texts)) & ids - {str(n) for n in range(1, 61)}


def test_reasons_are_grouped_by_side_and_group_without_authors(
    app: Flask, client: FormClient, demo: int
) -> None:
    with app.app_context():
        consultation = db.session.get(Consultation, demo)
        ids = {o.name: o.id for o in consultation.outcomes}
        given = db.session.execute(
            db.select(Judgment.value, Judgment.reason, User.display_name)
            .join(Membership, Judgment.membership_id == Membership.id)
            .join(User, Membership.user_id == User.id)
            .where(
                Judgment.round_id == consultation.rounds[0].id,
                Judgment.outcome_a_id == ids["Efficiency"],
                Judgment.outcome_b_id == ids["Equity"],
                Judgment.reason != "",
            )
        ).all()
    assert given
    login(client, FACILITATOR_EMAIL)
    # Asked the other way round: the page follows the order in the address.
    url = f"/facilitate/{demo}/map/pairs/{ids['Equity']}-{ids['Efficiency']}?round=1"
    html = client.get(url).get_data(as_text=True)
    assert html.index("For Equity") < html.index("For Efficiency")
    for_equity = html[html.index('id="side-first"') : html.index('id="side-equal"')]
    for_efficiency = html[html.index('id="side-second"') :]
    for value, reason, author in given:
        escaped = reason.replace("'", "&#39;")
        assert escaped in (for_efficiency if value > 1 else for_equity)
        assert author not in html
    assert "Every pound wasted" in for_efficiency
    assert "The people with the greatest need" in for_equity
    # Shares say what they count: people (from the stored judgments) or weighted voices.
    with app.app_context():
        values = db.session.scalars(
            db.select(Judgment.value).where(
                Judgment.round_id == consultation.rounds[0].id,
                Judgment.outcome_a_id == ids["Efficiency"],
                Judgment.outcome_b_id == ids["Equity"],
            )
        ).all()
        reasonless = next(
            (a, b)
            for a, b in itertools.combinations(sorted(ids.values()), 2)
            if not db.session.scalar(
                db.select(db.func.count(Judgment.id)).where(
                    Judgment.round_id == consultation.rounds[0].id,
                    Judgment.outcome_a_id == a,
                    Judgment.outcome_b_id == b,
                    Judgment.reason != "",
                )
            )
        )
    equity_first = sum(v < 1 for v in values)
    assert f"{equity_first} of {len(values)} put Equity first" in html
    assert "Counting people" in html and ">weighted voices</a>" in html
    assert "each group an equal voice" in html
    assert "No one gave a reason for this pair yet" not in html
    quiet = client.get(f"/facilitate/{demo}/map/pairs/{reasonless[0]}-{reasonless[1]}?round=1")
    assert "No one gave a reason for this pair yet" in quiet.get_data(as_text=True)


# --------------------------------------------------------------------------- the divisive pair


def test_a_pair_made_divisive_through_the_voting_pages_comes_first(
    app: Flask, client: FormClient
) -> None:
    """30 stakeholders in 3 groups answer 15 pairs through the real stakeholder pages."""
    outcomes = ("Access", "Cost", "Quality", "Safety", "Speed", "Trust")
    groups = ("Patients", "Payers", "Providers")
    rng = np.random.default_rng(7)
    with app.app_context():
        consultation = make_consultation(outcomes, groups, title="Six outcomes")
        cid = consultation.id
        people = []
        for k in range(30):
            member = make_member(
                consultation, group=groups[k % 3], name=f"Voter {k}", email=f"v{k}@example.org"
            )
            names = {o.id: o.name for o in consultation.outcomes}
            people.append(
                (
                    member.user.email,
                    groups[k % 3],
                    [(s.number, names[s.left_id], names[s.right_id]) for s in voting.steps(member)],
                )
            )
    for email, group, steps in people:
        login(client, email, "pw")
        token = client.csrf_token(f"/c/{cid}/compare")
        for number, left, right in steps:
            if {left, right} == {"Cost", "Trust"}:  # the divisive pair
                lean = {"Patients": -2.0, "Payers": 2.0, "Providers": 0.0}[group]
                log_value = lean if left == "Cost" else -lean
            else:
                log_value = 0.3 * (outcomes.index(right) - outcomes.index(left)) / 5
            log_value += rng.normal(0, 0.3)
            key = voting.nearest_point(math.exp(log_value)).key
            response = client.post(
                f"/c/{cid}/compare/{number}",
                data={"csrf_token": token, "value": key, "reason": ""},
                headers={"Accept": "application/json"},
            )
            assert response.status_code == 200, response.get_data(as_text=True)
        client.post("/logout", data={"csrf_token": token})
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Judgment.id))) == 30 * 15
    login(client, "fac@example.org", "pw")
    html = client.get(f"/facilitate/{cid}/map").get_data(as_text=True)
    listed = re.findall(r'<li><a href="/facilitate/\d+/map/pairs/[^"]+">([^<]+)</a>', html)
    assert len(listed) == 15
    assert listed[0] == "Cost vs Trust"
    assert re.search(r">Cost vs Trust</a>\s*<span class=\"tag tag-conflict\">", html)


# --------------------------------------------------------------------------- safety


def test_names_are_escaped_everywhere_including_the_svg(app: Flask, client: FormClient) -> None:
    evil = "<script>alert(1)</script>"
    with app.app_context():
        consultation = make_consultation(
            (evil, "Equity", "Prevention"), (f"<b>{evil}</b>", "Staff")
        )
        cid = consultation.id
        round_ = consultation.rounds[0]
        for k in range(6):
            member = make_member(consultation, group=consultation.groups[k % 2].name)
            add_judgments(
                member,
                round_,
                {
                    (evil, "Equity"): 3.0 if k % 2 else 1 / 3,
                    (evil, "Prevention"): 2.0,
                    ("Equity", "Prevention"): 1.0 if k < 3 else 2.0,
                },
            )
        db.session.execute(db.update(Judgment).values(reason=f"{evil} because"))
        db.session.commit()
        first, second = consultation.outcomes[0].id, consultation.outcomes[1].id
    login(client, "fac@example.org", "pw")
    urls = [
        f"/facilitate/{cid}/map",
        f"/facilitate/{cid}/map/pairs/{first}-{second}",
        f"/facilitate/{cid}/map/conflict.svg",
        f"/facilitate/{cid}/map/priorities.svg",
        f"/facilitate/{cid}/map/participants.svg",
    ]
    for url in urls:
        response = client.get(url)
        body = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert "<script>alert" not in body and "<b>" not in body, url
        assert "&lt;script&gt;" in body, url
        if url.endswith(".svg"):
            ET.fromstring(response.get_data())  # well-formed despite the names


# --------------------------------------------------------------------------- exports


def test_exports_are_what_the_command_line_reads_and_prints(
    app: Flask, client: FormClient, demo: int, tmp_path: Path
) -> None:
    login(client, FACILITATOR_EMAIL)
    response = client.get(f"/facilitate/{demo}/export/judgments.csv?round=1")
    assert response.mimetype == "text/csv"
    assert 'filename="consultation-' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 60 * 21
    assert set(rows[0]) == {"participant", "group", "outcome_a", "outcome_b", "value", "reason"}
    results = client.get(f"/facilitate/{demo}/export/results.json?round=1")
    exported = json.loads(results.get_data(as_text=True))
    path = tmp_path / "judgments.csv"
    path.write_bytes(response.get_data())
    outcome = CliRunner().invoke(
        analyze_command,
        [str(path), "--weighting", "groups", "--seed", str(demo), "--format", "json"],
    )
    assert outcome.exit_code == 0, outcome.output
    printed = json.loads(outcome.output)
    for name, weight in printed["overall"]["weights"].items():
        assert exported["overall"]["weights"][name] == pytest.approx(weight, abs=1e-12)
    for name, block in printed["groups"].items():
        assert exported["groups"][name]["consensus"] == pytest.approx(block["consensus"])
    with app.app_context():
        report = round_report(db.session.get(Consultation, demo).rounds[0])
        assert results.get_data(as_text=True) == to_json(report)


# --------------------------------------------------------------------------- rounds


def test_round_comparison_says_how_each_group_moved(
    app: Flask, client: FormClient, demo: int
) -> None:
    login(client, FACILITATOR_EMAIL)
    html = client.get(f"/facilitate/{demo}/rounds/compare").get_data(as_text=True)
    with app.app_context():
        first, second = (round_report(r) for r in db.session.get(Consultation, demo).rounds)
    for name in ("Funders", "Service users", "Staff"):
        before, after = first["groups"][name]["consensus"], second["groups"][name]["consensus"]
        verb = (
            "rose"
            if after - before >= 0.02
            else "fell"
            if before - after >= 0.02
            else "held steady"
        )
        assert f"{name}: consensus {verb}, S* {before:.2f} → {after:.2f}" in html
    between = re.search(
        r"Between groups: (convergence|entrenchment|no clear change) — [^(]*\(distance "
        r"(\d\.\d\d) → (\d\.\d\d); change ([+-]\d\.\d\d), 95% interval "
        r"([+-]\d\.\d\d) to ([+-]\d\.\d\d)\)",
        html,
    )
    assert between, "the trend between groups is stated with its interval"
    trend, low, high = between.group(1), float(between.group(5)), float(between.group(6))
    assert low <= float(between.group(4)) <= high
    called = "convergence" if high < 0 else "entrenchment" if low > 0 else "no clear change"
    assert trend == called
    # Round 2 of the demo is still open: everything about it is provisional.
    assert "Provisional:" in html and "round 2 is still open" in html
    assert "Round 2 (open)" in html
    assert html.count('class="moves"') == 4  # everyone and each group
    svg = client.get(f"/facilitate/{demo}/rounds/compare/consensus.svg")
    assert svg.status_code == 200 and b"Round 2" in svg.get_data()


def test_one_round_cannot_be_compared_and_an_empty_round_has_no_map(
    app: Flask, client: FormClient
) -> None:
    with app.app_context():
        cid = make_consultation().id
    login(client, "fac@example.org", "pw")
    assert "once at least two" in client.get(f"/facilitate/{cid}/rounds/compare").get_data(
        as_text=True
    )
    assert client.get(f"/facilitate/{cid}/rounds/compare/consensus.svg").status_code == 404
    page = client.get(f"/facilitate/{cid}/map")
    assert page.status_code == 200
    assert "Nobody has answered in round 1 yet" in page.get_data(as_text=True)
    assert client.get(f"/facilitate/{cid}/export/results.json").status_code == 404


def test_the_map_follows_new_judgments(app: Flask, client: FormClient) -> None:
    with app.app_context():
        consultation = make_consultation()
        cid, round_ = consultation.id, consultation.rounds[0]
        values = {("Efficiency", "Equity"): 3.0, ("Efficiency", "Prevention"): 2.0}
        values[("Equity", "Prevention")] = 0.5
        for _ in range(4):
            add_judgments(make_member(consultation, group="Funders"), round_, values)
    login(client, "fac@example.org", "pw")
    assert "4 participants in" in client.get(f"/facilitate/{cid}/map").get_data(as_text=True)
    with app.app_context():
        consultation = db.session.get(Consultation, cid)
        add_judgments(
            make_member(consultation, group="Service users"), consultation.rounds[0], values
        )
    assert "5 participants in" in client.get(f"/facilitate/{cid}/map").get_data(as_text=True)


def test_leaving_out_everyone_is_explained_not_drawn(app: Flask, client: FormClient) -> None:
    cyclic = {("Efficiency", "Equity"): 9.0, ("Equity", "Prevention"): 9.0}
    cyclic[("Prevention", "Efficiency")] = 9.0
    with app.app_context():
        consultation = make_consultation()
        cid = consultation.id
        for k in range(4):
            member = make_member(consultation, group=("Funders", "Service users")[k % 2])
            add_judgments(member, consultation.rounds[0], cyclic)
    login(client, "fac@example.org", "pw")
    page = client.get(f"/facilitate/{cid}/map?exclude_inconsistent=1")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "4 of 4 participants are above the" in text
    assert "leaving them out would leave nobody" in text
    svg = client.get(f"/facilitate/{cid}/map/priorities.svg?exclude_inconsistent=1")
    assert svg.status_code == 409
    exported = client.get(f"/facilitate/{cid}/export/results.json?exclude_inconsistent=1")
    assert json.loads(exported.get_data())["overall"]["size"] == 0


def test_every_statistic_is_explained_where_it_appears_and_in_a_glossary(
    client: FormClient, demo: int
) -> None:
    login(client, FACILITATOR_EMAIL)
    with client.application.app_context():
        ids = {o.name: o.id for o in db.session.get(Consultation, demo).outcomes}
    pages = {
        "map": f"/facilitate/{demo}/map?round=1",
        "compare": f"/facilitate/{demo}/rounds/compare",
        "pair": f"/facilitate/{demo}/map/pairs/{ids['Efficiency']}-{ids['Equity']}?round=1",
    }
    for name, url in pages.items():
        html = client.get(url).get_data(as_text=True)
        terms = re.findall(
            r'<a class="term" href="#gloss-(\w+)" aria-describedby="gloss-\1-text" '
            r'data-explain="([^"]+)">',
            html,
        )
        assert terms, name
        for key, explained in terms:
            # the one-line explanation on hover/focus, and the same line in the glossary
            assert explained == str(escape(GLOSSARY[key][1])), key
            assert f'<dd id="gloss-{key}-text">{explained}</dd>' in html, (name, key)
        assert "What the figures mean" in html
    glossed = set(re.findall(r'href="#gloss-(\w+)"', client.get(pages["map"]).text))
    assert {"between", "conflict", "s_star", "kendall_w", "ari", "cr", "interval"} <= glossed

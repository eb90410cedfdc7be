"""Attacks on anonymity, played through the real API and pages as a board member would.

Each test builds a small consultation, reads what a board member may read, and runs the
attacker's arithmetic on it: differencing two views, differencing over time, solving a
withheld group from the published spreads, reading a small group's extremes from its
intervals, and reading a lone member's consistency from the counts. The attack must not
recover any individual's judgments or consistency.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from flask import Flask

from deliberate.extensions import db
from deliberate.models import Consultation, Role, Scope, utcnow
from deliberate.services.tokens import create_token
from tests.conftest import FormClient, login
from tests.factories import add_judgments, make_consultation, make_member

OUTCOMES = ("Access", "Cost", "Quality")
PAIRS = (("Access", "Cost"), ("Access", "Quality"), ("Cost", "Quality"))
Judgments = dict[tuple[str, str], float]
BOARD_EMAIL = "attack-board@example.org"
#: Every value on Saaty's scale, as an attacker who knows the scale would try them.
SAATY_LOGS = sorted({s * math.log(v) for v in range(1, 10) for s in (1, -1)})
#: A cycle: Access over Cost over Quality over Access, nine times each; CR far above 0.1.
INCONSISTENT = {("Access", "Cost"): 9, ("Access", "Quality"): 1 / 9, ("Cost", "Quality"): 9}
#: What the lone staff member answers in the withheld-group attacks.
STAFF = {("Access", "Cost"): 1 / 7, ("Access", "Quality"): 5, ("Cost", "Quality"): 9}


def consistent(weights: tuple[float, float, float]) -> Judgments:
    """Judgments exactly consistent with ``weights`` (Access, Cost, Quality): CR 0."""
    w = dict(zip(OUTCOMES, weights, strict=True))
    return {(a, b): w[a] / w[b] for a, b in PAIRS}


def people(count: int, start: float) -> list[Judgments]:
    """``count`` consistent, different stakeholders."""
    return [consistent((start + i, 2.0 + 0.5 * i, 1.0 + 0.25 * i)) for i in range(count)]


def logs(values: Judgments) -> np.ndarray:
    return np.log([values[p] for p in PAIRS])


@dataclass
class Setup:
    cid: int
    board_token: str


def build(app: Flask, groups: dict[str, list[Judgments]], *, close: bool = True) -> Setup:
    """A consultation (k = 3) with these groups' answers and a board member with a token."""
    with app.app_context():
        consultation = make_consultation(OUTCOMES, tuple(groups), title="Attacked", k=3)
        round_ = consultation.rounds[0]
        for group, answers in groups.items():
            for index, values in enumerate(answers):
                member = make_member(consultation, group=group, name=f"{group} {index}")
                add_judgments(member, round_, values)
        board = make_member(consultation, Role.BOARD, name="Board", email=BOARD_EMAIL)
        if close:
            round_.closed_at = utcnow()
        db.session.commit()
        _, secret = create_token(board.user, "board", Scope.READ)
        return Setup(consultation.id, secret)


def results(app: Flask, setup: Setup, query: str = "") -> dict[str, Any] | None:
    """The round's results as the board member's token reads them; None when refused."""
    response = app.test_client().get(
        f"/api/v1/consultations/{setup.cid}/rounds/1/results{query}",
        headers={"Authorization": f"Bearer {setup.board_token}"},
    )
    return response.get_json() if response.status_code == 200 else None


def pair_means(view: dict[str, Any], group: str) -> np.ndarray | None:
    """A group's mean log judgment on each pair, as published (None when not published)."""
    by_pair = {(p["a"], p["b"]): p["group_means"].get(group) for p in view.get("pairs", [])}
    found = [by_pair.get(pair) for pair in PAIRS]
    return None if any(v is None for v in found) else np.array(found)


def difference(before: dict | None, after: dict | None, group: str) -> np.ndarray | None:
    """The attacker's subtraction: the answers of whoever is in one view and not the other."""
    if before is None or after is None:
        return None
    sizes = [(v.get("groups") or {}).get(group, {}).get("size") for v in (before, after)]
    means = [pair_means(v, group) for v in (before, after)]
    if None in sizes or any(m is None for m in means) or abs(sizes[0] - sizes[1]) != 1:
        return None
    return sizes[0] * means[0] - sizes[1] * means[1]


def recovered(found: np.ndarray | None, secret: Judgments) -> bool:
    """Whether the attack gave the person's judgments (or their reciprocals) exactly."""
    return found is not None and np.allclose(np.abs(found), np.abs(logs(secret)), atol=1e-6)


def test_comparing_the_views_with_and_without_inconsistent_answers(app: Flask) -> None:
    setup = build(app, {"Funders": [*people(6, 3.0), INCONSISTENT], "Residents": people(5, 1.0)})
    everyone = results(app, setup)
    assert everyone is not None and everyone["groups"]["Funders"]["size"] == 7
    consistent_only = results(app, setup, "?exclude_inconsistent=true")
    assert not recovered(difference(everyone, consistent_only, "Funders"), INCONSISTENT)


def test_polling_an_open_round_as_someone_else_answers(app: Flask, client: FormClient) -> None:
    setup = build(app, {"Funders": people(5, 3.0), "Residents": people(5, 1.0)}, close=False)
    board = client
    assert login(board, BOARD_EMAIL, "pw").status_code == 302
    before = results(app, setup)
    page_before = board.get(f"/board/{setup.cid}/rounds/1")
    newcomer = consistent((1.0, 7.0, 3.0))
    with app.app_context():
        consultation = db.session.get(Consultation, setup.cid)
        member = make_member(consultation, group="Funders", name="Newcomer")
        add_judgments(member, consultation.rounds[0], newcomer)
    after = results(app, setup)
    assert not recovered(difference(after, before, "Funders"), newcomer)
    assert (before, after) == (None, None), "nothing of an open round reaches the board"
    assert page_before.status_code == 409


def solve_lone_member(view: dict[str, Any]) -> np.ndarray | None:
    """Solve a withheld lone member's judgments from n, spread, eta² and the groups' means.

    ``SS_total = n·spread²`` and ``SS_between = eta²·SS_total``; with the visible groups'
    sizes and means, ``SS_between`` is a quadratic in the hidden value; the scale's values
    pick the root.
    """
    sizes = {g: b["size"] for g, b in (view.get("groups") or {}).items()}
    found = []
    for a, b in PAIRS:
        pair = next(p for p in view.get("pairs", []) if (p["a"], p["b"]) == (a, b))
        if pair["n"] - sum(sizes.values()) != 1:
            return None
        means = {g: pair["group_means"][g] for g in sizes}
        target = pair["eta_squared"] * pair["n"] * pair["spread"] ** 2
        total = sum(sizes[g] * means[g] for g in sizes)

        def between(
            x: float, means: dict = means, total: float = total, n: int = pair["n"]
        ) -> float:
            grand = (total + x) / n
            return sum(sizes[g] * (means[g] - grand) ** 2 for g in sizes) + (x - grand) ** 2

        roots = [x for x in SAATY_LOGS if abs(between(x) - target) < 1e-6 * max(1.0, target)]
        if pair["share_a"] * pair["n"] % 1 > 1e-9 or len(roots) != 1:
            return None
        found.append(roots[0])
    return np.array(found)


def test_solving_a_withheld_member_from_the_published_spreads(app: Flask) -> None:
    setup = build(app, {"Funders": people(5, 3.0), "Residents": people(5, 1.0), "Staff": [STAFF]})
    view = results(app, setup)
    assert view is not None and view["withheld_groups"] == ["Staff"]
    assert not recovered(solve_lone_member(view), STAFF)
    assert view["overall"]["size"] == 10, "the withheld member is in no published total"
    assert all(p["n"] == 10 for p in view["pairs"])


def test_intervals_of_a_group_of_exactly_k(app: Flask) -> None:
    trio = [consistent((2.0, 1.0, 1.0)), consistent((5.0, 1.0, 2.0)), consistent((9.0, 2.0, 1.0))]
    setup = build(app, {"Funders": trio, "Residents": people(6, 1.0)})
    view = results(app, setup)
    assert view is not None and view["groups"]["Funders"]["size"] == 3
    means = pair_means(view, "Funders")
    truth = np.sort(np.array([logs(person) for person in trio]), axis=0)
    found = []
    for index, (a, b) in enumerate(PAIRS):
        pair = next(p for p in view["pairs"] if (p["a"], p["b"]) == (a, b))
        interval = (pair.get("group_intervals") or {}).get("Funders")
        if interval is None or means is None:
            break
        low, high = interval
        found.append(sorted([low, 3 * means[index] - low - high, high]))
    extremes = np.array(found).T if len(found) == len(PAIRS) else None
    assert extremes is None or not np.allclose(extremes, truth, atol=1e-6), (
        "the intervals of a group of three give away all three members' answers"
    )
    assert view["groups"]["Funders"]["intervals"] is None
    assert view["groups"]["Residents"]["intervals"] is not None


def number(pattern: str, text: str) -> int | None:
    match = re.search(pattern, text)
    return int(match.group(1)) if match else None


def test_the_board_page_does_not_tell_a_lone_members_consistency(
    app: Flask, client: FormClient
) -> None:
    setup = build(
        app,
        {"Funders": people(6, 3.0), "Residents": people(5, 1.0), "Staff": [INCONSISTENT]},
    )
    board = client
    assert login(board, BOARD_EMAIL, "pw").status_code == 302
    page = board.get(f"/board/{setup.cid}/rounds/1")
    assert page.status_code == 200
    text = " ".join(page.get_data(as_text=True).split())
    assert "Staff" in text and not re.search(r"its 1 member\b", text)
    total = number(r"<strong>(\d+)</strong> stakeholders", text)
    consistent_count = number(r"answers of <strong>(\d+)</strong> showed no inconsistency", text)
    rows = re.findall(
        r'<tr><th scope="row">([\w ]+)</th><td class="num">(\d+)</td>'
        r'<td class="num">(\w[\w ]*)</td>',
        text,
    )
    shown = {group: (int(size), cell) for group, size, cell in rows}
    assert set(shown) == {"Funders", "Residents"}
    hidden_people = None if total is None else total - sum(s for s, _ in shown.values())
    assert hidden_people in (None, 0), "the page tells how many withheld people answered"
    if consistent_count is not None and all(c.isdigit() for _, c in shown.values()):
        hidden_consistent = consistent_count - sum(int(c) for _, c in shown.values())
        assert hidden_consistent == 0


def test_a_closed_round_still_shows_what_is_safe(app: Flask) -> None:
    """The defences leave a board the aggregates of groups large enough."""
    setup = build(app, {"Funders": people(6, 3.0), "Residents": people(6, 1.0)})
    view = results(app, setup)
    assert view is not None and set(view["groups"]) == {"Funders", "Residents"}
    assert view["overall"]["intervals"] is not None  # 12 people: at least 2k


def test_a_pair_only_one_group_member_answered(app: Flask) -> None:
    """With a reduced design, a group's mean on a pair may be one member's answer."""
    partial = [
        {p: v for p, v in person.items() if p != ("Access", "Quality")} for person in people(4, 3.0)
    ]
    lone = consistent((1.0, 3.0, 7.0))
    setup = build(app, {"Funders": [*partial, lone], "Residents": people(5, 1.0)})
    view = results(app, setup)
    assert view is not None and view["groups"]["Funders"]["size"] == 5
    pair = next(
        (p for p in view["pairs"] if (p["a"], p["b"]) == ("Access", "Quality")), {"group_means": {}}
    )
    mean = pair["group_means"].get("Funders")
    assert mean is None or abs(mean - math.log(lone["Access", "Quality"])) > 1e-6
    assert ["Access", "Quality"] in view["withheld_pairs"]

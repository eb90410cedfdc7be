"""A round's analysis from the database: built right, cached, recomputed on change."""

from __future__ import annotations

import pytest
from flask import Flask

from deliberate.engine import analyze, read_judgments_csv
from deliberate.extensions import db
from deliberate.models import Consultation, Judgment, Role, User
from deliberate.services import results
from deliberate.services.consultations import update_outcome
from deliberate.services.judgments import record_judgment
from deliberate.services.rounds import close_round
from tests.factories import add_judgments, make_consultation, make_member

#: Behaviour that depends on the database engine: run on SQLite and PostgreSQL.
pytestmark = pytest.mark.databases


def _top(weights: dict[str, float]) -> str:
    return max(weights, key=weights.__getitem__)


def test_demo_round_shows_the_structure_it_was_built_with(app: Flask, demo: int) -> None:
    with app.app_context():
        consultation = db.session.get(Consultation, demo)
        report = results.round_report(consultation.rounds[0], bootstrap=200)
        groups = report["groups"]
        assert _top(groups["Funders"]["weights"]) == "Efficiency"
        assert _top(groups["Staff"]["weights"]) == "Prevention"
        assert _top(groups["Service users"]["weights"]) in {"Equity", "Effectiveness"}
        efficiency_equity = next(
            p for p in report["pairs"] if {p["a"], p["b"]} == {"Efficiency", "Equity"}
        )
        assert efficiency_equity["conflict_between_groups"]
        assert (
            efficiency_equity["group_means"]["Funders"]
            > 0
            > efficiency_equity["group_means"]["Service users"]
        )
        assert report["method"]["weighting"] == "groups"


def test_csv_export_reanalyses_to_the_same_report(app: Flask, demo: int) -> None:
    with app.app_context():
        round_ = db.session.get(Consultation, demo).rounds[0]
        report = results.round_report(round_, bootstrap=0)
        table = read_judgments_csv(results.judgments_csv(round_))
        again = analyze(table, bootstrap=0, **results.analysis_options(round_.consultation))
        for outcome, weight in report["overall"]["weights"].items():
            assert again["overall"]["weights"][outcome] == pytest.approx(weight, abs=1e-12)


def test_the_cached_report_is_recomputed_when_a_judgment_changes(app: Flask) -> None:
    with app.app_context():
        consultation = make_consultation(outcomes=("A", "B"), groups=("G",))
        round_ = consultation.rounds[0]
        member = make_member(consultation)
        a, b = (o.id for o in consultation.outcomes)
        assert results.round_report(round_) is None
        record_judgment(member, round_, a, b, 3.0)
        first = results.round_report(round_, bootstrap=0)
        assert first["overall"]["weights"]["A"] == pytest.approx(0.75)
        assert results.round_report(round_, bootstrap=0) is first
        record_judgment(member, round_, a, b, 1 / 3)
        second = results.round_report(round_, bootstrap=0)
        assert second["overall"]["weights"]["A"] == pytest.approx(0.25)


def test_a_closed_rounds_report_follows_an_outcome_renamed_after_it(app: Flask) -> None:
    with app.app_context():
        consultation = make_consultation(outcomes=("A", "B"), groups=("G",))
        round_ = consultation.rounds[0]
        member = make_member(consultation)
        a, b = (o.id for o in consultation.outcomes)
        record_judgment(member, round_, a, b, 3.0)
        facilitator = db.session.scalar(db.select(User).filter_by(email="fac@example.org"))
        close_round(consultation, facilitator)
        assert set(results.round_report(round_, bootstrap=0)["overall"]["weights"]) == {"A", "B"}
        update_outcome(consultation, facilitator, consultation.outcomes[0], "Access")
        weights = results.round_report(round_, bootstrap=0)["overall"]["weights"]
        assert weights == {"Access": pytest.approx(0.75), "B": pytest.approx(0.25)}


def test_participant_feedback_waits_for_a_connected_graph(app: Flask) -> None:
    with app.app_context():
        consultation = make_consultation(outcomes=("A", "B", "C"), groups=("G",))
        round_ = consultation.rounds[0]
        member = make_member(consultation)
        assert results.participant_feedback(member, round_) is None
        add_judgments(member, round_, {("A", "B"): 2.0})
        pending = results.participant_feedback(member, round_)
        assert pending == {"connected": False, "cut_off": ["C"]}
        add_judgments(member, round_, {("B", "C"): 2.0, ("A", "C"): 1 / 4})
        feedback = results.participant_feedback(member, round_)
        assert feedback["connected"] is True
        assert feedback["cr"] > 0.05 and feedback["consistent"] is False
        worst = feedback["most_inconsistent"]
        assert {worst["a"], worst["b"]} <= {"A", "B", "C"}


def test_only_stakeholders_with_judgments_enter_the_analysis(app: Flask) -> None:
    with app.app_context():
        consultation = make_consultation(outcomes=("A", "B"), groups=("G",))
        round_ = consultation.rounds[0]
        make_member(consultation, Role.BOARD, email="board@example.org")
        voter = make_member(consultation)
        make_member(consultation, name="Silent")
        add_judgments(voter, round_, {("A", "B"): 2.0})
        report = results.round_report(round_, bootstrap=0)
        assert [p["id"] for p in report["participants"]] == [str(voter.id)]
        assert db.session.scalar(db.select(db.func.count(Judgment.id))) == 1

"""Twenty stakeholders at once through gunicorn: every acknowledged answer stored once."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from benchmarks import load
from deliberate import create_app
from deliberate.extensions import db
from deliberate.models import Round
from deliberate.services.invitations import find_invitation, redeem
from deliberate.services.judgments import outcome_ids, record_judgment
from tests.load.conftest import DEADLINE


def test_twenty_stakeholders_at_once_lose_nothing(database_url: str) -> None:
    backend = make_url(database_url).get_backend_name()
    run = load.run_backend(backend, database_url, 20, duration=DEADLINE, think=0, ramp=0)
    print(run.report())
    check = run.check
    assert run.finished == 20
    assert run.stats.errors["5xx"] == run.stats.errors["connection"] == 0
    assert run.stats.errors["other"] == run.stats.errors["gave up"] == 0
    assert check.joined == check.memberships == 20  # two of them pressed Join twice
    assert check.lost == check.duplicated == check.unexpected == 0
    # Without faults every save was answered, so the round holds exactly what was acknowledged.
    assert check.rows == check.acknowledged >= 20
    assert len(run.stats.latencies["save"]) >= check.acknowledged


def test_the_check_catches_lost_changed_and_unasked_answers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'check.sqlite3'}"
    seeded = load.seed(url, 1)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "check"})
    with app.app_context():
        membership = redeem(find_invitation(seeded.tokens[0]), "Ada")
        db.session.commit()
        round_ = db.session.get(Round, seeded.round_id)
        a, b, c, d = outcome_ids(seeded.consultation_id)[:4]
        record_judgment(membership, round_, a, b, 5.0)
        record_judgment(membership, round_, a, c, 3.0)
        record_judgment(membership, round_, b, c, 7.0)
        person = load.Person("token", membership.id, join_sent=True, joined=True)
        db.engine.dispose()
    person.pairs[(a, b)] = load.Pair(acknowledged=5.0)  # as told: fine
    person.pairs[(a, c)] = load.Pair(acknowledged=1 / 3)  # told 1/3, stored 3: changed
    person.pairs[(a, d)] = load.Pair(acknowledged=2.0)  # told "saved", not stored: lost
    person.pairs[(c, d)] = load.Pair(unconfirmed={4.0})  # unanswered, not stored: fine
    result = load.check(url, seeded, [person])  # (b, c) stored but never sent
    assert (result.acknowledged, result.lost, result.duplicated, result.unexpected) == (3, 2, 0, 1)
    assert not result.ok

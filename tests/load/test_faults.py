"""A gunicorn worker killed mid-run: clients retry, and no acknowledged answer is lost."""

from __future__ import annotations

from sqlalchemy.engine import make_url

from benchmarks import load
from tests.load.conftest import DEADLINE


def test_a_killed_worker_loses_no_acknowledged_answer(database_url: str) -> None:
    backend = make_url(database_url).get_backend_name()
    run = load.run_backend(
        backend, database_url, 20, duration=DEADLINE, think=0, ramp=0, kill_worker_after=10
    )
    print(run.report())
    assert run.faults and "SIGKILL" in run.faults[0]
    # The requests the dead worker was serving failed retryably and were sent again ...
    assert run.stats.errors["connection"] + run.stats.errors["5xx"] >= 1
    assert run.stats.errors["retried"] >= 1
    assert run.stats.errors["other"] == run.stats.errors["gave up"] == 0
    # ... and whatever the server acknowledged is in the database, once, as last saved.
    check = run.check
    assert run.finished == 20
    assert check.lost == check.duplicated == check.unexpected == 0 and check.one_membership
    assert check.acknowledged >= 10

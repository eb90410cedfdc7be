"""How fast the facilitator's disagreement map renders for a large consultation.

Builds a seeded synthetic consultation (2,000 stakeholders in 3 groups, 9 outcomes, about
66,000 judgments) in a SQLite file, signs in as its facilitator, and times the full
``/facilitate/<id>/map`` page through the Flask test client:

- cold: the first request, which runs the analysis (bootstrap included) and caches it;
- cached: later requests, which reuse the cached report (median of several);
- baseline, in the same run: the page with the analysis recomputed on every request (the
  cache emptied first), and the bare engine call on the round's judgments.

Usage: ``python benchmarks/map.py [--participants 2000] [--outcomes 9] [--repeat 7]``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from deliberate import create_app
from deliberate.engine import analyze
from deliberate.engine.synthetic import synthetic_table
from deliberate.extensions import db
from deliberate.models import (
    Consultation,
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
from deliberate.services import results
from deliberate.services.results import analysis_options, round_table

EMAIL, PASSWORD = "facilitator@bench.example", "bench"


def build(participants: int, outcomes: int, seed: int) -> int:
    """Insert the synthetic consultation; return its id."""
    table = synthetic_table(participants, outcomes, seed=seed)
    consultation = Consultation(
        title="Benchmark consultation",
        question="What matters most?",
        status=Status.OPEN,
        weighting=Weighting.GROUPS,
    )
    outcome_rows = [
        Outcome(consultation=consultation, name=f"Outcome {i + 1}", position=i)
        for i in range(outcomes)
    ]
    groups = [StakeholderGroup(consultation=consultation, name=f"Group {g + 1}") for g in range(3)]
    facilitator = User(email=EMAIL, display_name="Facilitator")
    facilitator.set_password(PASSWORD)
    round_ = Round(consultation=consultation, number=1)
    db.session.add_all([consultation, *outcome_rows, *groups, facilitator, round_])
    db.session.add(Membership(user=facilitator, consultation=consultation, role=Role.FACILITATOR))
    members = [
        Membership(
            user=User(display_name=f"Stakeholder {k}"),
            consultation=consultation,
            role=Role.STAKEHOLDER,
            group=groups[int(table.group_index[k])],
        )
        for k in range(participants)
    ]
    db.session.add_all(members)
    db.session.flush()
    i, j = np.triu_indices(outcomes, 1)
    rows = [
        {
            "membership_id": member.id,
            "round_id": round_.id,
            "outcome_a_id": outcome_rows[a].id,
            "outcome_b_id": outcome_rows[b].id,
            "value": float(np.exp(table.log_judgments[k, a, b])),
            "reason": "",
        }
        for k, member in enumerate(members)
        for a, b in zip(i.tolist(), j.tolist(), strict=True)
        if table.mask[k, a, b]
    ]
    db.session.execute(db.insert(Judgment), rows)
    db.session.commit()
    print(f"built: {participants} participants, {outcomes} outcomes, {len(rows)} judgments")
    return consultation.id


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=2000)
    parser.add_argument("--outcomes", type=int, default=9)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False}
        )
        with app.app_context():
            db.create_all()
            cid = build(args.participants, args.outcomes, args.seed)
        client = app.test_client()
        client.post("/login", data={"email": EMAIL, "password": PASSWORD})
        page = f"/facilitate/{cid}/map"

        def render() -> None:
            response = client.get(page)
            assert response.status_code == 200, response.status_code

        results._CACHE.clear()
        cold = timed(render)
        cached = [timed(render) for _ in range(args.repeat)]

        def recomputed() -> None:
            results._CACHE.clear()
            render()

        uncached = [timed(recomputed) for _ in range(max(2, args.repeat // 3))]
        with app.app_context():
            round_ = db.session.get(Consultation, cid).rounds[0]
            options = {**analysis_options(round_.consultation), "bootstrap": 1000}
            engine = timed(lambda: analyze(round_table(round_), on_disconnected="skip", **options))
        size = len(client.get(page).data)

    median = statistics.median
    print(f"page size: {size / 1024:.0f} KiB")
    print(f"map page, cold (analysis + render):        {cold:7.3f} s")
    print(f"map page, cached (median of {args.repeat}):          {median(cached):7.3f} s")
    print(f"baseline: page, analysis every request:    {median(uncached):7.3f} s")
    print(f"baseline: engine call alone (no page):     {engine:7.3f} s")
    print(f"cached page is {median(uncached) / median(cached):.0f}x faster than recomputing")
    verdict = "meets" if median(cached) < 1.0 else "MISSES"
    print(f"target: cached render under 1 s: {verdict}")


if __name__ == "__main__":
    main()

"""How fast a large judgments file imports into a round, and how long it locks the database.

Writes a seeded synthetic judgments CSV (K participants in 3 groups, 9 outcomes, complete
answers: 36 rows each), then imports it through the service the web page and
``deliberate import-judgments`` use (:func:`deliberate.services.imports.import_file`) into
a fresh SQLite (or throwaway PostgreSQL) database, new participants created. Prints the total time,
the longest time the import held the write lock (first write statement to commit, measured
with SQLAlchemy events), the progress reports received, and, as the baseline in the same
run, the previous way of writing — one upsert statement per judgment — timed on a sample
and extrapolated.

Usage: ``python benchmarks/imports.py [--participants 2800] [--database-url URL]``
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import event

from deliberate import create_app
from deliberate.database import throwaway_postgres
from deliberate.engine.synthetic import synthetic_csv, synthetic_table
from deliberate.extensions import db
from deliberate.models import (
    Consultation,
    JobStatus,
    Judgment,
    Membership,
    Outcome,
    Role,
    Round,
    StakeholderGroup,
    Status,
    User,
    utcnow,
)
from deliberate.services import import_jobs, jobs
from deliberate.services.imports import import_file
from deliberate.services.judgments import judgment_upsert

OUTCOMES = 9
STAGING = "judgment_import_staging"


class LockClock:
    """Seconds from each transaction's first write statement to its commit or rollback."""

    def __init__(self, engine: Any) -> None:
        self.started: float | None = None
        self.held: list[float] = []
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._end)
        event.listen(engine, "rollback", self._end)

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        words = statement.split(None, 3)[:3]
        writes = words[:1] in (["INSERT"], ["UPDATE"], ["DELETE"])
        private = words[-1:] == [STAGING]  # the connection's own temporary table
        if self.started is None and writes and not private:
            self.started = time.perf_counter()

    def _end(self, _conn: Any) -> None:
        if self.started is not None:
            self.held.append(time.perf_counter() - self.started)
            self.started = None


@contextlib.contextmanager
def database(url: str | None, folder: str) -> Iterator[str]:
    """A fresh database: a SQLite file, or a throwaway database on the PostgreSQL server
    ``url`` names (created here and dropped afterwards; the one named is left alone)."""
    if not url:
        yield f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        return
    with throwaway_postgres(url, "deliberate_bench") as found:
        yield found.render_as_string(hide_password=False)


def build(seed: int) -> Round:
    """A consultation with 9 outcomes, 3 groups, a facilitator and an open round."""
    consultation = Consultation(title="Import benchmark", question="?", status=Status.OPEN)
    outcomes = [
        Outcome(consultation=consultation, name=f"o{i}", position=i) for i in range(OUTCOMES)
    ]
    groups = [StakeholderGroup(consultation=consultation, name=f"g{g}") for g in range(3)]
    round_ = Round(consultation=consultation, number=1)
    facilitator = User(email=f"f{seed}@bench.example", display_name="Facilitator")
    db.session.add_all([consultation, *outcomes, *groups, round_, facilitator])
    db.session.add(Membership(user=facilitator, consultation=consultation, role=Role.FACILITATOR))
    db.session.commit()
    return round_


def as_job(round_: Round, data: bytes) -> tuple[float, list[int]]:
    """Seconds from starting the import as a background job (as the web page does for a
    large file) until it is done, and the progress percentages a page polling every 0.1 s
    would have shown."""
    start = time.perf_counter()
    job = import_jobs.start(round_, data, None, name="bench.csv")
    seen: list[int] = []
    while job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        job = jobs.wait(job, 0.1)
        db.session.refresh(job)
        if jobs.percent(job) is not None and jobs.percent(job) not in seen:
            seen.append(jobs.percent(job))
    seconds = time.perf_counter() - start
    if job.status is not JobStatus.DONE:
        raise SystemExit(f"the import job failed: {job.error}")
    return seconds, seen


def per_row_baseline(round_: Round, sample: int) -> float:
    """Seconds per judgment of one upsert statement per judgment (rolled back)."""
    consultation = round_.consultation
    ids = [o.id for o in consultation.outcomes]
    member = Membership(
        user=User(display_name="baseline"),
        consultation=consultation,
        role=Role.STAKEHOLDER,
        group=consultation.groups[0],
        label="baseline",
    )
    db.session.add(member)
    db.session.flush()
    pairs = [(a, b) for a in ids for b in ids if a < b]
    start = time.perf_counter()
    for n in range(sample):
        a, b = pairs[n % len(pairs)]
        db.session.execute(
            judgment_upsert(),
            [
                {
                    "membership_id": member.id,
                    "round_id": round_.id,
                    "outcome_a_id": a,
                    "outcome_b_id": b,
                    "value": 3.0,
                    "reason": "",
                    "updated_at": utcnow(),
                }
            ],
        )
    seconds = (time.perf_counter() - start) / sample
    db.session.rollback()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=2800, help="36 rows each")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--baseline-sample", type=int, default=3000)
    args = parser.parse_args()
    text = synthetic_csv(synthetic_table(args.participants, OUTCOMES, seed=7, skip=0.0))
    rows = text.count("\n") - 1
    with tempfile.TemporaryDirectory() as folder, database(args.database_url, folder) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "REDIS_URL": ""})
        with app.app_context():
            db.create_all()
            round_ = build(1)
            clock = LockClock(db.engine)
            reports: list[tuple[int, int]] = []
            start = time.perf_counter()
            summary = import_file(
                round_,
                text.encode(),
                user=None,
                name="bench.csv",
                progress=lambda done, total: reports.append((done, total)),
            )
            total = time.perf_counter() - start
            stored = db.session.scalar(db.select(db.func.count(Judgment.id)))
            lock = max(clock.held)
            per_row = per_row_baseline(round_, args.baseline_sample)
            job_seconds, shown = as_job(build(2), text.encode())
            db.session.remove()
            db.engine.dispose()
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    load = os.getloadavg()[0]
    print(
        f"{backend}: {rows:,} rows, {summary.participants:,} new participants "
        f"({os.cpu_count()} cores, load average {load:.1f})"
    )
    print(f"  import, end to end:            {total:7.2f} s   (target < 10 s)")
    if backend == "SQLite":
        print(f"  longest write-lock hold:       {lock:7.2f} s   (target about 1 s or less)")
    else:  # row locks only: other saves go on meanwhile
        print(f"  longest writing transaction:   {lock:7.2f} s   (rows locked, not the database)")
    print(f"  progress reports:              {len(reports):7d}     last {reports[-1]}")
    print(f"  rows stored:                   {stored:7,d}")
    print(f"  as a background job, to done:  {job_seconds:7.2f} s   (target < 10 s)")
    print(f"  progress shown while polling:  {', '.join(f'{p}%' for p in shown)}")
    print(f"  baseline, one upsert per row:  {per_row * rows:7.1f} s   (extrapolated)")


if __name__ == "__main__":
    main()

"""A 100,800-row judgments import runs as a job while twenty stakeholders keep saving.

gunicorn (4 workers × 4 threads, the job runner's threads inside them) on 127.0.0.1. A
facilitator uploads a paper workshop's file of 2,800 participants × 36 pairs through the
import page and follows its progress page; meanwhile twenty stakeholders of another
consultation keep answering through the comparison form. No save may fail or be lost, the
progress must be seen to grow, and the import must arrive whole.
"""

from __future__ import annotations

import asyncio
import os
import re
import time

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks import load
from deliberate import create_app
from deliberate.engine.synthetic import synthetic_csv, synthetic_table
from deliberate.extensions import db
from deliberate.models import User
from deliberate.services import consultations, rounds
from tests.load.conftest import DEADLINE

STAKEHOLDERS = 20
PARTICIPANTS, OUTCOMES = 2800, 9  # 36 pairs each: 100,800 rows
FACILITATOR = ("facilitator@load.example", "load")  # made by load.seed
PERCENT = re.compile(r"(\d+)% done")


def _import_round(database_url: str) -> int:
    """A second consultation, 9 outcomes and an open round, for the file; its id."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "load"})
    with app.app_context():
        facilitator = db.session.scalar(db.select(User).filter_by(email=FACILITATOR[0]))
        settings = consultations.Settings(title="Paper workshop", question="What matters?")
        consultation = consultations.create_consultation(
            facilitator, settings, [f"g{g}" for g in range(3)]
        )
        for i in range(OUTCOMES):
            consultations.add_outcome(consultation, facilitator, f"o{i}")
        rounds.open_first_round(consultation, facilitator)
        db.session.commit()
        cid = consultation.id
        db.session.remove()
        db.engine.dispose()
    return cid


async def _import(base: str, cid: int, data: bytes, seen: list[int | None]) -> str:
    """Sign in, upload the file, follow the progress page until the import ends.

    Every look at the progress page records its percentage (None while it cannot tell);
    returns the page the import ends on.
    """
    stats = load.Stats()
    browser = load.Browser(base, stats, time.monotonic() + DEADLINE)
    try:
        page = (await browser.request("open", "GET", "/login"))[2]
        fields = {"csrf_token": load.CSRF.search(page)[1], "email": FACILITATOR[0]}
        await browser.request("login", "POST", "/login", {**fields, "password": FACILITATOR[1]})
        path = f"/facilitate/{cid}/rounds/1/import"
        page = (await browser.request("page", "GET", path))[2]
        body = load.multipart(
            {"csrf_token": load.CSRF.search(page)[1]},
            {"file": ("workshop.csv", data, "text/csv")},
        )
        status, target, sent = await browser.request("upload", "POST", path, body)
        assert status == 302, (status, sent[:500])
        location = load._path(target)
        assert "job=" in location
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            status, target, page = await browser.request("progress", "GET", location)
            if status != 202:
                assert status == 302, (status, page[:500])
                return (await browser.request("page", "GET", load._path(target)))[2]
            found = PERCENT.search(page)
            seen.append(int(found[1]) if found else None)
            await asyncio.sleep(0.1)  # "Look now", more eagerly than the page's own 2 s
        raise AssertionError("the import did not finish in time")
    finally:
        await browser.close()


async def _saves(base: str, person: load.Person, stats: load.Stats, done: asyncio.Event) -> None:
    """Join, then answer pair after pair through the comparison form until ``done``."""
    browser = load.Browser(base, stats, time.monotonic() + DEADLINE)
    try:
        link = f"/i/{person.token}"
        page = (await browser.request("open", "GET", link))[2]
        fields = {"csrf_token": load.CSRF.search(page)[1], "display_name": "Saver"}
        person.join_sent = True
        location = (await browser.request("join", "POST", link, fields))[1]
        person.joined = True
        consultation = load._path(location).split("/")[2]
        number = 0
        while not done.is_set():
            number = number % 21 + 1
            path = f"/c/{consultation}/compare?pair={number}"
            page = (await browser.request("page", "GET", path))[2]
            await load._answer(browser, person, page, load.SCALE_KEYS[number % 17], "")
            await asyncio.sleep(0.3)
        person.finished = True
    finally:
        await browser.close()


async def _run(
    base: str, seeded: load.Seed, cid: int, data: bytes
) -> tuple[list[load.Person], load.Stats, list[int | None], str, int]:
    stats = load.Stats()
    people = [load.Person(token) for token in seeded.tokens]
    done = asyncio.Event()
    savers = [asyncio.create_task(_saves(base, person, stats, done)) for person in people]
    while len(stats.latencies["save"]) < STAKEHOLDERS:  # everyone is saving
        await asyncio.sleep(0.1)
    seen: list[int | None] = []
    saves_before = len(stats.latencies["save"])
    try:
        ended = await _import(base, cid, data, seen)
        during = len(stats.latencies["save"]) - saves_before
        await asyncio.sleep(1.0)  # and after it
    finally:
        done.set()
        await asyncio.gather(*savers)
    return people, stats, seen, ended, during


def test_a_large_import_runs_as_a_job_while_stakeholders_keep_saving(database_url: str) -> None:
    data = synthetic_csv(synthetic_table(PARTICIPANTS, OUTCOMES, seed=7, skip=0.0)).encode()
    rows = data.count(b"\n") - 1
    server = load.Server(database_url)
    server.start()
    try:
        seeded = load.seed(database_url, STAKEHOLDERS)
        cid = _import_round(database_url)
        server.wait()
        started = time.monotonic()
        people, stats, seen, ended, during = asyncio.run(_run(server.url, seeded, cid, data))
        seconds = time.monotonic() - started
    finally:
        server.stop()
    check = load.check(database_url, seeded, people)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        imported = connection.execute(
            text(
                "SELECT count(*), count(DISTINCT j.membership_id) FROM judgments j "
                "JOIN rounds r ON r.id = j.round_id WHERE r.consultation_id = :cid"
            ),
            {"cid": cid},
        ).one()
    engine.dispose()
    backend = make_url(database_url).get_backend_name()
    print(
        f"\n{backend}: {rows:,} rows imported as a job in {seconds:.1f} s; progress seen "
        f"{[s for s in seen if s is not None]} ({seen.count(None)} looks without a figure); "
        f"{during} saves during the import, "
        f"save p50/p95/max {stats.percentile('save', 50) * 1000:.0f}/"
        f"{stats.percentile('save', 95) * 1000:.0f}/{stats.percentile('save', 100) * 1000:.0f}"
        f" ms; errors {dict(stats.errors)}; machine load average "
        + ", ".join(f"{v:.1f}" for v in os.getloadavg())
    )
    assert f"Imported {rows} judgments of {PARTICIPANTS} participants" in ended
    assert tuple(imported) == (rows, PARTICIPANTS)
    figures = [s for s in seen if s is not None]
    assert len(set(figures)) >= 2 and figures == sorted(figures)  # seen to grow, never back
    assert all(person.finished for person in people)
    assert stats.errors["5xx"] == stats.errors["connection"] == stats.errors["other"] == 0
    assert stats.errors["retried"] == stats.errors["gave up"] == 0
    assert during >= STAKEHOLDERS
    assert check.lost == check.duplicated == check.unexpected == 0 and check.one_membership
    assert check.rows == check.acknowledged >= STAKEHOLDERS

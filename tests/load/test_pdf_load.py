"""Ten board summaries printed at once while a stakeholder saves: the site keeps answering.

`deliberate serve`'s shape under gunicorn (one process, eight threads) on 127.0.0.1, real
Chromium. Ten read-only links to ten different closed rounds are fetched at once, each
following its "printing" page until the PDF comes; meanwhile `/api/v1/health` is polled and
a stakeholder keeps saving answers. Then one PDF is fetched again, from the store.
"""

from __future__ import annotations

import asyncio
import os
import time

import aiohttp
import pytest

from benchmarks import load
from deliberate import create_app
from deliberate.demo import DEMO_TITLE, load_demo
from deliberate.extensions import db
from deliberate.models import Consultation, Job, Round, User
from deliberate.services import board
from deliberate.services.pdf import chromium
from tests.conftest import unavailable

PDFS = 10
TARGET_P95 = 0.200
CACHED_TARGET = 0.100


def _seed(database_url: str) -> tuple[load.Seed, list[str]]:
    """A stakeholder's invitation to an open round, and links to ten closed rounds."""
    seeded = load.seed(database_url, 2)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "load"})
    tokens = []
    with app.app_context():
        for number in range(PDFS):
            _, consultation = load_demo(seed=number)
            consultation.title = f"{DEMO_TITLE} ({number + 1})"
            db.session.commit()
        facilitator = db.session.scalar(db.select(User).filter_by(email="facilitator@example.org"))
        for consultation in db.session.scalars(db.select(Consultation)):
            closed = db.session.scalar(
                db.select(Round).filter_by(consultation_id=consultation.id, number=1)
            )
            if closed is not None and not closed.is_open:
                tokens.append(board.create_share_link(closed, facilitator))
        db.session.commit()
        db.engine.dispose()
    assert len(tokens) == PDFS
    return seeded, tokens


async def _pdf(base: str, token: str, deadline: float) -> tuple[int, bytes]:
    """Fetch a PDF as a browser would: follow the "printing" page until it is ready."""
    async with aiohttp.ClientSession() as session:
        looks = 0
        while time.monotonic() < deadline:
            looks += 1
            async with session.get(f"{base}/s/{token}.pdf") as response:
                body = await response.read()
                if response.status != 202:
                    assert response.status == 200, (response.status, body[:300])
                    return looks, body
                assert b'http-equiv="refresh" content="2' in body
            await asyncio.sleep(2.0)  # as the page's refresh does
    raise AssertionError("a PDF was not ready in time")


async def _health(base: str, stats: load.Stats, done: asyncio.Event) -> None:
    async with aiohttp.ClientSession() as session:
        while not done.is_set():
            started = time.perf_counter()
            async with session.get(f"{base}/api/v1/health") as response:
                await response.read()
                assert response.status == 200
            stats.latencies["health"].append(time.perf_counter() - started)
            await asyncio.sleep(0.1)


async def _saves(base: str, token: str, stats: load.Stats, done: asyncio.Event) -> None:
    browser = load.Browser(base, stats, time.monotonic() + 600)
    person = load.Person(token)
    try:
        link = f"/i/{token}"
        page = (await browser.request("open", "GET", link))[2]
        fields = {"csrf_token": load.CSRF.search(page).group(1), "display_name": "Saver"}
        location = (await browser.request("join", "POST", link, fields))[1]
        target = load._path(location)
        page = (await browser.request("page", "GET", target))[2]
        consultation = target.split("/")[2]
        number = 0
        while not done.is_set():
            number = number % 21 + 1
            page = (
                await browser.request("page", "GET", f"/c/{consultation}/compare?pair={number}")
            )[2]
            await load._answer(browser, person, page, "3", "")
            await asyncio.sleep(0.2)
    finally:
        await browser.close()


async def _baseline(base: str, token: str, seconds: float) -> load.Stats:
    """Health and saves alone, the same way, for comparison on this machine now."""
    stats = load.Stats()
    done = asyncio.Event()
    background = [
        asyncio.create_task(_health(base, stats, done)),
        asyncio.create_task(_saves(base, token, stats, done)),
    ]
    await asyncio.sleep(seconds)
    done.set()
    await asyncio.gather(*background)
    return stats


async def _run(base: str, seeded: load.Seed, tokens: list[str]) -> tuple[load.Stats, list]:
    stats = load.Stats()
    done = asyncio.Event()
    background = [
        asyncio.create_task(_health(base, stats, done)),
        asyncio.create_task(_saves(base, seeded.tokens[1], stats, done)),
    ]
    await asyncio.sleep(1.0)  # the stakeholder has joined and is saving
    deadline = time.monotonic() + 240
    started = time.monotonic()
    printed = await asyncio.gather(*(_pdf(base, token, deadline) for token in tokens))
    stats.latencies["all pdfs"].append(time.monotonic() - started)
    done.set()
    await asyncio.gather(*background)
    async with aiohttp.ClientSession() as session:
        for _ in range(5):
            started = time.perf_counter()
            async with session.get(f"{base}/s/{tokens[0]}.pdf") as response:
                again = await response.read()
                assert response.status == 200 and again == printed[0][1]
            stats.latencies["cached pdf"].append(time.perf_counter() - started)
    return stats, printed


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_ten_pdfs_at_once_leave_health_and_saves_fast(database_url: str) -> None:
    if chromium() is None:
        unavailable("needs Chromium (apt-get install chromium)", "DELIBERATE_REQUIRE_BROWSER")
    seeded, tokens = _seed(database_url)
    server = load.Server(database_url, workers=1, threads=8, env={"JOB_WAIT_SECONDS": "0.2"})
    with server:
        alone = asyncio.run(_baseline(server.url, seeded.tokens[0], 15))
        stats, printed = asyncio.run(_run(server.url, seeded, tokens))
    lines = [f"{'kind':<18} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"]
    for label, run, kinds in (
        ("without PDFs", alone, ("health", "save")),
        ("with 10 PDFs", stats, ("health", "save", "cached pdf", "all pdfs")),
    ):
        for kind in kinds:
            values = run.latencies[kind]
            lines.append(
                f"{kind + ' ' + label if kind in ('health', 'save') else kind:<18} "
                f"{len(values):>6} "
                + " ".join(f"{run.percentile(kind, q) * 1000:>8.1f}" for q in (50, 95, 100))
            )
    lines.append(f"looks per PDF until ready: {sorted(looks for looks, _ in printed)}")
    lines.append(
        "machine load average (1, 5, 15 min): " + ", ".join(f"{v:.1f}" for v in os.getloadavg())
    )
    targets = [
        (f"health p95 under {TARGET_P95 * 1000:.0f} ms", stats.percentile("health", 95)),
        (f"save p95 under {TARGET_P95 * 1000:.0f} ms", stats.percentile("save", 95)),
    ]
    lines += [f"[{'met' if p95 < TARGET_P95 else 'NOT MET'}] {name}" for name, p95 in targets]
    cached = stats.percentile("cached pdf", 95) < CACHED_TARGET
    lines.append(f"[{'met' if cached else 'NOT MET'}] stored PDF p95 under 100 ms")
    print("\n".join(lines))
    assert all(body.startswith(b"%PDF") for _, body in printed)
    assert len({body for _, body in printed}) == PDFS  # ten different summaries
    assert stats.errors["5xx"] == stats.errors["connection"] == stats.errors["other"] == 0
    assert len(stats.latencies["save"]) >= 20
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "load"})
    with app.app_context():
        # Fetched again, the PDF came from the store: still one print per summary.
        assert db.session.scalar(db.select(db.func.count(Job.id))) == PDFS
        db.engine.dispose()
    # On a shared machine the absolute targets above depend on its other load; printing
    # must at least not slow the site down beyond a small factor of the same run without it.
    for kind in ("health", "save"):
        bound = 3 * alone.percentile(kind, 95) + 0.100
        assert stats.percentile(kind, 95) < max(bound, TARGET_P95), kind

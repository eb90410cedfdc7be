"""Heavy work as jobs: PDFs printed off the request thread, bounded, stored and reused;
the same jobs through RQ on a real Redis, by an in-process worker and a `deliberate worker`."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import redis
from click.testing import CliRunner
from flask import Flask

from deliberate import create_app
from deliberate.cli import cli
from deliberate.demo import BOARD_EMAIL, FACILITATOR_EMAIL
from deliberate.extensions import db
from deliberate.models import Job, JobStatus, Judgment, Round
from deliberate.services import board, jobs, pdf, printing, results
from tests.conftest import FormClient, login, unavailable
from tests.factories import make_consultation, three_pair_csv

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


class Printer:
    """Stands in for Chromium's speed only: counts prints and how many run at once."""

    def __init__(self, seconds: float = 0.0, gate: threading.Event | None = None) -> None:
        self.seconds = seconds
        self.gate = gate
        self.documents: list[str] = []
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def __call__(self, html: str, **_: object) -> bytes:
        with self.lock:
            self.documents.append(html)
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(self.seconds)
        if self.gate is not None:
            assert self.gate.wait(60), "the test never let the print finish"
        with self.lock:
            self.running -= 1
        return b"%PDF-1.7 " + str(len(html)).encode()


def _job_status(app: Flask, job_id: int) -> JobStatus:
    with app.app_context():
        return db.session.get(Job, job_id).status


def _wait_done(app: Flask, job_id: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while _job_status(app, job_id) in (JobStatus.QUEUED, JobStatus.RUNNING):
        assert time.monotonic() < deadline, "the job did not finish"
        time.sleep(0.05)


def test_a_closed_rounds_pdf_is_printed_once_then_served_from_the_store(
    app: Flask, client: FormClient, demo: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    printer = Printer()
    monkeypatch.setattr(pdf, "html_to_pdf", printer)
    login(client, BOARD_EMAIL)
    first = client.get(f"/board/{demo}/rounds/1.pdf")
    assert first.status_code == 200 and first.data.startswith(b"%PDF-1.7")
    second = client.get(f"/board/{demo}/rounds/1.pdf")
    assert second.status_code == 200 and second.data == first.data
    assert len(printer.documents) == 1
    with app.app_context():
        [job] = db.session.scalars(db.select(Job)).all()
        assert job.status is JobStatus.DONE and job.progress == 1.0 and job.payload == ""
        round_ = db.session.scalar(db.select(Round).filter_by(consultation_id=demo, number=1))
        assert job.key == printing.summary_key(round_, board.summary_fingerprint(round_))


def test_a_stored_pdf_is_served_without_drawing_the_summary_until_it_changes(
    app: Flask, client: FormClient, demo: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    printer = Printer()
    monkeypatch.setattr(pdf, "html_to_pdf", printer)
    login(client, FACILITATOR_EMAIL)
    first = client.get(f"/board/{demo}/rounds/1.pdf")
    assert first.status_code == 200

    def not_drawn(*_: object) -> None:
        raise AssertionError("a stored PDF must not draw the summary")

    with monkeypatch.context() as patched:
        patched.setattr(board, "round_summary", not_drawn)
        patched.setattr(results, "round_report", not_drawn)
        again = client.get(f"/board/{demo}/rounds/1.pdf")
    assert again.status_code == 200 and again.data == first.data
    # A new note is on the summary, so it is printed anew, with the note in it.
    client.submit(
        f"/board/{demo}/rounds/1/note", {"note": "Read with the budget paper."},
        page=f"/board/{demo}/rounds/1",
    )  # fmt: skip
    changed = client.get(f"/board/{demo}/rounds/1.pdf")
    assert changed.status_code == 200 and len(printer.documents) == 2
    assert "Read with the budget paper." in printer.documents[1]
    assert "Read with the budget paper." not in printer.documents[0]


def test_a_slow_print_answers_at_once_with_a_page_that_refreshes(
    app: Flask, client: FormClient, demo: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    printing_may_end = threading.Event()
    monkeypatch.setattr(pdf, "html_to_pdf", Printer(gate=printing_may_end))
    app.config["JOB_WAIT_SECONDS"] = 0.1
    login(client, BOARD_EMAIL)
    pending = client.get(f"/board/{demo}/rounds/1.pdf")
    printing_may_end.set()
    page = pending.get_data(as_text=True)
    assert pending.status_code == 202
    with app.app_context():
        job_id = db.session.scalar(db.select(Job.id))
    again = f"/board/{demo}/rounds/1.pdf?job={job_id}"
    assert f'<meta http-equiv="refresh" content="2; url={again}">' in page
    assert "Printing the summary" in page and "looks again every 2 seconds" in page
    _wait_done(app, job_id)
    done = client.get(again)
    assert done.status_code == 200 and done.mimetype == "application/pdf"


def test_a_print_of_another_round_is_never_served_for_this_one(
    app: Flask, client: FormClient, demo: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf, "html_to_pdf", Printer())
    with app.app_context():
        other = Job(
            kind=printing.KIND,
            key=printing.document_key("<p>round 2</p>", 10**6),
            consultation_id=demo,
            status=JobStatus.DONE,
            result=b"another round",
        )
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    login(client, BOARD_EMAIL)
    response = client.get(f"/board/{demo}/rounds/1.pdf?job={other_id}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-1.7")
    for bad in ("²", "-1", "99999999999999999999999", "1e3"):
        assert client.get(f"/board/{demo}/rounds/1.pdf?job={bad}").status_code == 400


def test_at_most_the_configured_number_of_prints_run_at_once(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    printer = Printer(seconds=1.0)
    monkeypatch.setattr(pdf, "html_to_pdf", printer)
    with app.app_context():
        ids = [printing.print_document(f"<p>document {i}</p>").id for i in range(6)]
    for job_id in ids:
        _wait_done(app, job_id)
    assert len(printer.documents) == 6
    assert printer.most == app.config["PDF_CONCURRENCY"] == 2


def test_a_failed_print_is_a_clear_503_and_the_next_request_tries_again(
    app: Flask, client: FormClient, demo: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf, "chromium", lambda: None)
    login(client, BOARD_EMAIL)
    failed = client.get(f"/board/{demo}/rounds/1.pdf")
    assert failed.status_code == 503
    assert "PDFs need Chromium on the server" in failed.get_data(as_text=True)
    printer = Printer()
    monkeypatch.setattr(pdf, "html_to_pdf", printer)
    assert client.get(f"/board/{demo}/rounds/1.pdf").status_code == 200
    assert len(printer.documents) == 1
    with app.app_context():
        statuses = db.session.scalars(db.select(Job.status).order_by(Job.id)).all()
    assert statuses == [JobStatus.FAILED, JobStatus.DONE]


def test_a_job_lost_with_its_server_is_started_again(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    printer = Printer()
    monkeypatch.setattr(pdf, "html_to_pdf", printer)
    with app.app_context():
        lost = Job(
            kind=printing.KIND,
            key=printing.document_key("<p>x</p>"),
            payload="<p>x</p>",
            created_at=datetime(2020, 1, 1, tzinfo=UTC),
        )
        db.session.add(lost)
        db.session.commit()
        again = printing.print_document("<p>x</p>")
        assert again.id != lost.id
        db.session.refresh(lost)
        assert lost.status is JobStatus.FAILED
        again_id = again.id
    _wait_done(app, again_id)
    assert printer.documents == ["<p>x</p>"]


# ------------------------------------------------------------------------------ RQ


@pytest.fixture
def redis_app(app: Flask) -> Iterator[Flask]:
    """The test app with its jobs on a real Redis, in queues of its own."""
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError as error:
        unavailable(f"needs Redis at {REDIS_URL}: {error}", "DELIBERATE_REQUIRE_REDIS")
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    queued = create_app(
        {
            **{k: app.config[k] for k in ("TESTING", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY")},
            "REDIS_URL": REDIS_URL,
            "JOB_QUEUE_PREFIX": prefix,
        }
    )
    yield queued
    connection = redis.Redis.from_url(REDIS_URL)
    for key in connection.scan_iter(f"rq:*{prefix}*"):
        connection.delete(key)
    with queued.app_context():
        db.engine.dispose()


def test_with_redis_a_pdf_waits_in_the_queue_for_a_worker(
    redis_app: Flask, demo: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    printer = Printer()
    monkeypatch.setattr(pdf, "html_to_pdf", printer)
    redis_app.config["JOB_WAIT_SECONDS"] = 0.2
    redis_app.test_client_class = FormClient
    client = redis_app.test_client()
    login(client, BOARD_EMAIL)
    assert client.get(f"/board/{demo}/rounds/1.pdf").status_code == 202
    runner = redis_app.extensions["deliberate-jobs"]
    assert isinstance(runner, jobs.RqRunner) and runner.queues[jobs.PDF_QUEUE].count == 1
    jobs.run_worker(redis_app, (jobs.PDF_QUEUE, jobs.WORK_QUEUE), burst=True)
    assert len(printer.documents) == 1
    done = client.get(f"/board/{demo}/rounds/1.pdf")
    assert done.status_code == 200 and done.data.startswith(b"%PDF-1.7")


def test_deliberate_worker_prints_with_chromium_from_the_redis_queue(
    redis_app: Flask, tmp_path: Path
) -> None:
    if pdf.chromium() is None:
        unavailable("needs Chromium (apt-get install chromium)", "DELIBERATE_REQUIRE_BROWSER")
    document = "<!doctype html><meta charset='utf-8'><h1>Queued through Redis</h1>"
    with redis_app.app_context():
        job_id = printing.print_document(document).id
    environment = {
        **os.environ,
        "DATABASE_URL": redis_app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": REDIS_URL,
        "JOB_QUEUE_PREFIX": redis_app.config["JOB_QUEUE_PREFIX"],
        "SECRET_KEY": "test-secret",
        "FLASK_APP": "deliberate",
    }
    command = "from deliberate.cli import cli; cli()"
    finished = subprocess.run(
        [sys.executable, "-c", command, "worker", "--queue", "pdf", "--burst"],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    with redis_app.app_context():
        job = db.session.get(Job, job_id)
        assert job.status is JobStatus.DONE, job.error
        assert job.result.startswith(b"%PDF")


def test_deliberate_worker_without_redis_says_what_to_set(
    runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    result = runner.invoke(cli, ["worker", "--burst"])
    assert result.exit_code == 2
    assert "set REDIS_URL" in result.output


# ------------------------------------------------------------------------------ imports


def _import_page(app: Flask, client: FormClient) -> tuple[int, str]:
    """A consultation whose facilitator is signed in; files over 30 rows import as jobs."""
    app.config["IMPORT_JOB_ROWS"] = 30
    with app.app_context():
        cid = make_consultation().id
    login(client, "fac@example.org", "pw")
    return cid, f"/facilitate/{cid}/rounds/1/import"


def test_a_large_import_runs_as_a_job_and_the_page_follows_it(
    app: Flask, client: FormClient
) -> None:
    cid, url = _import_page(app, client)
    upload = io.BytesIO(three_pair_csv(20).encode())
    started = client.submit(url, {"file": (upload, "judgments.csv")})
    assert started.status_code == 302
    with app.app_context():
        job = db.session.scalar(db.select(Job))
        assert job.kind == "import" and job.consultation_id == cid
        job_id = job.id
    assert started.headers["Location"].endswith(f"{url}?job={job_id}")
    _wait_done(app, job_id)
    done = client.get(f"{url}?job={job_id}", follow_redirects=True)
    assert "Imported 60 judgments of 20 participants, 20 of them new" in done.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Judgment.id))) == 60
        job = db.session.get(Job, job_id)
        assert job.status is JobStatus.DONE and job.payload == ""
    # A small file is still imported at once.
    small = client.submit(url, {"file": (io.BytesIO(three_pair_csv(2).encode()), "x.csv")})
    assert small.status_code == 302 and "job=" not in small.headers["Location"]


def test_a_large_import_with_a_bad_row_imports_nothing_and_names_the_row(
    app: Flask, client: FormClient
) -> None:
    _, url = _import_page(app, client)
    text = three_pair_csv(20).replace(
        "P7,Funders,Efficiency,Equity,3,", "P7,Funders,Efficiency,Equity,10,"
    )
    started = client.submit(url, {"file": (io.BytesIO(text.encode()), "judgments.csv")})
    job_id = int(started.headers["Location"].rsplit("=", 1)[1])
    _wait_done(app, job_id)
    failed = client.get(f"{url}?job={job_id}")
    page = failed.get_data(as_text=True)
    assert failed.status_code == 400 and "Nothing was imported" in page and "line 23: value" in page
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Judgment.id))) == 0


# ------------------------------------------------------------------------------ analyses


def test_an_analysis_of_many_participants_runs_as_a_job_and_its_report_is_stored(
    app: Flask, client: FormClient, demo: int
) -> None:
    login(client, FACILITATOR_EMAIL)
    url = f"/facilitate/{demo}/export/results.json?round=1"
    in_request = client.get(url)
    assert in_request.status_code == 200
    app.config.update(ANALYSIS_JOB_PARTICIPANTS=10, JOB_WAIT_SECONDS=0)
    results._CACHE.clear()
    pending = client.get(f"/facilitate/{demo}/map?round=1")
    assert pending.status_code == 202 and "Analysing round 1" in pending.get_data(as_text=True)
    with app.app_context():
        job_id = db.session.scalar(db.select(Job.id).filter_by(kind="analysis"))
    _wait_done(app, job_id)
    results._CACHE.clear()  # as after a restart, or on another app server
    assert client.get(f"/facilitate/{demo}/map?round=1").status_code == 200
    stored = client.get(url)
    assert stored.status_code == 200 and stored.get_json() == in_request.get_json()
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Job.id))) == 1


def test_serve_refuses_several_processes_without_a_shared_store(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    result = CliRunner().invoke(cli, ["serve", "--workers", "2"])
    assert result.exit_code == 2
    assert "Several processes need a shared store" in result.output
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    assert CliRunner().invoke(cli, ["serve", "--workers", "2"]).exit_code == 2

"""Heavy work as jobs: run off the request thread, results persisted in the ``jobs`` table.

Two runners, one behaviour:

- with ``REDIS_URL`` set, jobs go on an RQ queue in Redis and ``deliberate worker``
  processes run them (any number, on any machine that reaches Redis and the database);
- otherwise an in-process pool of threads runs them, so one server needs nothing more.

PDF printing has its own queue of ``PDF_CONCURRENCY`` threads (or its own RQ queue), so at
most that many Chromium processes run at once and the rest wait their turn.

A job's ``key`` says what it computes from what; a finished job with the same key is the
cached result, so a second reader or a restarted server does not compute it again.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import select, update

from ..extensions import db
from ..models import Job, JobStatus, Round, utcnow
from . import pdf

log = logging.getLogger(__name__)

#: Queues: PDF printing apart, so its threads (or workers) bound the number of browsers.
PDF_QUEUE, WORK_QUEUE = "pdf", "work"
#: How often a waiting request looks at a job's status.
POLL_SECONDS = 0.05


class JobFailed(Exception):
    """The job could not do its work; the message is shown to the person who asked."""


Task = Callable[[Job, Callable[[float], None]], bytes]
_TASKS: dict[str, tuple[str, Task]] = {}


def task(kind: str, queue: str = WORK_QUEUE) -> Callable[[Task], Task]:
    """Register ``function(job, report_progress) -> bytes`` as the work of jobs of ``kind``."""

    def register(function: Task) -> Task:
        _TASKS[kind] = (queue, function)
        return function

    return register


def asked_round(job: Job) -> tuple[dict[str, Any], Round]:
    """A round job's payload and the round it names (:class:`JobFailed` if it is gone)."""
    asked = json.loads(job.payload)
    round_ = db.session.get(Round, asked["round_id"])
    if round_ is None:
        raise JobFailed("The round no longer exists.")
    return asked, round_


# ------------------------------------------------------------------------------ runners


def yield_cpu() -> None:
    """Run this job thread at a lower CPU priority than the threads answering requests."""
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), pdf.NICENESS)


class ThreadRunner:
    """Runs jobs in this process: one pool of threads per queue."""

    def __init__(self, app: Flask, sizes: dict[str, int]) -> None:
        self.app = app
        self.pools = {
            name: ThreadPoolExecutor(size, thread_name_prefix=f"job-{name}", initializer=yield_cpu)
            for name, size in sizes.items()
        }

    def enqueue(self, queue: str, job_id: int) -> None:
        """Start ``job_id`` when a thread of ``queue`` is free."""
        self.pools[queue].submit(self._run, job_id)

    def _run(self, job_id: int) -> None:
        with self.app.app_context():
            try:
                execute(job_id)
            finally:
                db.session.remove()


class RqRunner:
    """Puts jobs on RQ queues in Redis for ``deliberate worker`` processes."""

    def __init__(self, url: str, prefix: str, timeout: int) -> None:
        from redis import Redis
        from rq import Queue

        self.connection = Redis.from_url(url)
        self.queues = {
            name: Queue(f"{prefix}-{name}", connection=self.connection)
            for name in (PDF_QUEUE, WORK_QUEUE)
        }
        self.timeout = timeout

    def enqueue(self, queue: str, job_id: int) -> None:
        """Put ``job_id`` on ``queue`` for a worker."""
        self.queues[queue].enqueue(run_in_worker, job_id, job_timeout=self.timeout)


def init_app(app: Flask) -> None:
    """Give ``app`` its job runner: RQ when ``REDIS_URL`` is set, else threads."""
    url = app.config.get("REDIS_URL", "")
    runner: ThreadRunner | RqRunner
    if url:
        runner = RqRunner(url, app.config["JOB_QUEUE_PREFIX"], app.config["JOB_TIMEOUT_SECONDS"])
    else:
        runner = ThreadRunner(
            app,
            {
                PDF_QUEUE: app.config["PDF_CONCURRENCY"],
                WORK_QUEUE: app.config["JOB_THREADS"],
            },
        )
    app.extensions["deliberate-jobs"] = runner


# ------------------------------------------------------------------------------ running


_worker_app: Flask | None = None
_worker_lock = threading.Lock()


def run_worker(app: Flask, queues: tuple[str, ...], *, burst: bool = False) -> None:
    """Run RQ jobs from ``queues`` (PDFs first) in this process until stopped.

    ``burst`` stops once the queues are empty. Jobs run one at a time in this process (no
    fork per job), so each worker prints at most one PDF at a time.
    """
    global _worker_app
    from rq import SimpleWorker

    runner = app.extensions["deliberate-jobs"]
    if not isinstance(runner, RqRunner):
        raise RuntimeError(
            "Workers need a shared queue: set REDIS_URL (e.g. redis://127.0.0.1:6379/0)."
        )
    _worker_app = app
    worker = SimpleWorker([runner.queues[name] for name in queues], connection=runner.connection)
    worker.work(burst=burst, with_scheduler=False)


def run_in_worker(job_id: int) -> None:
    """Entry point of an RQ job: run ``job_id`` in the worker's app (built once if need be)."""
    global _worker_app
    with _worker_lock:
        if _worker_app is None:
            from .. import create_app

            _worker_app = create_app()
    with _worker_app.app_context():
        try:
            execute(job_id)
        finally:
            db.session.remove()


def _set_progress(job_id: int, fraction: float) -> None:
    """Record progress on its own connection, outside the task's transaction."""
    value = min(max(float(fraction), 0.0), 1.0)
    with db.engine.begin() as connection:
        connection.execute(update(Job).where(Job.id == job_id).values(progress=value))


def execute(job_id: int) -> None:
    """Run one queued job and store its result or its error (called by a runner)."""
    job = db.session.get(Job, job_id)
    if job is None or job.status is not JobStatus.QUEUED:
        return
    job.status = JobStatus.RUNNING
    db.session.commit()
    _, work = _TASKS[job.kind]
    try:
        result = work(job, lambda fraction: _set_progress(job_id, fraction))
    except JobFailed as error:
        db.session.rollback()
        _finish(job_id, JobStatus.FAILED, error=str(error))
    except Exception:
        db.session.rollback()
        log.exception("job %s (%s) failed", job_id, job.kind)
        _finish(job_id, JobStatus.FAILED, error="The work failed unexpectedly. Please try again.")
    else:
        db.session.commit()
        _finish(job_id, JobStatus.DONE, result=result)


def _finish(
    job_id: int, status: JobStatus, *, result: bytes | None = None, error: str = ""
) -> None:
    db.session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(
            status=status,
            result=result,
            error=error,
            progress=1.0 if status is JobStatus.DONE else None,
            payload="",
            finished_at=utcnow(),
        )
    )
    db.session.commit()


# ------------------------------------------------------------------------------ asking


def _latest(key: str) -> Job | None:
    """The newest job computing ``key`` that has not failed."""
    return db.session.scalar(
        select(Job).where(Job.key == key, Job.status != JobStatus.FAILED).order_by(Job.id.desc())
    )


def _live(job: Job) -> bool:
    """True for a finished job, or one asked for within ``JOB_TIMEOUT_SECONDS`` (not lost)."""
    stale = utcnow() - timedelta(seconds=current_app.config["JOB_TIMEOUT_SECONDS"])
    return job.status is JobStatus.DONE or job.created_at > stale


def existing(key: str) -> Job | None:
    """The finished job computing ``key``, or one still working on it; None otherwise."""
    found = _latest(key)
    return found if found is not None and _live(found) else None


def submit(kind: str, key: str, payload: str = "", consultation_id: int | None = None) -> Job:
    """The job computing ``key``: a finished or running one if there is, else a new one.

    A job that failed, or that has waited longer than ``JOB_TIMEOUT_SECONDS`` (its runner
    was restarted), is replaced by a fresh one.
    """
    found = _latest(key)
    if found is not None and _live(found):
        return found
    if found is not None:
        found.status, found.error = JobStatus.FAILED, "The job was lost; it was started again."
    job = Job(kind=kind, key=key, payload=payload, consultation_id=consultation_id)
    db.session.add(job)
    db.session.commit()
    queue, _ = _TASKS[kind]
    current_app.extensions["deliberate-jobs"].enqueue(queue, job.id)
    if has_request_context():
        g.deliberate_job_started = True
    return job


def started_in_request() -> bool:
    """True when this request started a new job (rate limits count only those)."""
    return bool(g.get("deliberate_job_started", False))


def wait(job: Job, seconds: float) -> Job:
    """``job`` as it stands once finished, or after ``seconds`` if it is still working."""
    deadline = time.monotonic() + seconds
    while job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        with db.engine.connect() as connection:
            status = connection.scalar(select(Job.status).where(Job.id == job.id))
        if status in (JobStatus.DONE, JobStatus.FAILED):
            db.session.refresh(job)
            break
        if time.monotonic() >= deadline:
            db.session.refresh(job)
            break
        time.sleep(POLL_SECONDS)
    return job


def find(job_id: int | None, kind: str, consultation_id: int | None) -> Job | None:
    """The job ``job_id`` if it is of ``kind`` and for ``consultation_id``, else None."""
    job = db.session.get(Job, job_id) if job_id is not None else None
    if job is None or job.kind != kind or job.consultation_id != consultation_id:
        return None
    return job


def percent(job: Job) -> int | None:
    """The job's progress in whole percent, or None where the work cannot tell."""
    return None if job.progress is None else round(100 * job.progress)


def describe(job: Job) -> dict[str, Any]:
    """A job's state for a page or the API."""
    return {"id": job.id, "status": job.status.value, "percent": percent(job), "error": job.error}

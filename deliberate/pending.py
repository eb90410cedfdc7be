"""The page shown while a job works: its progress, looking again until the result is ready."""

from __future__ import annotations

from flask import render_template

from .models import Job
from .services import jobs

#: Seconds between two looks of a page waiting for its job.
REFRESH_SECONDS = 2


def pending_page(title: str, job: Job | None, again: str) -> tuple[str, int]:
    """A 202 page about ``job`` (None: not started yet) that looks again at ``again`` every
    few seconds."""
    page = render_template(
        "jobs/pending.html",
        title=title,
        job=jobs.describe(job) if job is not None else {"status": "queued", "percent": None},
        refresh=REFRESH_SECONDS,
        again=again,
    )
    return page, 202

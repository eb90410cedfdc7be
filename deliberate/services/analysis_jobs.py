"""Analyses of many participants as jobs, their reports stored by the round's fingerprint.

Below ``ANALYSIS_JOB_PARTICIPANTS`` a report is computed in the request, as it takes well
under a second; above, a job computes it once and stores it, so the page waits for it
without holding the server, and a second reader, another app server or a restarted one
reads the stored report.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from flask import current_app

from ..engine import Report, to_json
from ..models import Job, JobStatus, Round
from . import jobs
from .results import participant_count, report_fingerprint, round_report

KIND = "analysis"


@jobs.task(KIND)
def _analyse(job: Job, _progress: Callable[[float], None]) -> bytes:
    asked, round_ = jobs.asked_round(job)
    report = round_report(round_, exclude_inconsistent=asked["exclude_inconsistent"])
    return to_json(report).encode() if report is not None else b"null"


def report_or_job(round_: Round, *, exclude_inconsistent: bool = False) -> Report | Job | None:
    """The round's report (None while nobody has answered), or the job still computing it."""
    if participant_count(round_) <= current_app.config["ANALYSIS_JOB_PARTICIPANTS"]:
        return round_report(round_, exclude_inconsistent=exclude_inconsistent)
    fingerprint = report_fingerprint(round_, exclude_inconsistent=exclude_inconsistent)
    key = f"{KIND}:{round_.id}:{hashlib.sha256(fingerprint.encode()).hexdigest()}"
    payload = json.dumps({"round_id": round_.id, "exclude_inconsistent": exclude_inconsistent})
    job = jobs.wait(
        jobs.submit(KIND, key, payload, round_.consultation_id),
        current_app.config["JOB_WAIT_SECONDS"],
    )
    if job.status is JobStatus.DONE:
        report: Report | None = json.loads(job.result or b"null")  # to_json of a Report
        return report
    if job.status is JobStatus.FAILED:
        raise jobs.JobFailed(job.error)
    return job

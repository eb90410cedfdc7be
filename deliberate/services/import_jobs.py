"""Large judgment imports as jobs: the same all-or-nothing import, off the request thread."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

from flask import current_app

from ..extensions import db
from ..models import Job, Round, User
from . import jobs
from .imports import ImportRejected, ImportSummary, import_csv

KIND = "import"


@jobs.task(KIND)
def _import(job: Job, _progress: Callable[[float], None]) -> bytes:
    asked = json.loads(job.payload)
    round_ = db.session.get(Round, asked["round_id"])
    if round_ is None:
        raise jobs.JobFailed("The round no longer exists.")
    user = db.session.get(User, asked["user_id"]) if asked["user_id"] is not None else None
    try:
        summary = import_csv(round_, asked["csv"], user=user)
    except ImportRejected as rejected:
        raise jobs.JobFailed("\n".join(rejected.describe(e) for e in rejected.errors)) from None
    return json.dumps(
        {
            "judgments": summary.judgments,
            "participants": summary.participants,
            "created": summary.created,
        }
    ).encode()


def needs_job(text: str) -> bool:
    """True when ``text`` has more data lines than ``IMPORT_JOB_ROWS`` (one line a row)."""
    return text.rstrip("\n").count("\n") > current_app.config["IMPORT_JOB_ROWS"]


def start(round_: Round, text: str, user: User | None) -> Job:
    """Start importing the CSV ``text`` into ``round_`` as a job."""
    payload = json.dumps({"round_id": round_.id, "user_id": user.id if user else None, "csv": text})
    return jobs.submit(
        KIND, f"{KIND}:{round_.id}:{uuid.uuid4().hex}", payload, round_.consultation_id
    )


def summary_of(job: Job) -> ImportSummary:
    """What a finished import job saved."""
    return ImportSummary(**json.loads(job.result or b"{}"))

"""Large judgment imports as jobs: the same all-or-nothing import, off the request thread."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable

from flask import current_app

from ..extensions import db
from ..models import Job, Round, User
from . import jobs
from .imports import ImportRejected, ImportSummary, import_file

KIND = "import"
#: Share of the progress bar for staging the rows; the last step, writing them into the
#: round in one transaction, cannot tell how far it is and takes the rest.
STAGING_SHARE = 0.9


@jobs.task(KIND)
def _import(job: Job, progress: Callable[[float], None]) -> bytes:
    asked, round_ = jobs.asked_round(job)
    user = db.session.get(User, asked["user_id"]) if asked["user_id"] is not None else None
    try:
        summary = import_file(
            round_,
            base64.b64decode(asked["data"]),
            user=user,
            name=asked["name"],
            sheet=asked["sheet"],
            signed=asked["signed"],
            progress=lambda done, total: progress(STAGING_SHARE * done / max(total, 1)),
        )
    except ImportRejected as rejected:
        raise jobs.JobFailed("\n".join(rejected.describe(e) for e in rejected.errors)) from None
    return json.dumps(
        {
            "judgments": summary.judgments,
            "participants": summary.participants,
            "created": summary.created,
        }
    ).encode()


#: Bytes of a spreadsheet (.xlsx, compressed) counted as one row when deciding on a job.
XLSX_BYTES_PER_ROW = 16


def needs_job(data: bytes, name: str = "") -> bool:
    """True when the file has more rows than ``IMPORT_JOB_ROWS``: lines of a text file, or
    about that many rows' worth of bytes of a spreadsheet."""
    limit = current_app.config["IMPORT_JOB_ROWS"]
    if name.lower().endswith(".xlsx"):
        return len(data) > limit * XLSX_BYTES_PER_ROW
    return max(data.count(b"\n"), data.count(b"\r")) > limit


def start(
    round_: Round,
    data: bytes,
    user: User | None,
    *,
    name: str = "",
    sheet: str | None = None,
    signed: bool = False,
) -> Job:
    """Start importing the judgments file ``data`` into ``round_`` as a job."""
    payload = json.dumps(
        {
            "round_id": round_.id,
            "user_id": user.id if user else None,
            "data": base64.b64encode(data).decode("ascii"),
            "name": name,
            "sheet": sheet,
            "signed": signed,
        }
    )
    return jobs.submit(
        KIND, f"{KIND}:{round_.id}:{uuid.uuid4().hex}", payload, round_.consultation_id
    )


def summary_of(job: Job) -> ImportSummary:
    """What a finished import job saved."""
    return ImportSummary(**json.loads(job.result or b"{}"))

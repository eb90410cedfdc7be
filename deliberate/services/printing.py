"""Board summaries printed to PDF as jobs, stored under what they print.

A round's summary is stored under the round's :func:`~.board.summary_fingerprint`, which
changes with anything the summary shows (answers, settings, the note, quoted reasons,
options, the date printed on it) and is read without drawing the summary: a closed round's
summary asked for again is served from the stored PDF at the cost of a few small queries.
Other documents are stored under a hash of the document itself.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from flask import current_app

from ..models import Job, Round
from . import jobs, pdf

KIND = "pdf"
#: Charts take ids from a running count; two renderings of one summary differ only there.
_CHART_ID = re.compile(r"chart-\d+")


@jobs.task(KIND, queue=jobs.PDF_QUEUE)
def _print(job: Job, _progress: Callable[[float], None]) -> bytes:
    try:
        return pdf.html_to_pdf(job.payload, timeout=current_app.config["PDF_TIMEOUT_SECONDS"])
    except pdf.PdfUnavailable as error:
        raise jobs.JobFailed(str(error)) from None


def _prefix(round_id: int | None) -> str:
    return f"{KIND}:{round_id or 0}:"


def document_key(document: str, round_id: int | None = None) -> str:
    """The cache key of a round's printed document (chart ids numbered as they appear)."""
    numbers: dict[str, str] = {}
    stable = _CHART_ID.sub(lambda m: numbers.setdefault(m[0], f"chart-{len(numbers)}"), document)
    digest = hashlib.sha256(stable.encode("utf-8", "surrogatepass")).hexdigest()
    return _prefix(round_id) + digest


def summary_key(round_: Round, fingerprint: str) -> str:
    """The cache key of ``round_``'s summary whose inputs have ``fingerprint``."""
    return _prefix(round_.id) + fingerprint


def stored_print(key: str) -> Job | None:
    """The print stored (or still printing) under ``key``, if any."""
    return jobs.existing(key)


def print_document(document: str, round_: Round | None = None, key: str | None = None) -> Job:
    """The job printing ``document`` (of ``round_``) under ``key`` (default: a hash of the
    document): the stored PDF if printed before."""
    consultation_id = round_.consultation_id if round_ is not None else None
    key = key or document_key(document, round_.id if round_ is not None else None)
    return jobs.submit(KIND, key, document, consultation_id)


def find_print(job_id: int | None, round_: Round) -> Job | None:
    """The print ``job_id`` if it is one of ``round_``'s summary, else None."""
    job = jobs.find(job_id, KIND, round_.consultation_id)
    return job if job is not None and job.key.startswith(_prefix(round_.id)) else None

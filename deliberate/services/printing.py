"""Board summaries printed to PDF as jobs, cached by the exact document they print.

The key is a hash of the self-contained HTML document, so anything that changes what the
summary shows (judgments, notes, quoted reasons, the date printed on it) prints anew, and
a closed round's summary asked for again is served from the stored PDF.
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


def print_document(document: str, round_: Round | None = None) -> Job:
    """The job printing ``document`` (of ``round_``): the stored PDF if printed before."""
    consultation_id = round_.consultation_id if round_ is not None else None
    key = document_key(document, round_.id if round_ is not None else None)
    return jobs.submit(KIND, key, document, consultation_id)


def find_print(job_id: int | None, round_: Round) -> Job | None:
    """The print ``job_id`` if it is one of ``round_``'s summary, else None."""
    job = jobs.find(job_id, KIND, round_.consultation_id)
    return job if job is not None and job.key.startswith(_prefix(round_.id)) else None

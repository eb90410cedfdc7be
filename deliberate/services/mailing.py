"""E-mail sent as a job: invitations and reminders in bulk, off the request thread.

The request commits its invitations first, then queues one job with the messages; the job
sends them over one SMTP connection, reporting how many have gone. The messages (which
carry invitation links) wait in the job's payload only until the job ends, when the
payload is cleared, so the database otherwise keeps only the links' hashes.
"""

from __future__ import annotations

import json
import smtplib
import uuid
from collections.abc import Callable, Sequence
from email import message_from_string, policy
from email.message import EmailMessage

from flask import current_app

from .. import mail
from ..extensions import db
from ..models import Consultation, Job, JobStatus
from . import jobs

KIND = "mail"


@jobs.task(KIND)
def _send(job: Job, progress: Callable[[float], None]) -> bytes:
    settings = mail.mail_settings(current_app.config)
    if settings is None:
        raise jobs.JobFailed("E-mail is not set up on this server; copy the links instead.")
    texts = json.loads(job.payload)
    messages = [message_from_string(text, policy=policy.default) for text in texts]
    every = max(1, len(messages) // 100)  # about a hundred progress reports at most
    done = [0]

    def sent_so_far(count: int) -> None:
        done[0] = count
        if count % every == 0:
            progress(count / len(messages))

    try:
        sent = mail.send(settings, messages, sent_so_far)
    except (smtplib.SMTPException, OSError) as error:
        raise jobs.JobFailed(
            f"The e-mails could not be sent ({error}): {done[0]} of {len(messages)} went. "
            "Reach the others yourself; new links can be copied or downloaded where shown."
        ) from None
    return json.dumps({"sent": sent}).encode()


def start(consultation: Consultation, messages: Sequence[EmailMessage]) -> Job:
    """Queue ``messages`` to be sent by a job (call once the invitations are committed)."""
    payload = json.dumps([message.as_string(policy=policy.SMTP) for message in messages])
    return jobs.submit(KIND, f"{KIND}:{uuid.uuid4().hex}", payload, consultation.id)


def sending(consultation: Consultation) -> Job | None:
    """The consultation's latest e-mail job if it has not finished yet."""
    job = db.session.scalar(
        db.select(Job)
        .filter_by(kind=KIND, consultation_id=consultation.id)
        .order_by(Job.id.desc())
        .limit(1)
    )
    return job if job is not None and job.status in (JobStatus.QUEUED, JobStatus.RUNNING) else None


def sent(job: Job) -> int:
    """How many e-mails a finished job sent."""
    return int(json.loads(job.result or b"{}").get("sent", 0))


def outcome(job: Job) -> tuple[str, str]:
    """What to tell the facilitator about ``job``, and how (a flash category)."""
    if job.status is JobStatus.DONE:
        return f"{sent(job)} e-mail(s) sent.", "success"
    if job.status is JobStatus.FAILED:
        return job.error, "warning"
    percent = jobs.percent(job)
    done = f", {percent}% done" if percent is not None else ""
    return f"The e-mails are being sent{done}; this page can be left meanwhile.", "info"

"""Importing a judgments CSV into a round, e.g. the answers of a paper workshop."""

from __future__ import annotations

import io
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import NotFound
from wtforms import SubmitField

from ..access import require_membership
from ..extensions import db
from ..models import Consultation, JobStatus, Role, Round
from ..pending import pending_page
from ..services import import_jobs, jobs
from ..services.imports import ImportRejected, ImportSummary, RowError, import_csv
from ..validation import query_int, text_problem
from . import bp


class JudgmentsFileForm(FlaskForm):
    """One CSV file in the format ``deliberate analyze`` reads."""

    file = FileField("Judgments CSV file", validators=[FileRequired("Choose a CSV file.")])
    submit = SubmitField("Import judgments")


def read_upload(upload: FileStorage) -> str:
    """An uploaded text file as UTF-8 (a BOM dropped), any line ending read as a new line.

    Raises
    ------
    UnicodeDecodeError
        When the file is not UTF-8.
    ValueError
        When it holds text that no form accepts (see :func:`~deliberate.validation.text_problem`).
    """
    text = io.TextIOWrapper(upload.stream, encoding="utf-8-sig", newline=None).read()
    problem = text_problem(text)
    if problem:
        raise ValueError(problem)
    return text


def _imported(summary: ImportSummary, number: int) -> None:
    new = f", {len(summary.created)} of them new" if summary.created else ""
    flash(
        f"Imported {summary.judgments} judgments of {summary.participants} "
        f"participants{new} into round {number}.",
        "success",
    )


def _round(consultation: Consultation, number: int) -> Round:
    round_ = next((r for r in consultation.rounds if r.number == number), None)
    if round_ is None:
        raise NotFound(f"This consultation has no round {number}.")
    return round_


@bp.route("/<int:cid>/rounds/<int:number>/import", methods=["GET", "POST"])
def import_judgments_page(cid: int, number: int) -> Any:
    """Upload a judgments CSV into the round: every row is saved, or none is."""
    consultation = require_membership(cid, Role.FACILITATOR).consultation
    round_ = _round(consultation, number)
    form = JudgmentsFileForm()
    rejected = None
    job = jobs.find(query_int("job"), import_jobs.KIND, consultation.id)
    if job is not None and request.method == "GET":
        if job.status is JobStatus.DONE:
            _imported(import_jobs.summary_of(job), number)
            return redirect(url_for(".import_judgments_page", cid=cid, number=number))
        if job.status is JobStatus.FAILED:
            lines = job.error.splitlines()
            rejected = ImportRejected([RowError(None, None, line) for line in lines])
        else:
            return pending_page(
                f"Importing judgments into round {number}",
                job,
                url_for(".import_judgments_page", cid=cid, number=number, job=job.id),
            )
    if form.validate_on_submit():
        try:
            text = read_upload(form.file.data)
            if import_jobs.needs_job(text):
                job = import_jobs.start(round_, text, current_user)
                return redirect(
                    url_for(".import_judgments_page", cid=cid, number=number, job=job.id)
                )
            summary = import_csv(round_, text, user=current_user)
        except UnicodeDecodeError:
            rejected = ImportRejected([RowError(None, "file", "it is not UTF-8 text")])
        except ValueError as error:
            rejected = ImportRejected([RowError(None, "file", str(error))])
        except ImportRejected as error:
            db.session.rollback()
            rejected = error
        else:
            _imported(summary, number)
            return redirect(url_for(".import_judgments_page", cid=cid, number=number))
    status = rejected.status if rejected else (400 if form.errors else 200)
    page = render_template(
        "facilitator/import_judgments.html",
        consultation=consultation,
        round=round_,
        form=form,
        rejected=rejected,
    )
    return page, status

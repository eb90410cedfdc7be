"""Importing a judgments file into a round, e.g. the answers of a paper workshop."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import Length, Optional

from ..access import require_membership
from ..models import JobStatus, Role
from ..pending import pending_page
from ..services import import_jobs, jobs
from ..services.imports import ImportRejected, ImportSummary, RowError, import_file
from ..services.lookup import require_round
from ..validation import large_upload, query_int
from . import bp


class JudgmentsFileForm(FlaskForm):
    """One judgments file in a layout ``deliberate analyze`` reads (CSV, TSV, .xlsx)."""

    file = FileField("Judgments file", validators=[FileRequired("Choose a CSV or .xlsx file.")])
    sheet = StringField("Sheet (.xlsx only)", validators=[Optional(), Length(max=100)])
    signed = BooleanField("Pair columns run from −9 to 9 (negative: the second matters more)")
    submit = SubmitField("Import judgments")


def _imported(summary: ImportSummary, number: int) -> None:
    new = f", {len(summary.created)} of them new" if summary.created else ""
    flash(
        f"Imported {summary.judgments} judgments of {summary.participants} "
        f"participants{new} into round {number}.",
        "success",
    )


@bp.route("/<int:cid>/rounds/<int:number>/import", methods=["GET", "POST"])
@large_upload
def import_judgments_page(cid: int, number: int) -> Any:
    """Upload a judgments file into the round: every row is saved, or none is."""
    consultation = require_membership(cid, Role.FACILITATOR).consultation
    round_ = require_round(consultation, number)
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
        upload = form.file.data
        try:
            data = upload.read()
            options = {
                "name": upload.filename or "",
                "sheet": form.sheet.data or None,
                "signed": form.signed.data,
            }
            if import_jobs.needs_job(data, options["name"]):
                job = import_jobs.start(round_, data, current_user, **options)
                return redirect(
                    url_for(".import_judgments_page", cid=cid, number=number, job=job.id)
                )
            summary = import_file(round_, data, user=current_user, **options)
        except ImportRejected as error:
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

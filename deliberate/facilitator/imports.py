"""Importing a judgments file into a round, e.g. the answers of a paper workshop."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import NotFound
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import Length, Optional

from ..access import require_membership
from ..extensions import db
from ..models import Consultation, Role, Round
from ..services.imports import ImportRejected, import_file
from . import bp


class JudgmentsFileForm(FlaskForm):
    """One judgments file in a layout ``deliberate analyze`` reads (CSV, TSV, .xlsx)."""

    file = FileField("Judgments file", validators=[FileRequired("Choose a CSV or .xlsx file.")])
    sheet = StringField("Sheet (.xlsx only)", validators=[Optional(), Length(max=100)])
    signed = BooleanField("Pair columns run from −9 to 9 (negative: the second matters more)")
    submit = SubmitField("Import judgments")


def _round(consultation: Consultation, number: int) -> Round:
    round_ = next((r for r in consultation.rounds if r.number == number), None)
    if round_ is None:
        raise NotFound(f"This consultation has no round {number}.")
    return round_


@bp.route("/<int:cid>/rounds/<int:number>/import", methods=["GET", "POST"])
def import_judgments_page(cid: int, number: int) -> Any:
    """Upload a judgments file into the round: every row is saved, or none is."""
    consultation = require_membership(cid, Role.FACILITATOR).consultation
    round_ = _round(consultation, number)
    form = JudgmentsFileForm()
    rejected = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            summary = import_file(
                round_,
                upload.read(),
                user=current_user,
                name=upload.filename or "",
                sheet=form.sheet.data or None,
                signed=form.signed.data,
            )
        except ImportRejected as error:
            db.session.rollback()
            rejected = error
        else:
            new = f", {len(summary.created)} of them new" if summary.created else ""
            flash(
                f"Imported {summary.judgments} judgments of {summary.participants} "
                f"participants{new} into round {number}.",
                "success",
            )
            for notice in summary.notices:
                flash(f"The file was {notice}.", "info")
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

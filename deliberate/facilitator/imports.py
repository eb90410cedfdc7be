"""Importing a judgments CSV into a round, e.g. the answers of a paper workshop."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import NotFound
from wtforms import SubmitField

from ..access import require_membership
from ..extensions import db
from ..models import Consultation, Role, Round
from ..services.imports import ImportRejected, RowError, import_csv
from . import bp


class JudgmentsFileForm(FlaskForm):
    """One CSV file in the format ``deliberate analyze`` reads."""

    file = FileField("Judgments CSV file", validators=[FileRequired("Choose a CSV file.")])
    submit = SubmitField("Import judgments")


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
    if form.validate_on_submit():
        try:
            text = form.file.data.read().decode("utf-8-sig")
            summary = import_csv(round_, text, user=current_user)
        except UnicodeDecodeError:
            rejected = ImportRejected([RowError(None, "file", "it is not UTF-8 text")])
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

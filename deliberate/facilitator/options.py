"""The facilitator's options page: options, the appraisal and its assessors."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from ..models import AppraisalMode, Consultation, Option, Round, Synthesis
from ..services import options as service
from ..services.consultations import SetupError
from ..services.invitations import InvitationError
from ..services.lookup import part_of
from . import bp
from .option_forms import AssessorForm, OpenAppraisalForm, OptionForm, SynthesisForm
from .setup import facilitated, form_errors


def _page(
    consultation: Consultation, status: int = 200, link: str | None = None, **forms: Any
) -> tuple[str, int]:
    appraisal = service.appraisal_of(consultation)
    return render_template(
        "facilitator/options.html",
        consultation=consultation,
        options=service.options_of(consultation),
        appraisal=appraisal,
        assessors=service.assessors_of(consultation),
        pending=service.pending_assessors(consultation),
        option_form=forms.get("option_form") or OptionForm(formdata=None, prefix="option"),
        open_form=forms.get("open_form") or OpenAppraisalForm(formdata=None),
        synthesis_form=forms.get("synthesis_form")
        or SynthesisForm(formdata=None, synthesis=appraisal.synthesis.value if appraisal else None),
        assessor_form=forms.get("assessor_form") or AssessorForm(formdata=None, prefix="assessor"),
        link=link,
        max_options=service.MAX_OPTIONS,
    ), status


def _refused(consultation: Consultation, message: str, status: int, **forms: Any) -> Any:
    flash(message, "error")
    return _page(consultation, status, **forms)


def _done(consultation: Consultation, message: str, anchor: str) -> Response:
    flash(message, "success")
    return redirect(url_for(".options_page", cid=consultation.id, _anchor=anchor))


def _invalid(consultation: Consultation, form: FlaskForm, **forms: Any) -> Any:
    return _refused(consultation, form_errors(form), 400, **forms)


@bp.get("/<int:cid>/options")
def options_page(cid: int) -> tuple[str, int]:
    """The options, the appraisal's mode and state, and the assessors."""
    return _page(facilitated(cid))


@bp.post("/<int:cid>/options")
def add_option(cid: int) -> Any:
    """Add an option (until the appraisal opens)."""
    consultation = facilitated(cid)
    form = OptionForm(prefix="option")
    if not form.validate():
        return _invalid(consultation, form, option_form=form)
    try:
        option = service.add_option(
            consultation,
            current_user,
            form.name.data or "",
            form.description.data or "",
            form.annual_cost.data,
            form.cost_unit.data or "",
        )
    except SetupError as error:
        return _refused(consultation, str(error), error.status, option_form=form)
    return _done(consultation, f"Added the option “{option.name}”.", "options")


@bp.post("/<int:cid>/options/<int:option_id>/delete")
def remove_option(cid: int, option_id: int) -> Any:
    """Remove an option (until the appraisal opens)."""
    consultation = facilitated(cid)
    option = part_of(
        consultation, Option, option_id, "That option is not part of this consultation."
    )
    try:
        service.remove_option(consultation, current_user, option)
    except SetupError as error:
        return _refused(consultation, str(error), error.status)
    return _done(consultation, f"Removed the option “{option.name}”.", "options")


@bp.post("/<int:cid>/options/appraisal/open")
def open_appraisal(cid: int) -> Any:
    """Open the appraisal in the chosen mode: the options are then fixed."""
    consultation = facilitated(cid)
    form = OpenAppraisalForm()
    if not form.validate():
        return _invalid(consultation, form, open_form=form)
    try:
        service.open_appraisal(
            consultation,
            current_user,
            AppraisalMode(form.mode.data),
            Synthesis(form.synthesis.data),
        )
    except SetupError as error:
        return _refused(consultation, str(error), error.status, open_form=form)
    return _done(consultation, "The appraisal is open: invite the assessors.", "appraisal")


@bp.post("/<int:cid>/options/appraisal/close")
def close_appraisal(cid: int) -> Any:
    """Close the appraisal: assessors' answers are frozen."""
    consultation = facilitated(cid)
    try:
        service.close_appraisal(consultation, current_user)
    except SetupError as error:
        return _refused(consultation, str(error), error.status)
    return _done(consultation, "The appraisal is closed.", "appraisal")


@bp.post("/<int:cid>/options/synthesis")
def set_synthesis(cid: int) -> Any:
    """Choose distributive or ideal synthesis."""
    consultation = facilitated(cid)
    form = SynthesisForm()
    if not form.validate():
        return _invalid(consultation, form, synthesis_form=form)
    try:
        service.set_synthesis(consultation, current_user, Synthesis(form.synthesis.data))
    except SetupError as error:
        return _refused(consultation, str(error), error.status, synthesis_form=form)
    return _done(consultation, "Synthesis saved.", "appraisal")


@bp.post("/<int:cid>/options/assessors")
def invite_assessor(cid: int) -> Any:
    """Invite an assessor: the link is shown once, to copy."""
    consultation = facilitated(cid)
    form = AssessorForm(prefix="assessor")
    if not form.validate():
        return _invalid(consultation, form, assessor_form=form)
    try:
        _, token = service.invite_assessor(
            consultation, current_user, form.name.data or "", form.email.data
        )
    except (SetupError, InvitationError) as error:
        return _refused(consultation, str(error), error.status, assessor_form=form)
    flash(f"Invited {form.name.data}. Copy the link below and send it to them.", "success")
    return _page(consultation, link=service.assessor_url(token))


@bp.get("/<int:cid>/options/appraisal.csv")
def appraisal_csv(cid: int) -> Response:
    """Every assessor's judgments or ratings, in the CSV format of ``deliberate analyze``."""
    consultation = facilitated(cid)
    return Response(
        service.appraisal_csv(consultation),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=appraisal-{cid}.csv"},
    )


@bp.app_template_global()
def options_on_map(consultation: Consultation, round_: Round | None, exclude: bool) -> Any:
    """The options block of the disagreement map (see ``facilitator/_options_map.html``)."""
    if round_ is None or service.appraisal_of(consultation) is None:
        return None
    report = service.options_report(round_, exclude_inconsistent=exclude)
    return service.options_view(report, consultation, labels=service.assessor_labels(consultation))

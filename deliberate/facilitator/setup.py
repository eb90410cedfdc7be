"""Setting up and running consultations: settings, outcomes, groups, rounds, participation."""

from __future__ import annotations

from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from .. import mail
from ..access import memberships_of, require_membership
from ..models import Consultation, Outcome, Role, StakeholderGroup
from ..services import audit as audit_log
from ..services import consultations, people, rounds
from ..services.consultations import SetupError
from ..services.lookup import part_of
from ..services.rounds import RoundError
from ..validation import query_int
from . import bp
from .forms import (
    GroupForm,
    MoveForm,
    NewConsultationForm,
    OutcomeForm,
    SettingsForm,
)

AUDIT_PAGE_SIZE = 100


def facilitated(cid: int) -> Consultation:
    """The consultation, if the current user facilitates it (403/404 otherwise)."""
    return require_membership(cid, Role.FACILITATOR).consultation


def form_errors(form: FlaskForm) -> str:
    """A form's validation errors as one sentence."""
    return (
        " ".join(
            f"{getattr(form, name).label.text}: {' '.join(errors)}"
            for name, errors in form.errors.items()
            if name != "csrf_token"
        )
        or "The form could not be read. Reload the page and try again."
    )


@bp.get("/")
@login_required
def index() -> str:
    """The consultations this person facilitates."""
    memberships = memberships_of(current_user, Role.FACILITATOR)
    return render_template("facilitator/index.html", memberships=memberships)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    """Create a consultation; its creator becomes its facilitator."""
    if not current_user.password_hash:
        abort(403, "Only people who sign in with a password can create a consultation.")
    form = NewConsultationForm()
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                consultation = consultations.create_consultation(
                    current_user, form.settings(), form.group_names()
                )
            except SetupError as error:
                flash(str(error), "error")
                status = error.status
            else:
                flash("Consultation created. Now add its outcomes.", "success")
                return redirect(url_for(".setup", cid=consultation.id))
        else:
            status = 400
    return render_template("facilitator/new.html", form=form), status


@bp.get("/<int:cid>/")
def overview(cid: int) -> str:
    """One consultation at a glance, with the way to every part of it."""
    consultation = facilitated(cid)
    return render_template(
        "facilitator/overview.html",
        consultation=consultation,
        locked=consultations.structure_locked(consultation),
        counts=rounds.participation(consultation, analyse=False),
    )


# --------------------------------------------------------------------------- set-up


def _setup_page(consultation: Consultation, status: int = 200, **forms: Any) -> tuple[str, int]:
    """Render the set-up page; forms not passed in show what is saved, not what was posted."""
    settings = forms.pop("settings_form", None) or SettingsForm(
        formdata=None,
        obj=consultation,
        weighting=consultation.weighting.value,
        design=consultation.design.value,
        self_registration=consultation.registration_code is not None,
        previous_results=consultation.previous_results.value,
    )
    return render_template(
        "facilitator/setup.html",
        consultation=consultation,
        locked=consultations.structure_locked(consultation),
        settings_form=settings,
        outcome_form=forms.pop("outcome_form", None)
        or OutcomeForm(formdata=None, prefix="new-outcome"),
        group_form=forms.pop("group_form", None) or GroupForm(formdata=None, prefix="new-group"),
        outcome_forms={
            o.id: OutcomeForm(formdata=None, prefix=f"outcome-{o.id}", obj=o)
            for o in consultation.outcomes
        },
        group_forms={
            g.id: GroupForm(formdata=None, prefix=f"group-{g.id}", obj=g)
            for g in consultation.groups
        },
        limits=consultations,
        base_url=current_app.config["BASE_URL"],
    ), status


def _refused(consultation: Consultation, error: SetupError, **forms: Any) -> tuple[str, int]:
    flash(str(error), "error")
    return _setup_page(consultation, error.status, **forms)


def _invalid(consultation: Consultation, form: FlaskForm, **forms: Any) -> tuple[str, int]:
    flash(form_errors(form), "error")
    return _setup_page(consultation, 400, **forms)


def _saved(consultation: Consultation, message: str, anchor: str) -> Response:
    flash(message, "success")
    return redirect(url_for(".setup", cid=consultation.id, _anchor=anchor))


@bp.get("/<int:cid>/setup")
def setup(cid: int) -> tuple[str, int]:
    """The set-up page: settings, outcomes and groups."""
    return _setup_page(facilitated(cid))


@bp.post("/<int:cid>/setup")
def save_settings(cid: int) -> Any:
    """Save the question and settings."""
    consultation = facilitated(cid)
    form = SettingsForm()
    if not form.validate():
        return _invalid(consultation, form, settings_form=form)
    try:
        consultations.update_settings(consultation, current_user, form.settings())
    except SetupError as error:
        return _refused(consultation, error, settings_form=form)
    return _saved(consultation, "Settings saved.", "settings")


@bp.post("/<int:cid>/copy")
def copy(cid: int) -> Any:
    """Copy the consultation's settings, outcomes and groups into a new draft."""
    consultation = facilitated(cid)
    duplicate = consultations.copy_consultation(consultation, current_user)
    flash(f"This is a copy of “{consultation.title}”: no people or judgments.", "success")
    return redirect(url_for(".setup", cid=duplicate.id))


def _outcome(consultation: Consultation, oid: int) -> Outcome:
    return part_of(consultation, Outcome, oid, "That outcome is not part of this consultation.")


def _group(consultation: Consultation, gid: int) -> StakeholderGroup:
    return part_of(
        consultation, StakeholderGroup, gid, "That group is not part of this consultation."
    )


@bp.post("/<int:cid>/outcomes")
def add_outcome(cid: int) -> Any:
    """Add an outcome."""
    consultation = facilitated(cid)
    form = OutcomeForm(prefix="new-outcome")
    if not form.validate():
        return _invalid(consultation, form, outcome_form=form)
    try:
        outcome = consultations.add_outcome(
            consultation, current_user, form.name.data or "", form.description.data or ""
        )
    except SetupError as error:
        return _refused(consultation, error, outcome_form=form)
    return _saved(consultation, f"Added “{outcome.name}”.", "outcomes")


@bp.post("/<int:cid>/outcomes/<int:oid>")
def edit_outcome(cid: int, oid: int) -> Any:
    """Rename an outcome or change its description."""
    consultation = facilitated(cid)
    outcome = _outcome(consultation, oid)
    form = OutcomeForm(prefix=f"outcome-{oid}")
    if not form.validate():
        return _invalid(consultation, form)
    try:
        consultations.update_outcome(
            consultation, current_user, outcome, form.name.data or "", form.description.data or ""
        )
    except SetupError as error:
        return _refused(consultation, error)
    return _saved(consultation, f"Saved “{outcome.name}”.", "outcomes")


@bp.post("/<int:cid>/outcomes/<int:oid>/move")
def move_outcome(cid: int, oid: int) -> Any:
    """Move an outcome one place up or down."""
    consultation = facilitated(cid)
    outcome = _outcome(consultation, oid)
    form = MoveForm()
    if not form.validate() or form.direction.data not in ("up", "down"):
        flash("Choose up or down.", "error")
        return _setup_page(consultation, 400)
    try:
        consultations.move_outcome(
            consultation, current_user, outcome, -1 if form.direction.data == "up" else 1
        )
    except SetupError as error:
        return _refused(consultation, error)
    return _saved(consultation, f"Moved “{outcome.name}” {form.direction.data}.", "outcomes")


@bp.post("/<int:cid>/outcomes/<int:oid>/delete")
def remove_outcome(cid: int, oid: int) -> Any:
    """Remove an outcome nobody has judged."""
    consultation = facilitated(cid)
    outcome = _outcome(consultation, oid)
    try:
        consultations.remove_outcome(consultation, current_user, outcome)
    except SetupError as error:
        return _refused(consultation, error)
    return _saved(consultation, f"Removed “{outcome.name}”.", "outcomes")


@bp.post("/<int:cid>/groups")
def add_group(cid: int) -> Any:
    """Add a stakeholder group."""
    consultation = facilitated(cid)
    form = GroupForm(prefix="new-group")
    if not form.validate():
        return _invalid(consultation, form, group_form=form)
    try:
        group = consultations.add_group(
            consultation,
            current_user,
            form.name.data or "",
            form.description.data or "",
            form.weight.data,
        )
    except SetupError as error:
        return _refused(consultation, error, group_form=form)
    return _saved(consultation, f"Added the group “{group.name}”.", "groups")


@bp.post("/<int:cid>/groups/<int:gid>")
def edit_group(cid: int, gid: int) -> Any:
    """Change a group's name, description or weight."""
    consultation = facilitated(cid)
    group = _group(consultation, gid)
    form = GroupForm(prefix=f"group-{gid}")
    if not form.validate():
        return _invalid(consultation, form)
    try:
        consultations.update_group(
            consultation,
            current_user,
            group,
            form.name.data or "",
            form.description.data or "",
            form.weight.data,
        )
    except SetupError as error:
        return _refused(consultation, error)
    return _saved(consultation, f"Saved the group “{group.name}”.", "groups")


@bp.post("/<int:cid>/groups/<int:gid>/delete")
def remove_group(cid: int, gid: int) -> Any:
    """Remove a group without members or live invitations."""
    consultation = facilitated(cid)
    group = _group(consultation, gid)
    try:
        consultations.remove_group(consultation, current_user, group)
    except SetupError as error:
        return _refused(consultation, error)
    return _saved(consultation, f"Removed the group “{group.name}”.", "groups")


# --------------------------------------------------------------------------- rounds


@bp.get("/<int:cid>/rounds")
def rounds_page(cid: int) -> str:
    """The consultation's rounds, and the one next step that is possible."""
    consultation = facilitated(cid)
    return render_template(
        "facilitator/rounds.html",
        consultation=consultation,
        summaries=rounds.round_summaries(consultation),
    )


_ROUND_ACTIONS = {
    "open": (rounds.open_first_round, "Round {n} is open: stakeholders can start comparing."),
    "close": (rounds.close_round, "Round {n} is closed: its answers are frozen."),
    "new": (rounds.start_new_round, "Round {n} is open: everyone answers afresh."),
}


@bp.post("/<int:cid>/rounds/<any(open, close, new):action>")
def round_action(cid: int, action: str) -> Any:
    """Open round 1, close the current round, or start the next one."""
    consultation = facilitated(cid)
    change, message = _ROUND_ACTIONS[action]
    current = consultation.current_round
    if action == "close" and current and current.is_open and request.form.get("confirm") != "yes":
        return render_template(
            "facilitator/rounds.html",
            consultation=consultation,
            summaries=rounds.round_summaries(consultation),
            confirm_close=rounds.participation(consultation, analyse=False),
        )
    try:
        round_ = change(consultation, current_user)
    except RoundError as error:
        flash(str(error), "error")
        return render_template(
            "facilitator/rounds.html",
            consultation=consultation,
            summaries=rounds.round_summaries(consultation),
        ), error.status
    flash(message.format(n=round_.number), "success")
    return redirect(url_for(".rounds_page", cid=cid))


# --------------------------------------------------------------------------- reading


@bp.get("/<int:cid>/participation")
def participation(cid: int) -> str:
    """Live counts per group, consistency and time to finish in the current round."""
    consultation = facilitated(cid)
    return render_template(
        "facilitator/participation.html",
        consultation=consultation,
        p=rounds.participation(consultation),
        not_joined=len(people.not_joined(consultation)),
        mail_ready=mail.mail_settings(current_app.config) is not None,
    )


#: Fields of the live participation counts, per group and in total.
LIVE_COUNTS = ("invited", "joined", "started", "finished")


@bp.get("/<int:cid>/participation/live")
def participation_live(cid: int) -> Response:
    """The participation counts alone, as JSON, for the page to refresh itself during a
    workshop: a few aggregate queries and no analysis, however many people are answering."""
    consultation = facilitated(cid)
    counts = rounds.participation(consultation, analyse=False)
    response = jsonify(
        round=counts.round.number if counts.round else None,
        open=bool(counts.round and counts.round.is_open),
        groups=[{f: getattr(g, f) for f in ("name", *LIVE_COUNTS)} for g in counts.groups],
        total={f: getattr(counts.total, f) for f in LIVE_COUNTS},
    )
    response.cache_control.no_store = True
    return response


@bp.get("/<int:cid>/audit")
def audit(cid: int) -> str:
    """Every set-up change, invitation and round action, newest first."""
    consultation = facilitated(cid)
    events = audit_log.page_of(consultation, query_int("page", 1), AUDIT_PAGE_SIZE)
    return render_template("facilitator/audit.html", consultation=consultation, events=events)

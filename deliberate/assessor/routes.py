"""Assessors join by their invitation link and appraise every option on every outcome.

In pairwise mode each outcome's page asks for every pair of options on Saaty's scale and
feeds back the assessor's own consistency; in ratings mode it asks for a 0–10 score per
option, with anchored labels.
"""

from __future__ import annotations

import itertools
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import login_user
from werkzeug.wrappers import Response

from ..access import require_membership
from ..models import AppraisalMode, Membership, Outcome, Role
from ..services import options as service
from ..services.consultations import SetupError
from ..services.invitations import InvitationError, find_invitation
from ..services.invitations import join as join_invitation
from ..services.judgments import JudgmentRejected
from ..services.lookup import part_of
from ..stakeholder.forms import JoinForm
from ..stakeholder.routes import invitation_failed, resume
from ..stakeholder.voting import SCALE, nearest_point, parse_scale_value

bp = Blueprint("assessor", __name__)


def _sign_in(membership: Membership) -> Response:
    session.clear()
    login_user(membership.user)
    return redirect(url_for(".index", consultation_id=membership.consultation_id))


@bp.route("/a/<token>", methods=["GET", "POST"])
def join(token: str) -> Any:
    """Join as an assessor through an invitation link, or come back with it (after a
    confirmation, as a stakeholder's used link asks)."""
    try:
        invitation = find_invitation(token)
    except InvitationError as error:
        invitation_failed()
        return render_template(
            "error.html", status=error.status, title="This link cannot be used", detail=str(error)
        ), error.status
    if invitation.role is not Role.ASSESSOR:
        invitation_failed()
        abort(404, "This is not an assessor's link. Open the link in your invitation.")
    member = invitation.membership
    if member is not None:
        return resume(
            member,
            lambda: _sign_in(member),
            lambda: redirect(url_for(".index", consultation_id=member.consultation_id)),
        )
    form = JoinForm()
    form.submit.label.text = "Start appraising"
    if request.method == "GET" and invitation.name:
        form.display_name.data = invitation.name
    if form.validate_on_submit():
        return _sign_in(join_invitation(invitation, form.display_name.data or ""))
    return render_template("assessor/join.html", form=form, consultation=invitation.consultation)


def _progress(membership: Membership, outcome: Outcome, m: int, mode: AppraisalMode) -> tuple:
    given = len(service.answers(membership, outcome))
    return given, m * (m - 1) // 2 if mode is AppraisalMode.PAIRWISE else m


@bp.get("/appraise/<int:consultation_id>/")
def index(consultation_id: int) -> str:
    """Every outcome with the assessor's progress and consistency on it."""
    membership = require_membership(consultation_id, Role.ASSESSOR)
    consultation = membership.consultation
    appraisal = service.appraisal_of(consultation)
    if appraisal is None:
        abort(409, "The appraisal has not opened yet.")
    m = len(service.options_of(consultation))
    rows = [
        (
            outcome,
            *_progress(membership, outcome, m, appraisal.mode),
            service.outcome_feedback(membership, outcome),
        )
        for outcome in consultation.outcomes
    ]
    return render_template(
        "assessor/index.html",
        consultation=consultation,
        appraisal=appraisal,
        options=service.options_of(consultation),
        rows=rows,
    )


def _outcome(membership: Membership, outcome_id: int) -> Outcome:
    return part_of(
        membership.consultation,
        Outcome,
        outcome_id,
        "That outcome is not part of this consultation.",
    )


def _render(membership: Membership, outcome: Outcome, status: int = 200) -> tuple[str, int]:
    consultation = membership.consultation
    appraisal = service.appraisal_of(consultation)
    if appraisal is None:
        abort(409, "The appraisal has not opened yet.")
    options = service.options_of(consultation)
    given = service.answers(membership, outcome)
    outcomes = consultation.outcomes
    here = outcomes.index(outcome)
    feedback = service.outcome_feedback(membership, outcome)
    if feedback and "a" in feedback:
        feedback["said"] = nearest_point(feedback["value"]).key
        feedback["fits"] = nearest_point(feedback["suggested"]).key
    return render_template(
        "assessor/outcome.html",
        consultation=consultation,
        appraisal=appraisal,
        outcome=outcome,
        options=options,
        pairs=list(itertools.combinations(options, 2)),
        given=_shown(given, options)
        if appraisal.mode is AppraisalMode.PAIRWISE
        else {k: f"{v:g}" for k, v in given.items()},
        scale=SCALE,
        anchors=service.RATING_ANCHORS,
        feedback=feedback,
        next_outcome=outcomes[here + 1] if here + 1 < len(outcomes) else None,
    ), status


def _shown(given: dict, options: list) -> dict[tuple[int, int], str]:
    """Stored judgments (smaller id first) as the scale keys of the pairs as shown."""
    shown = {}
    for a, b in itertools.combinations(options, 2):
        if (a.id, b.id) in given:
            shown[a.id, b.id] = nearest_point(given[a.id, b.id]).key
        elif (b.id, a.id) in given:
            shown[a.id, b.id] = nearest_point(1 / given[b.id, a.id]).key
    return shown


@bp.get("/appraise/<int:consultation_id>/<int:outcome_id>")
def outcome(consultation_id: int, outcome_id: int) -> tuple[str, int]:
    """The options on one outcome: every pair, or a rating for each."""
    membership = require_membership(consultation_id, Role.ASSESSOR)
    return _render(membership, _outcome(membership, outcome_id))


@bp.post("/appraise/<int:consultation_id>/<int:outcome_id>")
def save(consultation_id: int, outcome_id: int) -> Any:
    """Save the answers given on one outcome (blank ones are left as they were)."""
    membership = require_membership(consultation_id, Role.ASSESSOR)
    outcome = _outcome(membership, outcome_id)
    appraisal = service.appraisal_of(membership.consultation)
    if appraisal is None:
        abort(409, "The appraisal has not opened yet.")
    options = service.options_of(membership.consultation)
    try:
        if appraisal.mode is AppraisalMode.PAIRWISE:
            values = {
                (a.id, b.id): parse_scale_value(request.form[f"pair-{a.id}-{b.id}"])
                for a, b in itertools.combinations(options, 2)
                if request.form.get(f"pair-{a.id}-{b.id}", "").strip()
            }
            saved = service.save_pairwise(membership, outcome, values)
        else:
            scores = {
                o.id: _score(request.form[f"option-{o.id}"])
                for o in options
                if request.form.get(f"option-{o.id}", "").strip()
            }
            saved = service.save_ratings(membership, outcome, scores)
    except (SetupError, JudgmentRejected) as error:
        flash(str(error), "error")
        return _render(membership, outcome, getattr(error, "status", 400))
    flash(f"Saved {saved} answer{'s' if saved != 1 else ''} on {outcome.name}.", "success")
    return redirect(url_for(".outcome", consultation_id=consultation_id, outcome_id=outcome_id))


def _score(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise SetupError(f"{text!r} is not a rating: choose 0 to 10.") from None

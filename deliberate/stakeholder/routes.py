"""Stakeholders' pages: joining by invitation or code, comparing outcomes, their summary."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user
from werkzeug.wrappers import Response

from ..access import memberships_of, require_membership
from ..charts import priority_bars
from ..extensions import db, limiter
from ..models import Consultation, Membership, Role, Round, StakeholderGroup, Status
from ..services.invitations import InvitationError, find_invitation, invitation_url, redeem
from ..services.judgments import (
    JudgmentRejected,
    outcome_ids,
    record_judgment,
    withdraw_judgment,
)
from ..services.results import participant_feedback
from . import voting
from .forms import CodeForm, JoinForm, RegisterForm

bp = Blueprint("stakeholder", __name__)


def _failed(response: Response) -> bool:
    """Only failed attempts count against the limits: a workshop of people joining from one
    network never waits, while someone guessing links or codes soon does."""
    return response.status_code >= 400


#: Registration codes may be short words: slow down anyone trying codes one after another.
CODE_ATTEMPTS = "60/minute"
#: Invitation links and the code form share one count of failures per address
#: (``INVITATION_RATE_LIMIT``).
joining_limit = limiter.shared_limit(
    lambda: current_app.config["INVITATION_RATE_LIMIT"],
    scope="joining",
    deduct_when=_failed,
    error_message="Too many attempts to open invitation links from here. "
    "Wait a minute, then try again.",
)


@bp.get("/my")
@login_required
def index() -> str:
    """The consultations this person takes part in as a stakeholder, with their progress."""
    memberships = memberships_of(current_user, Role.STAKEHOLDER)
    progress = {}
    for m in memberships:
        sequence = voting.steps(m)
        given = voting.answers(m, m.consultation.current_round)
        answered = voting.answered(sequence, given)
        open_now = voting.voting_round(m.consultation) is not None
        progress[m.id] = (answered, len(sequence), open_now)
    return render_template("stakeholder/index.html", memberships=memberships, progress=progress)


# --------------------------------------------------------------------------- joining


def _problem(message: str, status: int, title: str = "This link cannot be used") -> Any:
    return render_template("error.html", status=status, title=title, detail=message), status


def _sign_in(membership: Membership, token: str) -> Response:
    """Start a fresh session as the membership's person and remember their return link."""
    session.clear()
    login_user(membership.user)
    session["return_links"] = {str(membership.consultation_id): token}
    return redirect(url_for(".compare", consultation_id=membership.consultation_id))


@bp.route("/i/<token>", methods=["GET", "POST"])
@joining_limit
def join(token: str) -> Any:
    """Join a consultation through an invitation link, or resume with it."""
    try:
        invitation = find_invitation(token)
    except InvitationError as error:
        return _problem(str(error), error.status)
    if invitation.role is not Role.STAKEHOLDER:
        return _problem(
            "This is not a stakeholder's link. Open the link in your invitation e-mail.", 404
        )
    if invitation.membership is not None:
        return _sign_in(invitation.membership, token)
    form = JoinForm()
    if request.method == "GET" and invitation.name:
        form.display_name.data = invitation.name
    if form.validate_on_submit():
        membership = redeem(invitation, form.display_name.data or "")
        db.session.commit()
        return _sign_in(membership, token)
    return render_template(
        "stakeholder/join.html",
        form=form,
        consultation=invitation.consultation,
        group=invitation.group,
    )


@bp.route("/join", methods=["GET", "POST"])
@joining_limit
def join_by_code() -> Any:
    """Ask for a consultation's registration code."""
    form = CodeForm()
    if form.validate_on_submit():
        return redirect(url_for(".register", code=(form.code.data or "").strip()))
    return render_template("stakeholder/code.html", form=form)


@bp.route("/join/<code>", methods=["GET", "POST"])
@limiter.limit(CODE_ATTEMPTS, deduct_when=_failed)
def register(code: str) -> Any:
    """Self-registration: choose a name and one's own stakeholder group."""
    consultation = db.session.scalar(db.select(Consultation).filter_by(registration_code=code))
    if consultation is None:
        return _problem(
            "No consultation has that code. Check it with the facilitator.",
            404,
            "Unknown consultation code",
        )
    if consultation.status is not Status.OPEN:
        return _problem("This consultation is not taking answers.", 409, "Consultation closed")
    form = RegisterForm()
    form.group.choices = [(g.id, g.name) for g in consultation.groups]
    if form.validate_on_submit():
        group = db.session.get(StakeholderGroup, form.group.data)
        try:
            membership, token = voting.register(consultation, group, form.display_name.data or "")
        except InvitationError as error:
            return _problem(str(error), error.status)
        return _sign_in(membership, token)
    return render_template("stakeholder/register.html", form=form, consultation=consultation)


# --------------------------------------------------------------------------- comparing


def _return_link(consultation_id: int) -> str | None:
    token = session.get("return_links", {}).get(str(consultation_id))
    return invitation_url(token) if token else None


def _feedback_view(
    membership: Membership,
    round_: Round | None,
    sequence: list[voting.Step],
    given: voting.Answers,
) -> dict[str, Any]:
    """Live feedback in words: the chart, consistency, and the pair to revisit, if any.

    ``given`` is the stakeholder's answers in ``round_``.
    """
    feedback = participant_feedback(membership, round_, given.values()) if round_ else None
    view: dict[str, Any] = {"feedback": feedback, "chart": None, "revisit": None}
    if not feedback or not feedback["connected"]:
        return view
    view["chart"] = priority_bars(feedback["weights"], title="Your priorities")
    worst = feedback.get("most_inconsistent")
    if not feedback["consistent"] and worst:
        ids = {o.name: o.id for o in membership.consultation.outcomes}
        pair = tuple(sorted((ids[worst["a"]], ids[worst["b"]])))
        number = next((s.number for s in sequence if s.canonical == pair), None)
        view["revisit"] = {
            "number": number,
            "said": voting.describe(worst["a"], worst["b"], worst["value"]),
            "fits": voting.describe(worst["a"], worst["b"], worst["suggested"]),
        }
    return view


def _render_compare(
    membership: Membership,
    round_: Round,
    sequence: list[voting.Step],
    number: int,
    *,
    error: str | None = None,
    chosen: str | None = None,
    reason: str | None = None,
    status: int = 200,
    loaded: list[voting.Answers] | None = None,
) -> tuple[str, int]:
    """The comparison page for pair ``number``; ``loaded`` is the stakeholder's answers in
    ``round_`` and the previous round when the caller has read them already."""
    consultation = membership.consultation
    previous = voting.previous_round(consultation, round_)
    given, before = loaded or voting.answers_in(membership, round_, previous)
    step = sequence[number - 1]
    outcomes = {o.id: o for o in consultation.outcomes}
    judgment = given.get(step.canonical)
    prefilled = False
    if chosen is None and judgment is not None:
        chosen, reason = voting.point_key(step.shown(judgment)), judgment.reason
    elif chosen is None and step.canonical in before:
        earlier = before[step.canonical]
        chosen, reason, prefilled = voting.point_key(step.shown(earlier)), earlier.reason, True
    answered = voting.answered(sequence, given)
    page = render_template(
        "stakeholder/compare.html",
        consultation=consultation,
        membership=membership,
        round_=round_,
        previous=previous,
        sequence=sequence,
        step=step,
        left=outcomes[step.left_id],
        right=outcomes[step.right_id],
        outcomes=outcomes,
        given=given,
        answered=answered,
        scale=voting.SCALE,
        chosen=chosen,
        reason=reason or "",
        prefilled=prefilled,
        can_copy=any(p not in given for p in before if p in {s.canonical for s in sequence}),
        error=error,
        previous_rows=_compared(membership, previous, before) if previous else [],
        **_feedback_view(membership, round_, sequence, given),
    )
    return page, status


def _compared(membership: Membership, closed: Round, given: voting.Answers) -> list[dict[str, Any]]:
    """A closed round's priorities: the stakeholder's own (``given``, their answers then)
    beside their group's and everyone's."""
    own = participant_feedback(membership, closed, given.values())
    return voting.comparison_rows(
        voting.public_results(membership.consultation, closed),
        membership.group.name if membership.group else None,
        own["weights"] if own and own["connected"] else None,
    )


@bp.get("/c/<int:consultation_id>/compare")
def compare(consultation_id: int) -> Any:
    """One pair at a time: the current pair, or ``?pair=N``."""
    membership = require_membership(consultation_id, Role.STAKEHOLDER)
    round_ = voting.voting_round(membership.consultation)
    if round_ is None:
        flash("Voting is not open just now: here is where things stand.", "info")
        return redirect(url_for(".summary", consultation_id=consultation_id))
    sequence = voting.steps(membership)
    number = request.args.get("pair", type=int)
    previous = voting.previous_round(membership.consultation, round_)
    loaded = voting.answers_in(membership, round_, previous)
    if number is None:
        number = voting.first_unanswered(sequence, loaded[0])
        if number == 0:
            return redirect(url_for(".summary", consultation_id=consultation_id))
    if not 1 <= number <= len(sequence):
        abort(404, f"There is no pair {number}: this consultation has {len(sequence)} for you.")
    return _render_compare(membership, round_, sequence, number, loaded=loaded)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _refuse(message: str, status: int) -> Any:
    if _wants_json():
        return jsonify(error=message), status
    abort(status, message)


@bp.post("/c/<int:consultation_id>/compare/<int:number>")
def save(consultation_id: int, number: int) -> Any:
    """Save (or with ``action=skip`` withdraw) the answer to pair ``number``, then move on."""
    membership = require_membership(consultation_id, Role.STAKEHOLDER)
    claimed = request.form.get("membership_id")
    if claimed is not None and claimed != str(membership.id):
        return _refuse("This form belongs to another participant; nothing was saved.", 403)
    round_ = voting.voting_round(membership.consultation)
    if round_ is None:
        return _refuse("Voting is closed: answers can no longer change.", 409)
    sequence = voting.steps(membership)
    if not 1 <= number <= len(sequence):
        return _refuse(f"There is no pair {number} in this consultation.", 404)
    step = sequence[number - 1]
    shown = (request.form.get("left", type=int), request.form.get("right", type=int))
    if shown != (None, None) and shown != (step.left_id, step.right_id):
        known = set(outcome_ids(consultation_id))
        if not set(shown) <= known:
            return _refuse("That pair is not part of this consultation.", 404)
        return _refuse("The list of pairs has changed; reload the page and answer again.", 409)
    action = request.form.get("action", "save")
    key = request.form.get("value")
    reason = request.form.get("reason", "")
    # Read what the answer needs before the commit expires the loaded rows.
    names = {o.id: o.name for o in membership.consultation.outcomes}
    membership_id, round_id = membership.id, round_.id
    try:
        if action == "skip":
            withdraw_judgment(membership, round_, step.left_id, step.right_id)
        elif key or action != "back":
            if not key:
                raise JudgmentRejected("Choose a point on the scale, or press “I can't say”.")
            value = voting.parse_scale_value(key)
            record_judgment(membership, round_, step.left_id, step.right_id, value, reason)
    except JudgmentRejected as error:
        if _wants_json() or error.status != 400:
            return _refuse(str(error), error.status)
        return _render_compare(
            membership,
            round_,
            sequence,
            number,
            error=str(error),
            chosen=key,
            reason=reason,
            status=400,
        )
    if _wants_json():
        answered = voting.answered(sequence, voting.answered_pairs(membership_id, round_id))
        return jsonify(saved=action != "skip", answered=answered, total=len(sequence))
    target = max(1, number - 1) if action == "back" else number + 1
    if action == "save":
        flash(
            f"Saved: {voting.describe(names[step.left_id], names[step.right_id], value)}.",
            "success",
        )
    if target > len(sequence):
        return redirect(url_for(".summary", consultation_id=consultation_id), 303)
    return redirect(url_for(".compare", consultation_id=consultation_id, pair=target), 303)


@bp.post("/c/<int:consultation_id>/copy-previous")
def copy_previous(consultation_id: int) -> Response:
    """Start this round from the stakeholder's answers in the previous one."""
    membership = require_membership(consultation_id, Role.STAKEHOLDER)
    round_ = voting.voting_round(membership.consultation)
    if round_ is None:
        abort(409, "Voting is closed: answers can no longer change.")
    previous = voting.previous_round(membership.consultation, round_)
    if previous is None:
        abort(404, "There is no earlier round to start from.")
    copied = voting.copy_previous_answers(membership, round_, previous)
    flash(
        f"{copied} answers copied from round {previous.number}. "
        "Change any that you see differently now.",
        "success",
    )
    return redirect(url_for(".compare", consultation_id=consultation_id), 303)


# --------------------------------------------------------------------------- finishing


@bp.get("/c/<int:consultation_id>/summary")
def summary(consultation_id: int) -> str:
    """The stakeholder's own priorities, and how they compare once a round has closed."""
    membership = require_membership(consultation_id, Role.STAKEHOLDER)
    consultation = membership.consultation
    round_ = consultation.current_round
    sequence = voting.steps(membership)
    open_now = voting.voting_round(consultation) is not None
    closed = round_ if round_ is not None and not round_.is_open else None
    compared = closed or voting.previous_round(consultation, round_)
    given, then = voting.answers_in(membership, round_, compared)
    view = _feedback_view(membership, round_, sequence, given)
    return render_template(
        "stakeholder/summary.html",
        consultation=consultation,
        membership=membership,
        round_=round_,
        open_now=open_now,
        sequence=sequence,
        answered=voting.answered(sequence, given),
        outcomes={o.id: o for o in consultation.outcomes},
        unanswered=[s for s in sequence if s.canonical not in given],
        compared=compared,
        rows=_compared(membership, compared, then) if compared else [],
        return_link=_return_link(consultation_id),
        **view,
    )


@bp.post("/c/<int:consultation_id>/finish")
def finish(consultation_id: int) -> Response:
    """Say "I'm done" (answers can still change while the round is open)."""
    membership = require_membership(consultation_id, Role.STAKEHOLDER)
    voting.finish(membership)
    flash("Thank you: your answers are in. You can change them until the round closes.", "success")
    return redirect(url_for(".summary", consultation_id=consultation_id), 303)

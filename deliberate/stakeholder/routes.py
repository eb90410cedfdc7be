"""Stakeholders' pages: joining by invitation or code, comparing outcomes, their summary."""

from __future__ import annotations

from collections.abc import Callable
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
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user
from limits import parse
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

from ..access import memberships_of, require_membership
from ..charts import priority_bars
from ..extensions import csrf, limiter
from ..models import Membership, Role, Round, StakeholderGroup, Status
from ..services.invitations import (
    InvitationError,
    find_invitation,
    invitation_url,
)
from ..services.invitations import join as join_invitation
from ..services.invitations import register as register_by_code
from ..services.judgments import (
    JudgmentRejected,
    outcome_ids,
    record_judgment,
    withdraw_judgment,
)
from ..services.judgments import finish as mark_finished
from ..services.lookup import consultation_by_code, outcomes_of, part_of
from ..services.results import participant_feedback
from ..validation import query_int
from . import voting
from .forms import CodeForm, ContinueForm, JoinForm, RegisterForm

bp = Blueprint("stakeholder", __name__)


#: Registration codes may be short words: slow down anyone trying codes one after another.
CODE_ATTEMPTS = "60/minute"


def _count_failure(limit: str, scope: str, message: str) -> None:
    """Count one failed attempt from this address; past ``limit``, refuse it with 429.

    Only failures count and only failures are refused: a workshop of people joining from one
    network never waits, even while someone there guesses links or codes.
    """
    if limiter.enabled and not limiter.limiter.hit(parse(limit), scope, get_remote_address()):
        raise TooManyRequests(f"{message} Wait a minute, then try again.", retry_after=60)


def invitation_failed() -> None:
    """Count a failed attempt to open an invitation link from this address."""
    _count_failure(
        current_app.config["INVITATION_RATE_LIMIT"],
        "joining",
        "Too many attempts to open invitation links from here.",
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


def resume(
    membership: Membership, sign_in: Callable[[], Response], carry_on: Callable[[], Response]
) -> Any:
    """Go on as a used link's member: at once (``carry_on``) if already signed in as them,
    otherwise after a confirming POST (``sign_in``), so a link opened by someone else never
    swaps their session silently. Stakeholders' and assessors' links both come here."""
    if current_user.is_authenticated and current_user.id == membership.user_id:
        return carry_on()
    form = ContinueForm()
    if form.validate_on_submit():
        return sign_in()
    return render_template(
        "stakeholder/resume.html", form=form, consultation=membership.consultation
    )


def _resume(membership: Membership, token: str) -> Any:
    def carry_on() -> Response:
        session.setdefault("return_links", {})[str(membership.consultation_id)] = token
        session.modified = True
        return redirect(url_for(".compare", consultation_id=membership.consultation_id))

    return resume(membership, lambda: _sign_in(membership, token), carry_on)


@bp.route("/i/<token>", methods=["GET", "POST"])
@csrf.exempt
def join(token: str) -> Any:
    """Join a consultation through an invitation link, or resume with it.

    A Join pressed twice, or retried after the first press signed the person in (and so
    replaced the session and its CSRF token), changes nothing: it takes the member to their
    comparisons. Every other post is CSRF-checked as usual.
    """
    try:
        invitation = find_invitation(token)
    except InvitationError as error:
        invitation_failed()
        return _problem(str(error), error.status)
    if invitation.role is not Role.STAKEHOLDER:
        invitation_failed()
        return _problem(
            "This is not a stakeholder's link. Open the link in your invitation e-mail.", 404
        )
    member = invitation.membership
    signed_in_as_member = (
        member is not None and current_user.is_authenticated and current_user.id == member.user_id
    )
    if request.method == "POST" and not signed_in_as_member:
        csrf.protect()
    if member is not None:
        return _resume(member, token)
    form = JoinForm()
    if request.method == "GET" and invitation.name:
        form.display_name.data = invitation.name
    if form.validate_on_submit():
        return _sign_in(join_invitation(invitation, form.display_name.data or ""), token)
    page = render_template(
        "stakeholder/join.html",
        form=form,
        consultation=invitation.consultation,
        group=invitation.group,
    )
    return page, 400 if form.errors else 200


@bp.route("/join", methods=["GET", "POST"])
def join_by_code() -> Any:
    """Ask for a consultation's registration code."""
    form = CodeForm()
    if form.validate_on_submit():
        return redirect(url_for(".register", code=(form.code.data or "").strip()))
    return render_template("stakeholder/code.html", form=form)


@bp.route("/join/<code>", methods=["GET", "POST"])
def register(code: str) -> Any:
    """Self-registration: choose a name and one's own stakeholder group."""
    consultation = consultation_by_code(code)
    if consultation is None:
        _count_failure(CODE_ATTEMPTS, "codes", "Too many consultation codes tried from here.")
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
        group = part_of(consultation, StakeholderGroup, form.group.data, "Choose your group.")
        try:
            membership, token = register_by_code(consultation, group, form.display_name.data or "")
        except InvitationError as error:
            return _problem(str(error), error.status)
        return _sign_in(membership, token)
    page = render_template("stakeholder/register.html", form=form, consultation=consultation)
    return page, 400 if form.errors else 200


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
        ids = {o.name: o.id for o in outcomes_of(membership.consultation)}
        pair = tuple(sorted((ids[worst["a"]], ids[worst["b"]])))
        number = next((s.number for s in sequence if s.canonical == pair), None)
        view["revisit"] = {
            "number": number,
            "pair": worst,
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
    confirm_skip: bool = False,
    status: int = 200,
    loaded: list[voting.Answers] | None = None,
) -> tuple[str, int]:
    """The comparison page for pair ``number``; ``loaded`` is the stakeholder's answers in
    ``round_`` and the previous round when the caller has read them already."""
    consultation = membership.consultation
    previous = voting.previous_round(consultation, round_)
    given, before = loaded or voting.answers_in(membership, round_, previous)
    step = sequence[number - 1]
    outcomes = {o.id: o for o in outcomes_of(consultation)}
    judgment = given.get(step.canonical)
    prefilled = False
    if chosen is None and judgment is not None:
        chosen, reason = voting.point_key(step.shown(judgment)), judgment.reason
    elif chosen is None and step.canonical in before:
        earlier = before[step.canonical]
        chosen, reason, prefilled = voting.point_key(step.shown(earlier)), earlier.reason, True
    answered = voting.answered(sequence, given)
    results_now = voting.sees_previous_results(consultation, answered, len(sequence))
    feedback = _feedback_view(membership, round_, sequence, given)
    left, right = outcomes[step.left_id], outcomes[step.right_id]
    revisit = feedback["revisit"]
    suggested = None
    if revisit is not None and revisit["number"] == step.number:
        worst = revisit["pair"]
        value = worst["suggested"] if worst["a"] == left.name else 1 / worst["suggested"]
        suggested = voting.point_key(value)
    page = render_template(
        "stakeholder/compare.html",
        consultation=consultation,
        membership=membership,
        round_=round_,
        previous=previous,
        sequence=sequence,
        step=step,
        left=left,
        right=right,
        outcomes=outcomes,
        given=given,
        answered=answered,
        scale=voting.SCALE,
        words={p.key: voting.describe(left.name, right.name, p.value) for p in voting.SCALE},
        saved=voting.describe(left.name, right.name, step.shown(judgment)) if judgment else None,
        confirm_skip=confirm_skip,
        suggested=suggested,
        focus_scale=session.pop("focus_scale", False),
        chosen=chosen,
        reason=reason or "",
        prefilled=prefilled,
        took_part=bool(before),
        contested=frozenset((left.name, right.name)) in voting.contested_pairs(previous),
        can_copy=any(p not in given for p in before if p in {s.canonical for s in sequence}),
        error=error,
        previous_rows=_compared(membership, previous, before) if previous and results_now else [],
        results_later=previous is not None and not results_now,
        **feedback,
    )
    return page, status


def _compared(membership: Membership, closed: Round, given: voting.Answers) -> list[dict[str, Any]]:
    """A closed round's priorities: the stakeholder's own (``given``, their answers then)
    beside their group's and everyone's."""
    own = participant_feedback(membership, closed, given.values())
    return voting.comparison_rows(
        voting.public_results(closed),
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
    number = query_int("pair")
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
    given = voting.answers(membership, round_).get(step.canonical) if action == "skip" else None
    if given is not None and request.form.get("confirm") != "yes":
        if _wants_json():
            return _refuse("This pair has an answer: confirm that it should be removed.", 409)
        return _render_compare(membership, round_, sequence, number, confirm_skip=True)
    # Read what the answer needs before the commit expires the loaded rows.
    names = {o.id: o.name for o in outcomes_of(membership.consultation)}
    left, right = names[step.left_id], names[step.right_id]
    membership_id, round_id = membership.id, round_.id
    removed = voting.describe(left, right, step.shown(given)) if given is not None else None
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
        flash(f"Saved: {voting.describe(left, right, value)}.", "success")
    elif action == "skip" and removed is not None:
        flash(
            f"Removed your answer to {left} or {right} ({removed}). "
            "That pair now has no answer: you can answer it again at any time.",
            "info",
        )
    session["focus_scale"] = True
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
    previous = voting.previous_round(consultation, round_)
    given, before = voting.answers_in(membership, round_, previous)
    view = _feedback_view(membership, round_, sequence, given)
    if not open_now:
        view["revisit"] = None  # nothing can be changed now
    answered = voting.answered(sequence, given)
    later = bool(previous) and not voting.sees_previous_results(
        consultation, answered, len(sequence)
    )
    compared = closed or (None if later else previous)
    then = given if compared is closed else before  # the answers in the round compared
    return render_template(
        "stakeholder/summary.html",
        consultation=consultation,
        membership=membership,
        round_=round_,
        open_now=open_now,
        sequence=sequence,
        answered=answered,
        results_later=later and closed is None,
        outcomes={o.id: o for o in outcomes_of(consultation)},
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
    if voting.voting_round(membership.consultation) is None:
        abort(409, "Voting is closed: your answers are already final.")
    mark_finished(membership)
    flash("Thank you: your answers are in. You can change them until the round closes.", "success")
    return redirect(url_for(".summary", consultation_id=consultation_id), 303)

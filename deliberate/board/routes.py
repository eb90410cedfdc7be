"""Board members' pages: consensus summaries of closed rounds, as pages, PDFs and links."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, NoReturn

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse

from .. import charts
from ..access import memberships_of, require_membership
from ..extensions import limiter
from ..models import Consultation, JobStatus, Role, Round, ShareLink, utcnow
from ..pending import pending_page
from ..services import board as service
from ..services import jobs
from ..services.pdf import running_head
from ..services.printing import find_print, print_document, stored_print, summary_key
from ..validation import query_int
from .forms import FeatureForm, NoteForm, RevokeForm, ShareForm

bp = Blueprint("board", __name__, url_prefix="/board")
_drawing = threading.Lock()
share = Blueprint("share", __name__)

STYLESHEETS = ("css/style.css", "css/board.css")
#: Each new print starts a Chromium process: one count per address across both PDF routes.
#: A PDF served from the store, or a page looking again for one, does not count.
pdf_limit = limiter.shared_limit(
    "30/minute",
    scope="summary-pdf",
    deduct_when=lambda _response: jobs.started_in_request(),
    error_message="Too many PDFs asked for in a minute. Wait a minute, then try again.",
)


def _fail(error: service.BoardError) -> NoReturn:
    """Answer with the board error's status and message."""
    abort(error.status, description=str(error))


def _closed_round(consultation: Consultation, number: int | None) -> Round:
    try:
        return service.closed_round(consultation, number)
    except service.BoardError as error:
        _fail(error)


def _context(round_: Round) -> dict[str, Any]:
    """What the summary template needs for a closed round."""
    found = service.round_summary(round_)
    return {
        "consultation": round_.consultation,
        "round": round_,
        "summary": found,
        "charts": charts.summary_charts(found) if found and not found["withheld"] else {},
        "generated_at": utcnow(),
    }


def _document(context: dict[str, Any]) -> str:
    """The summary as one self-contained HTML document (styles inline), for PDF."""
    static = Path(current_app.static_folder or "")
    css = "\n".join((static / name).read_text(encoding="utf-8") for name in STYLESHEETS)
    consultation, round_ = context["consultation"], context["round"]
    css += "\n" + running_head(f"{consultation.title} · Consensus summary, round {round_.number}")
    # Our own stylesheets, and the title only as an escaped CSS string: inlined so the PDF
    # fetches nothing.
    inline_css = Markup(css)  # nosec B704
    return render_template("board/document.html", inline_css=inline_css, **context)


def _pdf(round_: Round) -> Response:
    """The PDF once printed (or from the store); meanwhile a page that looks again.

    The page looks again at ``?job=N``, the print it waits for, without drawing the summary
    anew each time.
    """
    consultation = round_.consultation
    job = find_print(query_int("job"), round_)
    key = None
    if job is None:
        key = summary_key(round_, service.summary_fingerprint(round_))
        job = stored_print(key)
    if job is None:
        # One summary drawn for print at a time per process: a burst of PDF requests then
        # takes turns instead of crowding out every other page for the processor.
        if not _drawing.acquire(blocking=False):
            return make_response(pending_page("Printing the summary", None, request.full_path))
        try:
            job = print_document(_document(_context(round_)), round_, key)
        finally:
            _drawing.release()
    job = jobs.wait(job, current_app.config["JOB_WAIT_SECONDS"])
    if job.status is JobStatus.FAILED:
        abort(503, description=job.error)
    if job.status is not JobStatus.DONE:
        again = url_for(request.endpoint or "", **(request.view_args or {}), job=job.id)
        return make_response(pending_page("Printing the summary", job, again))
    name = f"deliberate-summary-{consultation.id}-round-{round_.number}.pdf"
    return Response(
        job.result,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/")
@login_required
def index() -> str:
    """The consultations whose summaries this person reads: as a board member or facilitator."""
    memberships = sorted(
        memberships_of(current_user, Role.BOARD) + memberships_of(current_user, Role.FACILITATOR),
        key=lambda m: -m.consultation_id,
    )
    return render_template("board/index.html", memberships=memberships)


def _summary_page(
    cid: int,
    number: int | None,
    note_form: NoteForm | None = None,
    share_form: ShareForm | None = None,
) -> str:
    """The summary page; facilitators also get its forms (as submitted, after an error)."""
    membership = require_membership(cid, Role.BOARD, Role.FACILITATOR)
    consultation = membership.consultation
    round_ = _closed_round(consultation, number)
    facilitator = membership.role is Role.FACILITATOR
    if facilitator:
        note_form = note_form or NoteForm(note=consultation.facilitator_note)
        share_form = share_form or ShareForm()
    return render_template(
        "board/summary.html",
        facilitator=facilitator,
        note_form=note_form,
        share_form=share_form,
        revoke_form=RevokeForm() if facilitator else None,
        feature_form=FeatureForm() if facilitator else None,
        links=service.active_links(round_) if facilitator else [],
        closed_rounds=[r for r in consultation.rounds if not r.is_open],
        **_context(round_),
    )


@bp.get("/<int:cid>/")
@login_required
def latest(cid: int) -> str:
    """The summary of the latest closed round."""
    return _summary_page(cid, None)


@bp.get("/<int:cid>/rounds/<int:number>")
@login_required
def summary(cid: int, number: int) -> str:
    """The summary of a given closed round."""
    return _summary_page(cid, number)


@bp.get("/<int:cid>/rounds/<int:number>.pdf")
@login_required
@pdf_limit
def summary_pdf(cid: int, number: int) -> Response:
    """The summary as an A4 PDF."""
    membership = require_membership(cid, Role.BOARD, Role.FACILITATOR)
    return _pdf(_closed_round(membership.consultation, number))


@bp.post("/<int:cid>/rounds/<int:number>/note")
@login_required
def save_note(cid: int, number: int) -> BaseResponse | tuple[str, int]:
    """Save the facilitator's note shown on every summary of the consultation."""
    membership = require_membership(cid, Role.FACILITATOR)
    consultation = membership.consultation
    round_ = _closed_round(consultation, number)
    form = NoteForm()
    if not form.validate_on_submit():
        return _summary_page(cid, round_.number, note_form=form), 400
    service.set_note(consultation, current_user, form.note.data or "")
    flash("The note is saved.", "success")
    return redirect(url_for("board.summary", cid=cid, number=number, _anchor="facilitator-note"))


@bp.post("/<int:cid>/rounds/<int:number>/reasons")
@login_required
def feature(cid: int, number: int) -> BaseResponse:
    """Choose the reasons quoted on a pair that divides the groups (none: the most frequent)."""
    membership = require_membership(cid, Role.FACILITATOR)
    round_ = _closed_round(membership.consultation, number)
    form = FeatureForm()
    if not form.validate_on_submit():
        abort(400, description="The form was incomplete. Reload the page and try again.")
    try:
        service.feature_reasons(round_, current_user, form.a.data, form.b.data, form.judgment.data)
    except service.BoardError as error:
        _fail(error)
    flash(f"The reasons quoted on {form.a.data} or {form.b.data} are saved.", "success")
    return redirect(url_for("board.summary", cid=cid, number=number, _anchor="conflict-title"))


@bp.post("/<int:cid>/rounds/<int:number>/links")
@login_required
def create_link(cid: int, number: int) -> str | tuple[str, int]:
    """Create a read-only link to this summary; the link is shown once, here."""
    membership = require_membership(cid, Role.FACILITATOR)
    round_ = _closed_round(membership.consultation, number)
    form = ShareForm()
    if not form.validate_on_submit():
        return _summary_page(cid, round_.number, share_form=form), 400
    token = service.create_share_link(round_, current_user, form.days.data)
    return render_template(
        "board/link_created.html",
        consultation=membership.consultation,
        round=round_,
        url=service.share_url(token),
        days=form.days.data,
        expires_at=service.find_share_link(token).expires_at,
    )


@bp.post("/<int:cid>/links/<int:link_id>/revoke")
@login_required
def revoke_link(cid: int, link_id: int) -> BaseResponse:
    """Withdraw a read-only link."""
    membership = require_membership(cid, Role.FACILITATOR)
    if not RevokeForm().validate_on_submit():
        abort(400, description="The form was incomplete. Reload the page and try again.")
    try:
        link = service.revoke_share_link(membership.consultation, link_id, current_user)
    except service.BoardError as error:
        _fail(error)
    flash("The link no longer works.", "success")
    return redirect(url_for("board.summary", cid=cid, number=link.round.number, _anchor="share"))


# --------------------------------------------------------------------- read-only links


def _shared_link(token: str) -> tuple[ShareLink, Round]:
    """The link a token opens and its closed round (404/410 as the link's state says)."""
    try:
        link = service.find_share_link(token)
    except service.BoardError as error:
        _fail(error)
    return link, _closed_round(link.round.consultation, link.round.number)


def _private(response: Response) -> Response:
    """Keep a shared summary out of caches, search engines and referrers."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@share.get("/s/<token>")
def shared(token: str) -> Response:
    """A summary opened through a read-only link, without an account."""
    link, round_ = _shared_link(token)
    html = render_template(
        "board/shared.html",
        pdf_url=url_for("share.shared_pdf", token=token),
        expires_at=link.expires_at,
        **_context(round_),
    )
    return _private(Response(html))


@share.get("/s/<token>.pdf")
@pdf_limit
def shared_pdf(token: str) -> Response:
    """The PDF of a summary opened through a read-only link."""
    return _private(_pdf(_shared_link(token)[1]))

"""Inviting people: stakeholders one by one or from a CSV file, co-facilitators, board members."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from .. import mail
from ..models import Consultation, Invitation, Job, JobStatus, Membership, Role, StakeholderGroup
from ..pending import pending_page
from ..services import jobs, mailing, people, rounds
from ..services.lookup import find_part, part_of
from ..services.people import NewLink, PeopleError
from ..validation import query_int
from . import bp
from .forms import AccountForm, ImportForm, InviteForm
from .setup import facilitated, form_errors


def _invite_form(consultation: Consultation, **kwargs: Any) -> InviteForm:
    form = InviteForm(prefix="invite", **kwargs)
    form.group.choices = [SelectChoice(str(g.id), g.name) for g in consultation.groups]
    return form


def _people_page(
    consultation: Consultation,
    status: int = 200,
    *,
    links: Sequence[NewLink] = (),
    invite_form: InviteForm | None = None,
) -> tuple[str, int]:
    invitations = people.invitations_of(consultation)
    return render_template(
        "facilitator/people.html",
        consultation=consultation,
        invitations=invitations,
        progress=rounds.participation(consultation, analyse=False),
        not_joined=len(people.not_joined(consultation)),
        status_of=people.status_of,
        links=links,
        invite_form=invite_form or _invite_form(consultation, formdata=None),
        import_form=ImportForm(formdata=None, prefix="import"),
        mail_ready=mail.mail_settings(current_app.config) is not None,
        mail_job=mailing.sending(consultation),
    ), status


def _mail_outcome(job: Job | None) -> None:
    """Say how the e-mail job stands, after waiting briefly for a small one to finish."""
    if job is not None:
        flash(*mailing.outcome(jobs.wait(job, current_app.config["JOB_WAIT_SECONDS"])))


def _with_links(
    consultation: Consultation, links: Sequence[NewLink], send: bool, message: str
) -> tuple[str, int]:
    """Show new links once, after queuing their e-mails if asked to."""
    flash(message, "success")
    if send:
        _mail_outcome(people.email_links(consultation, links))
    return _people_page(consultation, links=links)


@bp.get("/<int:cid>/people/mail")
def mail_job(cid: int) -> Any:
    """Follow the sending of e-mails (``?job=N``), then back to the People page."""
    consultation = facilitated(cid)
    job = jobs.find(query_int("job"), mailing.KIND, consultation.id)
    if job is None:
        abort(404, "There is no such sending of e-mails for this consultation.")
    if job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        again = url_for(".mail_job", cid=cid, job=job.id)
        return pending_page("Sending e-mails", job, again)
    flash(*mailing.outcome(job))
    return redirect(url_for(".people_page", cid=cid))


@bp.get("/<int:cid>/people")
def people_page(cid: int) -> tuple[str, int]:
    """Invitations with their status, and ways to invite more people."""
    return _people_page(facilitated(cid))


@bp.post("/<int:cid>/people/invite")
def invite(cid: int) -> Any:
    """Invite one person and show their link once."""
    consultation = facilitated(cid)
    form = _invite_form(consultation)
    if not form.validate():
        flash(form_errors(form), "error")
        return _people_page(consultation, 400, invite_form=form)
    role = Role(form.role.data)
    group = None
    if role is Role.STAKEHOLDER:
        group = find_part(consultation, StakeholderGroup, form.group.data)
        if group is None:
            flash("Choose one of this consultation's groups.", "error")
            return _people_page(consultation, 400, invite_form=form)
    try:
        link = people.invite(
            consultation,
            current_user,
            role,
            group=group,
            name=form.name.data or "",
            email=form.email.data,
        )
    except PeopleError as error:
        flash(str(error), "error")
        return _people_page(consultation, error.status, invite_form=form)
    who = link.invitation.name or link.invitation.email
    return _with_links(consultation, [link], form.send_email.data, f"Invitation created for {who}.")


@bp.post("/<int:cid>/people/import")
def import_people(cid: int) -> Any:
    """Invite everyone in an uploaded CSV file, or nobody if a row is wrong."""
    consultation = facilitated(cid)
    form = ImportForm(prefix="import")
    if not form.validate():
        flash(form_errors(form), "error")
        return _people_page(consultation, 400)
    try:
        links = people.import_invitations(consultation, current_user, form.file.data.read())
    except PeopleError as error:
        flash(f"Nobody was invited. {error}", "error")
        return _people_page(consultation, error.status)
    return _with_links(
        consultation, links, form.send_email.data, f"{len(links)} invitations created."
    )


@bp.post("/<int:cid>/people/links.csv")
def links_csv(cid: int) -> Response:
    """Download the links just shown, as CSV (they are recognised by their hashes)."""
    consultation = facilitated(cid)
    body = people.links_csv(consultation, request.form.getlist("link"))
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="invitation-links-{cid}.csv"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/<int:cid>/people/remind")
def remind(cid: int) -> Any:
    """Remind members who have not finished the open round, or (``new_links=yes``) make new
    links for invitations nobody has used; a joined member's link is never shown."""
    consultation = facilitated(cid)
    progress = rounds.participation(consultation, analyse=False)
    if progress.round is None or not progress.round.is_open:
        flash("There is no open round to remind people about.", "error")
        return _people_page(consultation, 409)
    new_links = request.form.get("new_links") == "yes"
    unfinished = [] if new_links else [(m.membership_id, m.name) for m in progress.unfinished]
    done = people.remind(
        consultation, current_user, unfinished, progress.round.number, new_links=new_links
    )
    job = jobs.wait(done.job, current_app.config["JOB_WAIT_SECONDS"]) if done.job else None
    if job is not None and job.status is JobStatus.DONE and done.emailed:
        flash(f"Reminder e-mailed to {done.emailed} people who have not finished.", "success")
    elif job is not None:
        _mail_outcome(job)
    if done.to_tell:
        flash(
            f"Remind {len(done.to_tell)} people yourself: {', '.join(done.to_tell)}. "
            "They carry on with their own link, which is not shown here because it would "
            "let anyone who has it answer as them.",
            "info",
        )
    if done.links:
        finished = job is not None and job.status is JobStatus.DONE
        sent = f" ({done.links_emailed} e-mailed)" if done.links_emailed and finished else ""
        flash(
            f"New links for the {len(done.links)} people who have not joined yet{sent}; "
            "their earlier links no longer work.",
            "info",
        )
    if not done.links and not done.emailed and not done.to_tell:
        flash("There is nobody to remind.", "success")
    return _people_page(consultation, links=done.links)


def _invitation(consultation: Consultation, iid: int) -> Invitation:
    return part_of(
        consultation, Invitation, iid, "That invitation is not part of this consultation."
    )


@bp.post("/<int:cid>/people/<int:iid>/reissue")
def reissue(cid: int, iid: int) -> Any:
    """A new link for an invitation; the old one stops working."""
    consultation = facilitated(cid)
    invitation = _invitation(consultation, iid)
    try:
        link = people.reissue(consultation, current_user, invitation)
    except PeopleError as error:
        flash(str(error), "error")
        return _people_page(consultation, error.status)
    who = invitation.name or invitation.email or "this person"
    return _with_links(
        consultation, [link], False, f"New link for {who}; the old one no longer works."
    )


def _change(consultation: Consultation, change: Callable[[], None], done: str) -> Any:
    """Make a change to who takes part, then back to the People page (with its error)."""
    try:
        change()
    except PeopleError as error:
        flash(str(error), "error")
        return _people_page(consultation, error.status)
    flash(done, "success")
    return redirect(url_for(".people_page", cid=consultation.id, _anchor="invitations"))


@bp.post("/<int:cid>/people/<int:iid>/revoke")
def revoke(cid: int, iid: int) -> Any:
    """Stop an invitation's link from working (and remove a member who joined with it)."""
    consultation = facilitated(cid)
    invitation = _invitation(consultation, iid)
    return _change(
        consultation,
        lambda: people.revoke(consultation, current_user, invitation),
        f"Revoked the invitation for {invitation.name or invitation.email}.",
    )


@bp.post("/<int:cid>/people/members/<int:mid>/remove")
def remove_member(cid: int, mid: int) -> Any:
    """Remove a member: their access ends at once; open-round answers are withdrawn."""
    consultation = facilitated(cid)
    membership = part_of(
        consultation, Membership, mid, "That person is not a member of this consultation."
    )
    return _change(
        consultation,
        lambda: people.remove_member(consultation, current_user, membership),
        f"Removed {membership.user.display_name}; their access has ended.",
    )


# --------------------------------------------------------------------------- accepting


@bp.route("/accept/<token>", methods=["GET", "POST"])
def accept(token: str) -> Any:
    """Accept an invitation to facilitate or sit on the board: signed in, or with a new account."""
    try:
        invitation = people.staff_invitation(token)
    except PeopleError as error:
        return render_template(
            "error.html", status=error.status, title="This link cannot be used", detail=str(error)
        ), error.status
    signed_in = current_user.is_authenticated and bool(current_user.password_hash)
    account = AccountForm()
    status = 200
    if request.method == "POST":
        try:
            if signed_in:
                people.accept(invitation, current_user)
            elif account.validate():
                user = people.create_account(
                    account.display_name.data or "",
                    account.email.data or "",
                    account.password.data or "",
                )
                people.accept(invitation, user)
                session.clear()
                login_user(user)
            else:
                raise PeopleError(form_errors(account))
        except PeopleError as error:
            flash(str(error), "error")
            status = error.status
        else:
            flash(f"Welcome to “{invitation.consultation.title}”.", "success")
            if invitation.role is Role.FACILITATOR:
                return redirect(url_for(".overview", cid=invitation.consultation_id))
            return redirect(url_for("auth.home"))
    return render_template(
        "facilitator/accept.html",
        invitation=invitation,
        signed_in=signed_in,
        account=account,
        login_url=url_for("auth.login", next=request.path),
    ), status

"""Inviting people into a consultation: one by one, from a CSV file, and as co-facilitators.

Invitation links are shown once, when they are made: only their hashes are stored. Every
invitation, reissue and revocation is written to the audit log.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy.orm import selectinload

from .. import mail
from ..access import end_sessions
from ..engine.judgments import spreadsheet_safe
from ..extensions import db
from ..models import (
    Consultation,
    Invitation,
    Job,
    Judgment,
    Membership,
    Role,
    StakeholderGroup,
    User,
    hash_token,
    utcnow,
)
from ..validation import name_problem
from . import mailing
from .audit import record
from .errors import ServiceError, transactional
from .invitations import InvitationError, create_invitation, find_invitation, invitation_url
from .invitations import reissue as reissue_token
from .invitations import revoke as revoke_token
from .links import public_url
from .options import assessor_url
from .tokens import revoke_all

CSV_HEADER = ("name", "email", "group")
MAX_IMPORT_ROWS = 5000
MAX_NAME = 80
MIN_PASSWORD = 10


class PeopleError(ServiceError):
    """An invitation change that cannot be made."""


@dataclass(frozen=True)
class NewLink:
    """An invitation with the link to send, known only until the page that shows it is gone."""

    invitation: Invitation
    url: str


def link_for(invitation: Invitation, token: str) -> str:
    """The link to send: stakeholders join at /i/…, facilitators and board members accept here."""
    if invitation.role is Role.STAKEHOLDER:
        return invitation_url(token)
    if invitation.role is Role.ASSESSOR:
        return assessor_url(token)
    return public_url("facilitator.accept", token=token)


def status_of(invitation: Invitation) -> str:
    """``revoked``, ``joined``, ``expired`` or ``not yet used``."""
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.membership_id is not None:
        return "joined"
    if invitation.expires_at <= utcnow():
        return "expired"
    return "not yet used"


def invitations_of(consultation: Consultation) -> list[Invitation]:
    """Every invitation of the consultation, newest first."""
    return list(
        db.session.scalars(
            db.select(Invitation)
            .filter_by(consultation_id=consultation.id)
            .options(
                selectinload(Invitation.group),
                selectinload(Invitation.membership).selectinload(Membership.user),
                selectinload(Invitation.membership).selectinload(Membership.group),
            )
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        )
    )


def _email(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise PeopleError(f"“{value}” is not an e-mail address: {error}") from error


def _person(name: str | None, email: str | None) -> tuple[str, str | None]:
    name = (name or "").strip()
    problem = name_problem(name)
    if problem:
        raise PeopleError(problem)
    if len(name) > MAX_NAME:
        raise PeopleError(
            f"The name is {len(name)} characters long; at most {MAX_NAME} are allowed."
        )
    address = _email(email)
    if not name and not address:
        raise PeopleError("Give a name or an e-mail address, so you know whose link is whose.")
    return name, address


def _live_emails(consultation: Consultation) -> set[str]:
    return set(
        db.session.scalars(
            db.select(Invitation.email).where(
                Invitation.consultation_id == consultation.id,
                Invitation.email.is_not(None),
                Invitation.revoked_at.is_(None),
            )
        )
    )


def _new(
    consultation: Consultation,
    role: Role,
    group: StakeholderGroup | None,
    name: str,
    email: str | None,
) -> NewLink:
    try:
        invitation, token = create_invitation(consultation, role, group, name=name, email=email)
    except InvitationError as error:
        raise PeopleError(str(error), error.status) from error
    return NewLink(invitation, link_for(invitation, token))


@transactional
def invite(
    consultation: Consultation,
    user: User,
    role: Role,
    *,
    group: StakeholderGroup | None = None,
    name: str = "",
    email: str | None = None,
) -> NewLink:
    """Invite one person: a stakeholder into ``group``, or a co-facilitator or board member."""
    name, address = _person(name, email)
    if role is not Role.STAKEHOLDER:
        group = None
    if address and address in _live_emails(consultation):
        raise PeopleError(f"{address} already has a live invitation: reissue it instead.", 409)
    link = _new(consultation, role, group, name, address)
    who = name or address or ""
    where = f" to {group.name}" if group else ""
    record(consultation, user, "invitation.create", f"{role.value} {who}{where}")
    return link


@transactional
def import_invitations(consultation: Consultation, user: User, data: bytes) -> list[NewLink]:
    """Invite every row of a CSV file (``name,email,group`` with a header), or nobody.

    A bad row rejects the whole file with its row number (the header is row 1) and reason.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PeopleError(
            "The file is not UTF-8 text: save it as “CSV UTF-8” and try again."
        ) from error
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [cell.strip().lower() for cell in next(reader, [])]
    if sorted(header) != sorted(CSV_HEADER):
        raise PeopleError(
            "The first row must be the header name,email,group "
            f"(found {','.join(header) or 'nothing'})."
        )
    column = {name: header.index(name) for name in CSV_HEADER}
    groups = {g.name.casefold(): g for g in consultation.groups}
    seen = _live_emails(consultation)
    rows: list[tuple[str, str | None, StakeholderGroup]] = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            raise PeopleError(f"Row {number}: expected {len(header)} columns, found {len(cells)}.")
        if len(rows) >= MAX_IMPORT_ROWS:
            raise PeopleError(f"A file holds at most {MAX_IMPORT_ROWS} people.", 413)
        try:
            name, email = _person(cells[column["name"]], cells[column["email"]])
        except PeopleError as error:
            raise PeopleError(f"Row {number}: {error}") from error
        group_name = cells[column["group"]].strip()
        group = groups.get(group_name.casefold())
        if group is None:
            known = ", ".join(g.name for g in consultation.groups)
            raise PeopleError(
                f"Row {number}: there is no group “{group_name}” (the groups are {known})."
            )
        if email is not None:
            if email in seen:
                raise PeopleError(f"Row {number}: {email} is already invited.")
            seen.add(email)
        rows.append((name, email, group))
    if not rows:
        raise PeopleError("The file has a header but nobody in it.")
    links = [
        _new(consultation, Role.STAKEHOLDER, group, name, email) for name, email, group in rows
    ]
    record(consultation, user, "invitation.import", f"{len(links)} stakeholders from a CSV file")
    return links


@transactional
def reissue(consultation: Consultation, user: User, invitation: Invitation) -> NewLink:
    """A new link for an invitation nobody has used yet; the old one stops working at once.

    Raises
    ------
    PeopleError
        409 once the invitation is redeemed: a new link would let whoever holds it act as
        that member. Remove the member and invite them afresh instead.
    """
    if invitation.membership_id is not None:
        raise PeopleError(
            f"{_name(invitation)} has joined, so their link cannot be reissued: a new link "
            "would let whoever holds it act as them. If they lost it, remove them and "
            "invite them afresh.",
            409,
        )
    token = reissue_token(invitation)
    record(consultation, user, "invitation.reissue", _who(invitation))
    return NewLink(invitation, link_for(invitation, token))


@transactional
def revoke(consultation: Consultation, user: User, invitation: Invitation) -> None:
    """Stop the invitation's link from working; a member who joined with it is removed."""
    if invitation.revoked_at is not None:
        raise PeopleError("That invitation is already revoked.", 409)
    revoke_token(invitation)
    record(consultation, user, "invitation.revoke", _who(invitation))
    member = invitation.membership
    if member is not None and member.removed_at is None:
        _remove(consultation, user, member)


@transactional
def remove_member(consultation: Consultation, user: User, membership: Membership) -> None:
    """Remove a member at once: every session and API token of theirs ends, their invitation
    link stops working, their answers in an open round are withdrawn (closed rounds keep
    them). The audit log names the member, never their answers.

    Raises
    ------
    PeopleError
        404 for a member of another consultation; 409 for one already removed or oneself.
    """
    if membership.consultation_id != consultation.id:
        raise PeopleError("That person is not a member of this consultation.", 404)
    if membership.removed_at is not None:
        raise PeopleError("That member is already removed.", 409)
    if membership.user_id == user.id:
        raise PeopleError("You cannot remove yourself.", 409)
    now = utcnow()
    for invitation in db.session.scalars(
        db.select(Invitation).filter_by(membership_id=membership.id, revoked_at=None)
    ):
        invitation.revoked_at = now
    _remove(consultation, user, membership)


def _remove(consultation: Consultation, user: User, membership: Membership) -> None:
    """Withdraw the member's open-round answers and end their sessions and tokens."""
    open_rounds = [r.id for r in consultation.rounds if r.is_open]
    if open_rounds:
        db.session.execute(
            db.delete(Judgment).where(
                Judgment.membership_id == membership.id, Judgment.round_id.in_(open_rounds)
            )
        )
    membership.removed_at = utcnow()
    end_sessions(membership.user)
    revoke_all(membership.user)
    detail = f"{membership.role.value} {membership.user.display_name}"
    if open_rounds:
        detail += "; answers in the open round withdrawn"
    record(consultation, user, "member.remove", detail)


def _name(invitation: Invitation) -> str:
    member = invitation.membership
    return invitation.name or (member.user.display_name if member else "") or "This person"


def _who(invitation: Invitation) -> str:
    return f"{invitation.role.value} {invitation.name or invitation.email or invitation.id}"


def links_csv(consultation: Consultation, urls: Sequence[str]) -> str:
    """The given links of this consultation as CSV (name, email, group, role, link).

    Links are recognised by their token's hash, so only live links of this consultation
    appear; anything else sent is ignored.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["name", "email", "group", "role", "link"])
    for url in urls:
        token = url.rstrip("/").rsplit("/", 1)[-1]
        invitation = db.session.scalar(
            db.select(Invitation).filter_by(
                token_hash=hash_token(token), consultation_id=consultation.id, revoked_at=None
            )
        )
        if invitation is None:
            continue
        cells = [
            invitation.name,
            invitation.email or "",
            invitation.group.name if invitation.group else "",
            invitation.role.value,
            link_for(invitation, token),
        ]
        writer.writerow([spreadsheet_safe(cell) for cell in cells])
    return buffer.getvalue()


# --------------------------------------------------------------------------- co-facilitators


def staff_invitation(token: str) -> Invitation:
    """The live facilitator or board invitation for ``token``."""
    try:
        invitation = find_invitation(token)
    except InvitationError as error:
        raise PeopleError(str(error), error.status) from error
    if invitation.role in (Role.STAKEHOLDER, Role.ASSESSOR):
        raise PeopleError(
            f"This is {'an assessor' if invitation.role is Role.ASSESSOR else 'a stakeholder'}'s "
            "link: open it at the address you were sent.",
            404,
        )
    return invitation


@transactional
def accept(invitation: Invitation, user: User) -> Membership:
    """Make ``user`` (who signs in with a password) a facilitator or board member."""
    if not user.password_hash:
        raise PeopleError("Set a password first: facilitators and board members sign in.", 403)
    if invitation.membership is not None:
        if invitation.membership.user_id == user.id:
            return invitation.membership
        raise PeopleError("This invitation has already been accepted by someone else.", 409)
    existing = db.session.scalar(
        db.select(Membership).filter_by(user_id=user.id, consultation_id=invitation.consultation_id)
    )
    if existing is not None:
        raise PeopleError(
            f"You already take part in this consultation as {existing.role.value}.", 409
        )
    membership = Membership(
        user=user, consultation_id=invitation.consultation_id, role=invitation.role
    )
    invitation.membership = membership
    invitation.used_at = utcnow()
    db.session.add(membership)
    record(invitation.consultation, user, "invitation.accept", invitation.role.value)
    return membership


def create_account(display_name: str, email: str, password: str) -> User:
    """A new password account, saved by :func:`accept` together with its membership."""
    display_name = display_name.strip()
    if not display_name or len(display_name) > MAX_NAME:
        raise PeopleError(f"Give your name (at most {MAX_NAME} characters).")
    address = _email(email)
    if address is None:
        raise PeopleError("Give your e-mail address: you will sign in with it.")
    if len(password) < MIN_PASSWORD:
        raise PeopleError(f"Choose a password of at least {MIN_PASSWORD} characters.")
    if db.session.scalar(db.select(User.id).filter_by(email=address)) is not None:
        raise PeopleError(f"There is already an account for {address}: sign in to accept.", 409)
    user = User(email=address, display_name=display_name)
    user.set_password(password)
    return user


# --------------------------------------------------------------------------- e-mail


def _link_messages(
    settings: mail.MailSettings, consultation: Consultation, links: Sequence[NewLink]
) -> list[EmailMessage]:
    return [
        mail.invitation_message(
            settings.sender,
            link.invitation.name,
            link.invitation.email or "",
            consultation.title,
            consultation.question,
            link.url,
            link.invitation.role.value,
        )
        for link in links
        if link.invitation.email
    ]


def email_links(consultation: Consultation, links: Sequence[NewLink]) -> Job | None:
    """Queue an e-mail to each new link that has an address (a job sends them); None when
    mail is not set up or nobody has an address. Call once the invitations are committed."""
    settings = mail.mail_settings(current_app.config)
    messages = _link_messages(settings, consultation, links) if settings else []
    return mailing.start(consultation, messages) if messages else None


# --------------------------------------------------------------------------- reminders


@dataclass(frozen=True)
class Reminders:
    """What a reminder did: e-mails queued for members, and fresh links for those not joined.

    ``emailed`` reminders and ``links_emailed`` links go out in ``job`` (None: nothing to
    e-mail). ``to_tell`` names members who have not finished and cannot be e-mailed: the
    facilitator reminds them; they come back with their own link (a joined person's link is
    never shown, since it would let the facilitator answer as them).
    """

    emailed: int
    links: list[NewLink]
    links_emailed: int
    to_tell: list[str]
    job: Job | None


def not_joined(consultation: Consultation) -> list[Invitation]:
    """Live stakeholder invitations nobody has used yet, oldest first."""
    return list(
        db.session.scalars(
            db.select(Invitation)
            .filter_by(
                consultation_id=consultation.id,
                role=Role.STAKEHOLDER,
                membership_id=None,
                revoked_at=None,
            )
            .options(selectinload(Invitation.group))
            .order_by(Invitation.created_at, Invitation.id)
        )
    )


@transactional
def remind(
    consultation: Consultation,
    user: User,
    unfinished: Sequence[tuple[int, str]],
    round_number: int,
    *,
    new_links: bool = False,
) -> Reminders:
    """Remind everyone who has not finished round ``round_number``.

    ``unfinished`` holds (membership id, name) of members who have not finished. With e-mail
    set up, those whose invitation has an address get a reminder without a link. With
    ``new_links``, invitations not yet used get a new link (the old one stops working),
    e-mailed where possible and returned to be shown once. E-mails go in one job, queued
    after the new links are committed.
    """
    settings = mail.mail_settings(current_app.config)
    addresses = dict(
        db.session.execute(
            db.select(Invitation.membership_id, Invitation.email).where(
                Invitation.membership_id.in_([m for m, _ in unfinished]),
                Invitation.email.is_not(None),
            )
        ).all()
    )
    reachable = [(m, name) for m, name in unfinished if settings and m in addresses]
    links = [
        NewLink(invitation, link_for(invitation, reissue_token(invitation)))
        for invitation in (not_joined(consultation) if new_links else [])
    ]
    record(
        consultation,
        user,
        "round.remind",
        f"{len(unfinished)} members not finished, {len(links)} new links",
    )
    db.session.commit()
    reminders = [
        mail.reminder_message(settings.sender, name, addresses[m], consultation.title, round_number)
        for m, name in reachable
        if settings is not None
    ]
    link_messages = _link_messages(settings, consultation, links) if settings else []
    messages = reminders + link_messages
    told = {m for m, _ in reachable}
    return Reminders(
        emailed=len(reminders),
        links=links,
        links_emailed=len(link_messages),
        to_tell=[name for m, name in unfinished if m not in told],
        job=mailing.start(consultation, messages) if messages else None,
    )

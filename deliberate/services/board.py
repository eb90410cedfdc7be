"""The board summary's data and writes: reasons, the facilitator's note, read-only links."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from datetime import timedelta
from typing import Any

from ..extensions import db
from ..models import (
    Consultation,
    FeaturedReason,
    Membership,
    Option,
    OptionAppraisal,
    OptionJudgment,
    OptionRating,
    Round,
    ShareLink,
    User,
    hash_token,
    utcnow,
)
from . import audit, disclosure, results, summary
from .errors import ServiceError, transactional
from .links import public_url
from .lookup import round_by_number

TOKEN_BYTES = 32
DEFAULT_SHARE_DAYS = 14
MAX_SHARE_DAYS = 90
MAX_NOTE_LENGTH = 5000


class BoardError(ServiceError):
    """A request the board pages cannot meet."""


def closed_round(consultation: Consultation, number: int | None = None) -> Round:
    """A closed round of the consultation (the latest one when ``number`` is None).

    Raises
    ------
    BoardError
        404 for a round that does not exist; 409 while it is open or none is closed.
    """
    if number is None:
        closed = [r for r in consultation.rounds if not r.is_open]
        if not closed:
            raise BoardError(
                "No round of this consultation has closed yet. The summary appears when "
                "the facilitator closes the first round.",
                409,
            )
        return closed[-1]
    round_ = round_by_number(consultation, number)
    if round_ is None:
        raise BoardError(f"This consultation has no round {number}.", 404)
    if round_.is_open:
        raise BoardError(
            f"Round {number} is still open, so its results may change. Its summary appears "
            "when the facilitator closes the round.",
            409,
        )
    return round_


def featured_ids(round_: Round) -> set[int]:
    """The judgments whose reasons the facilitator chose to quote on the round's summary."""
    return set(
        db.session.scalars(db.select(FeaturedReason.judgment_id).filter_by(round_id=round_.id))
    )


def round_summary(round_: Round) -> dict[str, Any] | None:
    """The summary of a closed round for the board, or None when nobody answered.

    Groups below the consultation's anonymity threshold are left out of every figure
    (:func:`deliberate.services.disclosure.publishable_report`); reasons
    are quoted from the groups shown only, as texts, never with who gave them. Each
    conflict carries ``reasons`` (featured by the facilitator, else the most frequent)
    and ``candidates`` (every reason, for the facilitator's choice).
    """
    consultation = round_.consultation
    report = disclosure.publishable_report(round_)
    if report is None:
        return None
    earlier = [
        (r.number, disclosure.publishable_report(r, bootstrap=0))
        for r in consultation.rounds
        if not r.is_open and r.number < round_.number
    ]
    rounds = [(n, rep) for n, rep in earlier if rep is not None] + [(round_.number, report)]
    found = summary.summarise(report, consultation.anonymity_k, rounds)
    if found["withheld"] is None:
        rows = [
            (r.judgment_id, r.a, r.b, r.group, r.value, r.reason)
            for r in results.judgment_rows(round_, with_reason=True)
        ]
        candidates = summary.common_reasons(rows, found["view"]["groups"])
        featured = featured_ids(round_)
        for conflict in found["conflicts"]:
            conflict["candidates"] = candidates.get((conflict["a"], conflict["b"]), [])
            conflict["reasons"] = summary.pick_reasons(conflict["candidates"], featured)
            conflict["featured"] = any(r["judgment_id"] in featured for r in conflict["reasons"])
    return found


def _row(row: Any) -> tuple[Any, ...]:
    """Every column of a database row, as stored."""
    return tuple(getattr(row, column.key) for column in row.__table__.columns)


def summary_fingerprint(round_: Round) -> str:
    """A digest of everything :func:`round_summary` and its page read, found without
    analysing anything: the consultation's settings and texts (the facilitator's note
    among them), its outcomes, groups and rounds, the answers of this round and the closed
    rounds before it, the reasons featured, the options and every assessor's answer, who
    was removed, and the day (printed on the summary). Two equal digests draw the same
    summary, so a PDF stored under it is served without drawing it again."""
    consultation = round_.consultation
    earlier = [r for r in consultation.rounds if not r.is_open and r.number <= round_.number]
    answers = [
        db.session.execute(
            db.select(db.func.count(), db.func.max(table.updated_at))
            .join(Option, Option.id == column)
            .where(Option.consultation_id == consultation.id)
        ).one()
        for table, column in (
            (OptionJudgment, OptionJudgment.option_a_id),
            (OptionRating, OptionRating.option_id),
        )
    ]
    options = db.select(Option).filter_by(consultation_id=consultation.id).order_by(Option.id)
    appraisal = db.select(OptionAppraisal).filter_by(consultation_id=consultation.id)
    members = db.session.execute(
        db.select(db.func.count(Membership.removed_at), db.func.max(Membership.removed_at)).where(
            Membership.consultation_id == consultation.id
        )
    ).one()
    parts = (
        _row(consultation),
        [_row(o) for o in consultation.outcomes],
        [_row(g) for g in consultation.groups],
        [(_row(r), results.report_fingerprint(r)) for r in earlier],
        sorted(featured_ids(round_)),
        [_row(row) for row in db.session.scalars(options)],
        [_row(row) for row in db.session.scalars(appraisal)],
        [tuple(a) for a in answers],
        tuple(members),
        utcnow().date(),
    )
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()


@transactional
def feature_reasons(
    round_: Round, user: User, a: str, b: str, judgment_ids: Collection[int]
) -> None:
    """Quote exactly these judgments' reasons on the pair (a, b); none: back to the engine's.

    Raises
    ------
    BoardError
        409 while the round is open; 400 for a judgment without a reason, from another
        round or pair, or from a group the board does not see.
    """
    if round_.is_open:
        raise BoardError("Reasons can be featured once the round is closed.", 409)
    found = round_summary(round_)
    conflict = next(
        (c for c in (found or {}).get("conflicts") or [] if (c["a"], c["b"]) == (a, b)), None
    )
    if conflict is None:
        raise BoardError(f"{a} and {b} is not a pair that divides the groups.", 400)
    allowed = {c["judgment_id"] for c in conflict["candidates"]}
    if not set(judgment_ids) <= allowed:
        raise BoardError("Choose among the reasons listed for this pair.", 400)
    db.session.execute(
        db.delete(FeaturedReason).where(
            FeaturedReason.round_id == round_.id,
            FeaturedReason.judgment_id.in_(allowed),
        )
    )
    db.session.add_all(FeaturedReason(round_id=round_.id, judgment_id=j) for j in judgment_ids)
    audit.record(
        round_.consultation,
        user,
        "summary.reasons",
        f"round {round_.number}, {a} or {b}: {len(judgment_ids)} featured",
    )


@transactional
def set_note(consultation: Consultation, user: User, note: str) -> None:
    """Save the facilitator's note shown on the summary (context, caveats, next steps)."""
    note = note.replace("\r\n", "\n").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise BoardError(f"The note is limited to {MAX_NOTE_LENGTH} characters.", 400)
    consultation.facilitator_note = note
    audit.record(consultation, user, "summary.note", f"{len(note)} characters")


def share_url(token: str) -> str:
    """The read-only link a board member opens without an account."""
    return public_url("share.shared", token=token)


@transactional
def create_share_link(round_: Round, user: User, days: int = DEFAULT_SHARE_DAYS) -> str:
    """Create a read-only link to a closed round's summary; return its token (shown once)."""
    if round_.is_open:
        raise BoardError("Only the summary of a closed round can be shared.", 409)
    if not 1 <= days <= MAX_SHARE_DAYS:
        raise BoardError(f"A link expires after 1 to {MAX_SHARE_DAYS} days.", 400)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = ShareLink(
        round=round_,
        token_hash=hash_token(token),
        created_by_id=user.id,
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(link)
    audit.record(round_.consultation, user, "summary.shared", f"round {round_.number}, {days} days")
    return token


def active_links(round_: Round) -> list[ShareLink]:
    """The round's links that still work, newest first."""
    return list(
        db.session.scalars(
            db.select(ShareLink)
            .filter(
                ShareLink.round_id == round_.id,
                ShareLink.revoked_at.is_(None),
                ShareLink.expires_at > utcnow(),
            )
            .order_by(ShareLink.created_at.desc(), ShareLink.id.desc())
        )
    )


@transactional
def revoke_share_link(consultation: Consultation, link_id: int, user: User) -> ShareLink:
    """Stop a link working at once."""
    link = db.session.get(ShareLink, link_id)
    if link is None or link.round.consultation_id != consultation.id:
        raise BoardError("There is no such link for this consultation.", 404)
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        audit.record(consultation, user, "summary.unshared", f"round {link.round.number}")
        db.session.commit()
    return link


def find_share_link(token: str) -> ShareLink:
    """The link a token opens; 404 when unknown, 410 when revoked or expired."""
    link = db.session.scalar(db.select(ShareLink).filter_by(token_hash=hash_token(token)))
    if link is None:
        raise BoardError("This link is not valid. Ask the facilitator for a new one.", 404)
    if link.revoked_at is not None or link.expires_at <= utcnow():
        raise BoardError(
            "This link has expired or was withdrawn. Ask the facilitator for a new one.", 410
        )
    return link

"""A whole consultation as one JSON document, and back: for archives, moves and re-analysis.

The document holds the set-up, outcomes, groups, people with their display names and roles,
rounds, every judgment with its reason and time, the options with their appraisal and every
assessor's answer, and the audit log — never a password hash,
an invitation or link token, or an API token. Importing it creates a new consultation with
new ids; people are matched by e-mail address where they have one, and created otherwise
(without a password: they set one before signing in).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import (
    AuditEvent,
    Consultation,
    Design,
    Judgment,
    Membership,
    Outcome,
    Role,
    Round,
    StakeholderGroup,
    Status,
    User,
    Weighting,
)
from .errors import ServiceError
from .options import export_options, import_options

FORMAT = "deliberate-consultation"
VERSION = 1


class PortabilityError(ServiceError, ValueError):
    """A document that cannot be imported, with the reason in plain words."""


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


def export_consultation(consultation: Consultation) -> dict[str, Any]:
    """The consultation as a plain JSON-ready document (see the module docstring)."""
    memberships = sorted(consultation.memberships, key=lambda m: m.id)
    events = list(
        db.session.scalars(
            db.select(AuditEvent)
            .filter_by(consultation_id=consultation.id)
            .order_by(AuditEvent.created_at, AuditEvent.id)
        )
    )
    people: dict[int, str] = {}
    documents: list[dict[str, Any]] = []
    for user in [m.user for m in memberships] + [e.user for e in events if e.user]:
        if user.id not in people:
            people[user.id] = f"p{len(people) + 1}"
            documents.append(
                {
                    "key": people[user.id],
                    "email": user.email,
                    "display_name": user.display_name,
                    "created_at": _time(user.created_at),
                }
            )
    outcomes = sorted(consultation.outcomes, key=lambda o: o.id)
    names = {o.id: o.name for o in outcomes}
    members = {m.id: people[m.user_id] for m in memberships}
    rounds = {r.id: r.number for r in consultation.rounds}
    judgments = db.session.scalars(
        db.select(Judgment)
        .join(Round)
        .where(Round.consultation_id == consultation.id)
        .order_by(
            Round.number, Judgment.membership_id, Judgment.outcome_a_id, Judgment.outcome_b_id
        )
    )
    return {
        "format": FORMAT,
        "version": VERSION,
        "consultation": {
            "title": consultation.title,
            "question": consultation.question,
            "description": consultation.description,
            "status": consultation.status.value,
            "anonymity_k": consultation.anonymity_k,
            "weighting": consultation.weighting.value,
            "consistency_threshold": consultation.consistency_threshold,
            "design": consultation.design.value,
            "facilitator_note": consultation.facilitator_note,
            "created_at": _time(consultation.created_at),
        },
        "outcomes": [o.fields() for o in outcomes],
        "groups": [g.fields() for g in consultation.groups],
        "people": documents,
        "members": [
            {
                "person": people[m.user_id],
                "role": m.role.value,
                "group": m.group.name if m.group else None,
                "label": m.label,
                "joined_at": _time(m.joined_at),
                "finished_at": _time(m.finished_at),
            }
            for m in memberships
        ],
        "rounds": [
            {"number": r.number, "opened_at": _time(r.opened_at), "closed_at": _time(r.closed_at)}
            for r in consultation.rounds
        ],
        "judgments": [
            {
                "person": members[j.membership_id],
                "round": rounds[j.round_id],
                "outcome_a": names[j.outcome_a_id],
                "outcome_b": names[j.outcome_b_id],
                "value": j.value,
                "reason": j.reason,
                "updated_at": _time(j.updated_at),
            }
            for j in judgments
        ],
        **export_options(consultation, members),
        "audit": [
            {
                "person": people.get(e.user_id),
                "action": e.action,
                "detail": e.detail,
                "created_at": _time(e.created_at),
            }
            for e in events
        ],
    }


def export_json(consultation: Consultation) -> str:
    """:func:`export_consultation` as indented UTF-8 JSON text."""
    return json.dumps(export_consultation(consultation), indent=2, ensure_ascii=False) + "\n"


def _person(document: dict[str, Any]) -> User:
    """The user with the document's e-mail address, or a new one."""
    email = (document.get("email") or "").strip().lower() or None
    if email is not None:
        existing = db.session.scalar(db.select(User).filter_by(email=email))
        if existing is not None:
            return existing
    user = User(
        email=email,
        display_name=document["display_name"],
        created_at=_parse_time(document["created_at"]),
    )
    db.session.add(user)
    return user


def _build(document: dict[str, Any]) -> Consultation:
    """Add the document's consultation and everything in it to the session."""
    setup = document["consultation"]
    consultation = Consultation(
        title=setup["title"],
        question=setup["question"],
        description=setup["description"],
        status=Status(setup["status"]),
        anonymity_k=setup["anonymity_k"],
        weighting=Weighting(setup["weighting"]),
        consistency_threshold=setup["consistency_threshold"],
        design=Design(setup["design"]),
        facilitator_note=setup["facilitator_note"],
        created_at=_parse_time(setup["created_at"]),
    )
    db.session.add(consultation)
    outcomes = {item["name"]: Outcome.copied(consultation, item) for item in document["outcomes"]}
    groups = {
        item["name"]: StakeholderGroup.copied(consultation, item) for item in document["groups"]
    }
    db.session.add_all([*outcomes.values(), *groups.values()])
    people = {item["key"]: _person(item) for item in document["people"]}
    members = {}
    for item in document["members"]:
        members[item["person"]] = Membership(
            user=people[item["person"]],
            consultation=consultation,
            role=Role(item["role"]),
            group=groups[item["group"]] if item["group"] is not None else None,
            label=item["label"],
            joined_at=_parse_time(item["joined_at"]),
            finished_at=_parse_time(item["finished_at"]),
        )
        db.session.add(members[item["person"]])
    rounds = {}
    for item in document["rounds"]:
        rounds[item["number"]] = Round(
            consultation=consultation,
            number=item["number"],
            opened_at=_parse_time(item["opened_at"]),
            closed_at=_parse_time(item["closed_at"]),
        )
        db.session.add(rounds[item["number"]])
    db.session.flush()  # ids for the canonical order of each judgment's pair
    for item in document["judgments"]:
        first, second = outcomes[item["outcome_a"]], outcomes[item["outcome_b"]]
        value = float(item["value"])
        if first.id > second.id:
            first, second, value = second, first, 1.0 / value
        db.session.add(
            Judgment(
                membership=members[item["person"]],
                round=rounds[item["round"]],
                outcome_a_id=first.id,
                outcome_b_id=second.id,
                value=value,
                reason=item["reason"],
                updated_at=_parse_time(item["updated_at"]),
            )
        )
    import_options(document, consultation, outcomes, members, _parse_time)
    for item in document["audit"]:
        db.session.add(
            AuditEvent(
                consultation_id=consultation.id,
                user=people[item["person"]] if item["person"] is not None else None,
                action=item["action"],
                detail=item["detail"],
                created_at=_parse_time(item["created_at"]),
            )
        )
    return consultation


def import_consultation(document: Any) -> Consultation:
    """Create the document's consultation in this database, in one transaction.

    Raises :class:`PortabilityError` (and saves nothing) for a document that is not a
    Deliberate export, names something it does not define, or breaks a constraint.
    """
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise PortabilityError("This is not a Deliberate consultation export.")
    if document.get("version") != VERSION:
        raise PortabilityError(
            f"Export version {document.get('version')!r} is not supported (expected {VERSION})."
        )
    try:
        consultation = _build(document)
        db.session.commit()
    except KeyError as error:
        db.session.rollback()
        raise PortabilityError(f"The export is missing or does not define {error}.") from None
    except (TypeError, ValueError, AttributeError) as error:
        db.session.rollback()
        raise PortabilityError(f"The export holds an invalid value: {error}") from None
    except IntegrityError as error:
        db.session.rollback()
        raise PortabilityError(f"The export breaks a rule of the database: {error.orig}") from None
    return consultation


def import_json(text: str) -> Consultation:
    """:func:`import_consultation` from JSON text."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise PortabilityError(f"The file is not valid JSON: {error}") from None
    return import_consultation(document)

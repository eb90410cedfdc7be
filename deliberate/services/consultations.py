"""Setting up a consultation: its question and settings, outcomes and stakeholder groups.

Every function validates everything before it writes, writes in one transaction, records
the change in the audit log and commits; on bad input it raises :class:`SetupError` and
saves nothing.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import (
    DEFAULT_ANONYMITY_K,
    Consultation,
    Design,
    FeedbackTiming,
    Invitation,
    Judgment,
    Membership,
    Outcome,
    Role,
    Round,
    StakeholderGroup,
    User,
    Weighting,
)
from .audit import record
from .design import FULL_DESIGN_MAX
from .errors import ServiceError, transactional

MAX_OUTCOMES = 30
MAX_GROUPS = 20
MAX_NAME = 80
MAX_TITLE = 200
MAX_TEXT = 5000
MAX_ANONYMITY_K = 100
SUGGESTED_GROUPS = ("Funders", "Service users", "Staff")

WEIGHTING_EXPLAINED = {
    Weighting.PERSON: (
        "Every stakeholder counts the same. Fair to individuals, but the largest group "
        "carries the most weight simply by being largest."
    ),
    Weighting.GROUPS: (
        "Each group counts the same in total, however many of its members answer. Fair "
        "between groups: a handful of funders weighs as much as a hundred service users."
    ),
    Weighting.CUSTOM: (
        "Each group counts as much as the weight you give it. Use this when a decision "
        "says whose voice should count for how much, and publish the weights."
    ),
}


#: Each weighting's name, as forms, the map and the board summary show it.
WEIGHTING_LABELS: dict[str, str] = {
    Weighting.PERSON: "One person, one voice",
    Weighting.GROUPS: "Each group an equal voice",
    Weighting.CUSTOM: "Custom group weights",
}


_Part = TypeVar("_Part", Outcome, StakeholderGroup)


class SetupError(ServiceError):
    """A set-up change that cannot be made."""


@dataclass(frozen=True)
class Settings:
    """A consultation's editable settings, as parsed from a form or an API body."""

    title: str
    question: str
    description: str = ""
    weighting: Weighting = Weighting.PERSON
    anonymity_k: int = DEFAULT_ANONYMITY_K
    consistency_threshold: float | None = None
    design: Design = Design.ALL_PAIRS
    self_registration: bool = False
    previous_results: FeedbackTiming | None = None  # None: leave as it is


# --------------------------------------------------------------------------- checks


def checked_text(value: str | None, label: str, limit: int, *, required: bool = False) -> str:
    """``value`` stripped, refused when required and empty or longer than ``limit``."""
    value = (value or "").strip()
    if required and not value:
        raise SetupError(f"The {label} cannot be empty.")
    if len(value) > limit:
        raise SetupError(
            f"The {label} is {len(value)} characters long; at most {limit} are allowed."
        )
    return value


def _name(value: str | None, kind: str) -> str:
    return checked_text(value, f"{kind} name", MAX_NAME, required=True)


def _named(name: str | None, description: str | None, kind: str) -> tuple[str, str]:
    """A part's name and description, checked and stripped."""
    return _name(name, kind), checked_text(description, f"{kind} description", MAX_TEXT)


def _renamed(old: str, new: str) -> str:
    """How the audit log names a part that may have been renamed."""
    return old if old == new else f"{old} → {new}"


def _check_room(count: int, limit: int, plural: str) -> None:
    if count > limit:
        raise SetupError(f"A consultation has at most {limit} {plural}.")


def _added(consultation: Consultation, user: User, action: str, part: _Part) -> _Part:
    """Add a new outcome or group to ``consultation`` and record it."""
    part.consultation = consultation
    db.session.add(part)
    _commit(consultation, user, action, part.name)
    return part


def _removed(
    consultation: Consultation,
    user: User,
    parts: list[_Part],
    part: _Part,
    refusal: str | None,
) -> None:
    """Remove an outcome or group from ``consultation``, unless ``refusal`` says why not."""
    if refusal is not None:
        raise SetupError(f"“{part.name}” {refusal}", 409)
    parts.remove(part)
    db.session.delete(part)
    kind = "outcome" if isinstance(part, Outcome) else "group"
    _commit(consultation, user, f"{kind}.remove", part.name)


def _unique(names: Iterable[str], kind: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name.casefold() in seen:
            raise SetupError(f"There is already {kind} called “{name}”: names must be unique.")
        seen.add(name.casefold())


def _check_settings(settings: Settings, outcome_count: int) -> None:
    checked_text(settings.title, "title", MAX_TITLE, required=True)
    checked_text(settings.question, "public value question", MAX_TEXT, required=True)
    checked_text(settings.description, "description", MAX_TEXT)
    if not 1 <= settings.anonymity_k <= MAX_ANONYMITY_K:
        raise SetupError(f"The anonymity threshold k must be between 1 and {MAX_ANONYMITY_K}.")
    threshold = settings.consistency_threshold
    if threshold is not None and not (math.isfinite(threshold) and 0 < threshold <= 1):
        raise SetupError(
            "The consistency threshold must be above 0 and at most 1 (blank for Saaty's defaults)."
        )
    if settings.design is Design.REDUCED and outcome_count <= FULL_DESIGN_MAX:
        raise SetupError(
            f"A reduced design only helps with more than {FULL_DESIGN_MAX} outcomes; "
            f"with {outcome_count}, everyone compares every pair."
        )


def _check_weight(weight: float | None) -> None:
    if weight is not None and not (math.isfinite(weight) and 0 <= weight <= 1000):
        raise SetupError("A group's weight must be a number from 0 to 1000 (blank for none).")


def new_registration_code() -> str:
    """An unguessable short code (72 random bits) for self-registration."""
    return secrets.token_urlsafe(9)


def structure_locked(consultation: Consultation) -> bool:
    """True while an open round already holds judgments: outcomes and groups are then fixed."""
    return (
        db.session.scalar(
            db.select(Judgment.id)
            .join(Round, Judgment.round_id == Round.id)
            .where(Round.consultation_id == consultation.id, Round.closed_at.is_(None))
            .limit(1)
        )
        is not None
    )


LOCKED_MESSAGE = (
    "Outcomes, groups and the comparison design cannot change while the open round holds "
    "judgments: people would have compared a different list. Close the round and start a "
    "new one, or copy the consultation."
)


def _check_unlocked(consultation: Consultation) -> None:
    if structure_locked(consultation):
        raise SetupError(LOCKED_MESSAGE, 409)


def _commit(consultation: Consultation, user: User, action: str, detail: str) -> None:
    record(consultation, user, action, detail)
    try:
        db.session.commit()
    except IntegrityError as error:  # a simultaneous change took the same name
        db.session.rollback()
        raise SetupError(
            "Someone changed this consultation at the same moment; reload the page and try again.",
            409,
        ) from error


# --------------------------------------------------------------------------- consultations


def _apply_settings(consultation: Consultation, settings: Settings) -> None:
    consultation.title = settings.title.strip()
    consultation.question = settings.question.strip()
    consultation.description = settings.description.strip()
    consultation.weighting = settings.weighting
    consultation.anonymity_k = settings.anonymity_k
    consultation.consistency_threshold = settings.consistency_threshold
    consultation.design = settings.design
    if settings.previous_results is not None:
        consultation.previous_results = settings.previous_results
    if not settings.self_registration:
        consultation.registration_code = None
    elif consultation.registration_code is None:
        consultation.registration_code = new_registration_code()


@transactional
def create_consultation(user: User, settings: Settings, groups: Sequence[str] = ()) -> Consultation:
    """Create a draft consultation with ``groups``; ``user`` becomes its facilitator."""
    if not user.password_hash:
        raise SetupError("Only people who sign in with a password can create a consultation.", 403)
    _check_settings(settings, 0)
    names = [_name(name, "group") for name in groups]
    _unique(names, "a group")
    _check_room(len(names), MAX_GROUPS, "groups")
    consultation = Consultation(title="", question="")
    _apply_settings(consultation, settings)
    db.session.add(consultation)
    db.session.add(Membership(user=user, consultation=consultation, role=Role.FACILITATOR))
    for name in names:
        db.session.add(StakeholderGroup(consultation=consultation, name=name))
    db.session.flush()
    _commit(consultation, user, "consultation.create", consultation.title)
    return consultation


@transactional
def update_settings(consultation: Consultation, user: User, settings: Settings) -> None:
    """Change the title, question and analysis settings; the design is fixed like the outcomes."""
    _check_settings(settings, len(consultation.outcomes))
    if settings.design is not consultation.design:
        _check_unlocked(consultation)
    _apply_settings(consultation, settings)
    changed = sorted(
        attr.key for attr in db.inspect(consultation).attrs if attr.history.has_changes()
    )
    _commit(consultation, user, "settings.update", ", ".join(changed) or "no change")


@transactional
def copy_consultation(consultation: Consultation, user: User) -> Consultation:
    """A new draft with the same settings, outcomes and groups; no people, rounds or judgments."""
    copy = Consultation(
        title=f"{consultation.title} (copy)"[:MAX_TITLE],
        question=consultation.question,
        description=consultation.description,
        weighting=consultation.weighting,
        anonymity_k=consultation.anonymity_k,
        consistency_threshold=consultation.consistency_threshold,
        design=consultation.design,
        previous_results=consultation.previous_results,
        registration_code=new_registration_code() if consultation.registration_code else None,
    )
    db.session.add(copy)
    db.session.add(Membership(user=user, consultation=copy, role=Role.FACILITATOR))
    db.session.add_all(
        [
            *(Outcome.copied(copy, o.fields()) for o in consultation.outcomes),
            *(StakeholderGroup.copied(copy, g.fields()) for g in consultation.groups),
        ]
    )
    db.session.flush()
    record(consultation, user, "consultation.copy", f"copied to consultation {copy.id}")
    _commit(copy, user, "consultation.create", f"copy of consultation {consultation.id}")
    return copy


# --------------------------------------------------------------------------- outcomes


@transactional
def add_outcome(
    consultation: Consultation, user: User, name: str, description: str = ""
) -> Outcome:
    """Add an outcome at the end of the list."""
    _check_unlocked(consultation)
    name, description = _named(name, description, "outcome")
    _check_room(len(consultation.outcomes) + 1, MAX_OUTCOMES, "outcomes")
    _unique([*(o.name for o in consultation.outcomes), name], "an outcome")
    position = max((o.position for o in consultation.outcomes), default=-1) + 1
    outcome = Outcome(name=name, description=description, position=position)
    return _added(consultation, user, "outcome.add", outcome)


@transactional
def update_outcome(
    consultation: Consultation, user: User, outcome: Outcome, name: str, description: str = ""
) -> None:
    """Rename an outcome or change its description."""
    _check_unlocked(consultation)
    name, description = _named(name, description, "outcome")
    _unique([*(o.name for o in consultation.outcomes if o is not outcome), name], "an outcome")
    old = outcome.name
    outcome.name, outcome.description = name, description
    _commit(consultation, user, "outcome.update", _renamed(old, name))


@transactional
def remove_outcome(consultation: Consultation, user: User, outcome: Outcome) -> None:
    """Remove an outcome that nobody has judged in any round (closed rounds stay intact)."""
    _check_unlocked(consultation)
    judged = db.session.scalar(
        db.select(Judgment.id)
        .where((Judgment.outcome_a_id == outcome.id) | (Judgment.outcome_b_id == outcome.id))
        .limit(1)
    )
    _removed(
        consultation,
        user,
        consultation.outcomes,
        outcome,
        None
        if judged is None
        else "was judged in an earlier round; removing it would change that round's results. "
        "Copy the consultation to start again without it.",
    )


@transactional
def move_outcome(consultation: Consultation, user: User, outcome: Outcome, step: int) -> None:
    """Move an outcome one place up (``step=-1``) or down (``step=1``) the list."""
    _check_unlocked(consultation)
    if step not in (-1, 1):
        raise SetupError("An outcome moves one place up or down.")
    order = list(consultation.outcomes)
    index = order.index(outcome)
    target = index + step
    if not 0 <= target < len(order):
        raise SetupError(f"“{outcome.name}” is already {'first' if step < 0 else 'last'}.")
    order[index], order[target] = order[target], order[index]
    for position, item in enumerate(order):
        item.position = position
    _commit(consultation, user, "outcome.move", f"{outcome.name} {'up' if step < 0 else 'down'}")


# --------------------------------------------------------------------------- groups


@transactional
def add_group(
    consultation: Consultation,
    user: User,
    name: str,
    description: str = "",
    weight: float | None = None,
) -> StakeholderGroup:
    """Add a stakeholder group."""
    _check_unlocked(consultation)
    name, description = _named(name, description, "group")
    _check_weight(weight)
    _check_room(len(consultation.groups) + 1, MAX_GROUPS, "groups")
    _unique([*(g.name for g in consultation.groups), name], "a group")
    group = StakeholderGroup(name=name, description=description, weight=weight)
    return _added(consultation, user, "group.add", group)


@transactional
def update_group(
    consultation: Consultation,
    user: User,
    group: StakeholderGroup,
    name: str,
    description: str = "",
    weight: float | None = None,
) -> None:
    """Change a group; while the structure is locked only its weight may change."""
    name, description = _named(name, description, "group")
    _check_weight(weight)
    if (name, description) != (group.name, group.description):
        _check_unlocked(consultation)
    _unique([*(g.name for g in consultation.groups if g is not group), name], "a group")
    old = group.name
    group.name, group.description, group.weight = name, description, weight
    detail = _renamed(old, name)
    _commit(
        consultation,
        user,
        "group.update",
        f"{detail}; weight {weight if weight is not None else 'none'}",
    )


@transactional
def remove_group(consultation: Consultation, user: User, group: StakeholderGroup) -> None:
    """Remove a group that has no members and no live invitations."""
    _check_unlocked(consultation)
    members = db.session.scalar(
        db.select(db.func.count(Membership.id)).filter_by(group_id=group.id)
    )
    invited = db.session.scalar(
        db.select(db.func.count(Invitation.id)).filter_by(group_id=group.id, revoked_at=None)
    )
    _removed(
        consultation,
        user,
        consultation.groups,
        group,
        f"has {members} member(s) and {invited} live invitation(s); revoke its invitations "
        "and keep the group, or copy the consultation."
        if members or invited
        else None,
    )

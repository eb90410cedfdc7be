"""Every table of Deliberate, with its constraints.

Constraints that protect the data (unique keys, foreign keys, the judgment scale, the
canonical order of a pair) live in the database, so that no code path can break them.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Self

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    func,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, MappedColumn, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .engine.options import RATING_MAX, RATING_MIN
from .extensions import db

if TYPE_CHECKING:  # ``db.Model`` is made at run time; type checkers see the base it extends
    from .extensions import Base as Model
else:
    Model = db.Model

SCALE_MIN = 1 / 9
SCALE_MAX = 9.0


def utcnow() -> datetime:
    """Current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def _consultation_id() -> MappedColumn[int]:
    """The owning consultation's id: rows go when their consultation goes."""
    return mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)


class _NamedPart:
    """The columns of a named part of a consultation: an outcome, a group, an option."""

    #: The columns a copy, an export or the API carries besides the id.
    FIELDS: ClassVar[tuple[str, ...]] = ("name", "description")

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = _consultation_id()
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")

    def fields(self) -> dict[str, Any]:
        """The ``FIELDS`` and their values."""
        return {name: getattr(self, name) for name in self.FIELDS}

    @classmethod
    def copied(cls, consultation: Consultation, fields: Mapping[str, Any]) -> Self:
        """A new part of ``consultation`` with the ``FIELDS`` of ``fields``."""
        return cls(**{"consultation": consultation, **{name: fields[name] for name in cls.FIELDS}})


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


def hash_token(token: str) -> str:
    """SHA-256 of a random token: only this is stored, never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    """A portable enum column stored as its values (VARCHAR + CHECK, no native type)."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Status(enum.StrEnum):
    """Life cycle of a consultation."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Weighting(enum.StrEnum):
    """Whose voice counts how much when judgments are aggregated."""

    PERSON = "person"
    GROUPS = "groups"
    CUSTOM = "custom"


class FeedbackTiming(enum.StrEnum):
    """When stakeholders in a later round see the previous round's combined results."""

    BEFORE = "before"  # Delphi style: before they answer again
    AFTER = "after"  # once they have answered every pair themselves


class Role(enum.StrEnum):
    """What a member does in a consultation."""

    FACILITATOR = "facilitator"
    STAKEHOLDER = "stakeholder"
    BOARD = "board"
    ASSESSOR = "assessor"


class Design(enum.StrEnum):
    """Which pairs each stakeholder is asked to compare."""

    ALL_PAIRS = "all"
    REDUCED = "reduced"


class Scope(enum.StrEnum):
    """What an API token may do."""

    READ = "read"
    WRITE = "write"


class User(UserMixin, Model):
    """A person: a facilitator or board member with a password, or an invited stakeholder."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Part of every session and remember cookie; raising it ends them all at once.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def get_id(self) -> str:
        """What sessions and remember cookies carry: the id and the session version."""
        return f"{self.id}:{self.session_version}"

    def set_password(self, password: str) -> None:
        """Store a salted hash of ``password`` (scrypt; ``PASSWORD_HASH_METHOD`` in tests)."""
        method = current_app.config["PASSWORD_HASH_METHOD"] if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        """True when ``password`` matches; always False for invite-only users."""
        if not self.password_hash:
            return False
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.display_name!r}>"


#: Fewest people behind any figure shown to non-facilitators, unless a facilitator sets
#: another: 5, the usual threshold of official statistics (see docs/METHODS.md).
DEFAULT_ANONYMITY_K = 5


class Consultation(Model):
    """One public value question put to stakeholders."""

    __tablename__ = "consultations"
    __table_args__ = (
        CheckConstraint("anonymity_k >= 1", name="anonymity_k_positive"),
        CheckConstraint(
            "consistency_threshold IS NULL OR "
            "(consistency_threshold > 0 AND consistency_threshold <= 1)",
            name="consistency_threshold_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[Status] = mapped_column(_enum(Status, "status"), default=Status.DRAFT)
    anonymity_k: Mapped[int] = mapped_column(Integer, default=DEFAULT_ANONYMITY_K)
    weighting: Mapped[Weighting] = mapped_column(
        _enum(Weighting, "weighting"), default=Weighting.PERSON
    )
    consistency_threshold: Mapped[float | None] = mapped_column(Float)
    design: Mapped[Design] = mapped_column(_enum(Design, "design"), default=Design.ALL_PAIRS)
    previous_results: Mapped[FeedbackTiming] = mapped_column(
        _enum(FeedbackTiming, "feedback_timing"),
        default=FeedbackTiming.BEFORE,
        server_default=FeedbackTiming.BEFORE.value,
    )
    registration_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    facilitator_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    outcomes: Mapped[list[Outcome]] = relationship(
        back_populates="consultation", cascade="all, delete-orphan", order_by="Outcome.position"
    )
    groups: Mapped[list[StakeholderGroup]] = relationship(
        back_populates="consultation",
        cascade="all, delete-orphan",
        order_by="StakeholderGroup.id",
    )
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="consultation", cascade="all, delete-orphan"
    )
    rounds: Mapped[list[Round]] = relationship(
        back_populates="consultation", cascade="all, delete-orphan", order_by="Round.number"
    )

    @property
    def current_round(self) -> Round | None:
        """The latest round, open or closed."""
        return self.rounds[-1] if self.rounds else None

    def __repr__(self) -> str:
        return f"<Consultation {self.id} {self.title!r}>"


class Outcome(_NamedPart, Model):
    """Something the consultation's stakeholders weigh against the others."""

    __tablename__ = "outcomes"
    __table_args__ = (UniqueConstraint("consultation_id", "name"),)
    FIELDS = ("name", "description", "position")

    position: Mapped[int] = mapped_column(Integer, default=0)

    consultation: Mapped[Consultation] = relationship(back_populates="outcomes")


class StakeholderGroup(_NamedPart, Model):
    """A declared stakeholder group (funders, service users, staff, …)."""

    __tablename__ = "stakeholder_groups"
    __table_args__ = (
        UniqueConstraint("consultation_id", "name"),
        CheckConstraint("weight IS NULL OR weight >= 0", name="weight_non_negative"),
    )
    FIELDS = ("name", "description", "weight")

    weight: Mapped[float | None] = mapped_column(Float)

    consultation: Mapped[Consultation] = relationship(back_populates="groups")
    memberships: Mapped[list[Membership]] = relationship(back_populates="group")


class Membership(Model):
    """A user's part in one consultation: facilitator, stakeholder (in a group) or board."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "consultation_id"),
        UniqueConstraint("consultation_id", "label"),
        CheckConstraint(
            "role <> 'stakeholder' OR group_id IS NOT NULL", name="stakeholder_has_group"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    consultation_id: Mapped[int] = _consultation_id()
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    #: How imported judgments (a paper workshop's CSV, an API batch) name this participant.
    label: Mapped[str | None] = mapped_column(String(80))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("stakeholder_groups.id", ondelete="RESTRICT"), index=True
    )
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Set when a facilitator removes the member: no access; answers kept in closed rounds.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="memberships")
    consultation: Mapped[Consultation] = relationship(back_populates="memberships")
    group: Mapped[StakeholderGroup | None] = relationship(back_populates="memberships")
    judgments: Mapped[list[Judgment]] = relationship(
        back_populates="membership", cascade="all, delete-orphan"
    )


class Invitation(Model):
    """A link that lets one person join a consultation; only the token's hash is kept."""

    __tablename__ = "invitations"
    __table_args__ = (
        CheckConstraint(
            "role <> 'stakeholder' OR group_id IS NOT NULL", name="stakeholder_has_group"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = _consultation_id()
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("stakeholder_groups.id", ondelete="CASCADE")
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    membership_id: Mapped[int | None] = mapped_column(
        ForeignKey("memberships.id", ondelete="SET NULL")
    )

    consultation: Mapped[Consultation] = relationship()
    group: Mapped[StakeholderGroup | None] = relationship()
    membership: Mapped[Membership | None] = relationship()


class Round(Model):
    """A period of voting; judgments belong to a round so that re-votes are kept apart."""

    __tablename__ = "rounds"
    __table_args__ = (
        UniqueConstraint("consultation_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = _consultation_id()
    number: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    consultation: Mapped[Consultation] = relationship(back_populates="rounds")

    @property
    def is_open(self) -> bool:
        """True until the round is closed."""
        return self.closed_at is None


class Judgment(Model):
    """How much more outcome A matters than outcome B to one stakeholder, in one round.

    The pair is stored once, in canonical order (``outcome_a_id < outcome_b_id``); a
    judgment of B over A is stored as its reciprocal.
    """

    __tablename__ = "judgments"
    __table_args__ = (
        UniqueConstraint("membership_id", "round_id", "outcome_a_id", "outcome_b_id"),
        CheckConstraint("outcome_a_id < outcome_b_id", name="canonical_pair"),
        CheckConstraint(
            f"value >= {SCALE_MIN - 1e-9!r} AND value <= {SCALE_MAX + 1e-9!r}", name="on_scale"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    outcome_a_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id", ondelete="CASCADE"))
    outcome_b_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id", ondelete="CASCADE"))
    value: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, server_default=func.now()
    )

    membership: Mapped[Membership] = relationship(back_populates="judgments")
    round: Mapped[Round] = relationship()
    outcome_a: Mapped[Outcome] = relationship(foreign_keys=[outcome_a_id])
    outcome_b: Mapped[Outcome] = relationship(foreign_keys=[outcome_b_id])


class AuditEvent(Model):
    """Who did what, when, to which consultation."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User | None] = relationship()


class ShareLink(Model):
    """An expiring read-only link to one round's board summary."""

    __tablename__ = "share_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    round: Mapped[Round] = relationship()


class FeaturedReason(Model):
    """A reason the facilitator chose to quote on a round's board summary (text only, no name)."""

    __tablename__ = "featured_reasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    judgment_id: Mapped[int] = mapped_column(
        ForeignKey("judgments.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    judgment: Mapped[Judgment] = relationship()


class ApiToken(Model):
    """A personal API token, stored hashed, scoped to read or read-write."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[Scope] = mapped_column(_enum(Scope, "scope"), default=Scope.READ)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


# --------------------------------------------------------------------------- options


class AppraisalMode(enum.StrEnum):
    """How assessors appraise options against outcomes."""

    PAIRWISE = "pairwise"
    RATINGS = "ratings"


class Synthesis(enum.StrEnum):
    """How options' local priorities are normalised per outcome."""

    DISTRIBUTIVE = "distributive"
    IDEAL = "ideal"


class Option(_NamedPart, Model):
    """A concrete course of action the board may choose (a service model, a programme)."""

    __tablename__ = "options"
    __table_args__ = (
        UniqueConstraint("consultation_id", "name"),
        CheckConstraint("annual_cost IS NULL OR annual_cost >= 0", name="cost_non_negative"),
    )
    FIELDS = ("name", "description", "annual_cost", "cost_unit", "position")

    annual_cost: Mapped[float | None] = mapped_column(Float)
    cost_unit: Mapped[str] = mapped_column(String(40), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    consultation: Mapped[Consultation] = relationship()


class OptionAppraisal(Model):
    """A consultation's appraisal of its options by assessors: its mode, when it opened."""

    __tablename__ = "option_appraisals"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), unique=True
    )
    mode: Mapped[AppraisalMode] = mapped_column(_enum(AppraisalMode, "appraisal_mode"))
    synthesis: Mapped[Synthesis] = mapped_column(
        _enum(Synthesis, "synthesis"), default=Synthesis.DISTRIBUTIVE
    )
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    consultation: Mapped[Consultation] = relationship()

    @property
    def is_open(self) -> bool:
        """True until the facilitator closes the appraisal."""
        return self.closed_at is None


class OptionJudgment(Model):
    """How much better option A does than option B on one outcome, to one assessor.

    Stored once per pair, in canonical order (``option_a_id < option_b_id``).
    """

    __tablename__ = "option_judgments"
    __table_args__ = (
        UniqueConstraint("membership_id", "outcome_id", "option_a_id", "option_b_id"),
        CheckConstraint("option_a_id < option_b_id", name="canonical_pair"),
        CheckConstraint(
            f"value >= {SCALE_MIN - 1e-9!r} AND value <= {SCALE_MAX + 1e-9!r}", name="on_scale"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id", ondelete="CASCADE"))
    option_a_id: Mapped[int] = mapped_column(ForeignKey("options.id", ondelete="CASCADE"))
    option_b_id: Mapped[int] = mapped_column(ForeignKey("options.id", ondelete="CASCADE"))
    value: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class OptionRating(Model):
    """An assessor's 0–10 rating of one option on one outcome."""

    __tablename__ = "option_ratings"
    __table_args__ = (
        UniqueConstraint("membership_id", "outcome_id", "option_id"),
        CheckConstraint(f"score >= {RATING_MIN!r} AND score <= {RATING_MAX!r}", name="on_scale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id", ondelete="CASCADE"))
    option_id: Mapped[int] = mapped_column(ForeignKey("options.id", ondelete="CASCADE"))
    score: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class JobStatus(enum.StrEnum):
    """Life cycle of a background job."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(Model):
    """Heavy work run off the request thread, and its persisted result.

    ``key`` names what was computed from what (a PDF of one exact document, say), so a
    finished job is also the cache of its result: a second reader, or a restart, finds it.
    """

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(128), index=True)
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[JobStatus] = mapped_column(
        _enum(JobStatus, "job_status"), default=JobStatus.QUEUED
    )
    progress: Mapped[float | None] = mapped_column(Float)
    payload: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[bytes | None] = mapped_column(LargeBinary)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        CheckConstraint(
            "progress IS NULL OR (progress >= 0 AND progress <= 1)", name="progress_range"
        ),
    )

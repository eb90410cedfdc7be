"""Constraints that live in the database, not only in Python."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy.exc import IntegrityError, StatementError

from deliberate.extensions import db
from deliberate.models import (
    Consultation,
    Judgment,
    Membership,
    Outcome,
    Role,
    Round,
    StakeholderGroup,
    User,
)

#: Behaviour that depends on the database engine: run on SQLite and PostgreSQL.
pytestmark = pytest.mark.databases


@pytest.fixture
def setting(app: Flask):
    """A consultation with two outcomes, a group, a stakeholder and an open round."""
    with app.app_context():
        consultation = Consultation(title="T", question="Q?")
        a = Outcome(consultation=consultation, name="A", position=0)
        b = Outcome(consultation=consultation, name="B", position=1)
        group = StakeholderGroup(consultation=consultation, name="Users")
        user = User(display_name="Someone")
        member = Membership(
            user=user, consultation=consultation, role=Role.STAKEHOLDER, group=group
        )
        round_ = Round(consultation=consultation, number=1)
        db.session.add_all([consultation, a, b, group, user, member, round_])
        db.session.commit()
        yield {"a": a.id, "b": b.id, "member": member.id, "round": round_.id, "group": group.id}
        db.session.rollback()


def _judgment(ids: dict[str, int], value: float, a: str = "a", b: str = "b") -> Judgment:
    return Judgment(
        membership_id=ids["member"],
        round_id=ids["round"],
        outcome_a_id=ids[a],
        outcome_b_id=ids[b],
        value=value,
    )


@pytest.mark.parametrize("value", [1 / 9, 0.5, 1.0, 9.0])
def test_values_on_the_scale_are_stored(app: Flask, setting: dict[str, int], value: float) -> None:
    db.session.add(_judgment(setting, value))
    db.session.commit()
    assert db.session.scalar(db.select(Judgment.value)) == pytest.approx(value)


@pytest.mark.parametrize("value", [0.0, -1.0, 0.1, 9.5, 12.0])
def test_values_off_the_scale_are_refused_by_the_database(
    app: Flask, setting: dict[str, int], value: float
) -> None:
    db.session.add(_judgment(setting, value))
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_a_pair_is_stored_in_canonical_order_only(app: Flask, setting: dict[str, int]) -> None:
    db.session.add(_judgment(setting, 2.0, a="b", b="a"))
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_one_judgment_per_member_round_and_pair(app: Flask, setting: dict[str, int]) -> None:
    db.session.add(_judgment(setting, 2.0))
    db.session.commit()
    db.session.add(_judgment(setting, 3.0))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Judgment.id))) == 1


def test_a_stakeholder_must_belong_to_a_group(app: Flask, setting: dict[str, int]) -> None:
    consultation = db.session.scalar(db.select(Consultation))
    db.session.add(
        Membership(user=User(display_name="X"), consultation=consultation, role=Role.STAKEHOLDER)
    )
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_unknown_role_is_refused(app: Flask, setting: dict[str, int]) -> None:
    consultation = db.session.scalar(db.select(Consultation))
    db.session.add(Membership(user=User(display_name="X"), consultation=consultation, role="admin"))
    with pytest.raises(StatementError):
        db.session.commit()


def test_foreign_keys_are_enforced(app: Flask, setting: dict[str, int]) -> None:
    db.session.add(_judgment({**setting, "round": 999_999}, 2.0))
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_timestamps_come_back_in_utc(app: Flask, setting: dict[str, int]) -> None:
    db.session.add(_judgment(setting, 2.0))
    db.session.commit()
    db.session.expire_all()
    stamp = db.session.scalar(db.select(Judgment.updated_at))
    assert stamp.tzinfo is not None
    assert abs((datetime.now(UTC) - stamp).total_seconds()) < 60


def test_passwords_are_stored_as_scrypt_hashes(app: Flask) -> None:
    user = User(email="x@example.org", display_name="X")
    user.set_password("correct horse")
    assert user.password_hash.startswith("scrypt:")
    assert "correct horse" not in user.password_hash
    assert user.check_password("correct horse")
    assert not user.check_password("wrong")
    assert not User(display_name="invited").check_password("")

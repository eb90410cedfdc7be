"""Export a whole consultation to JSON and import it again, here or into another database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from deliberate import create_app
from deliberate.cli import cli
from deliberate.extensions import db
from deliberate.models import (
    ApiToken,
    AuditEvent,
    Consultation,
    Invitation,
    Judgment,
    Membership,
    Outcome,
    Role,
    Round,
    Scope,
    StakeholderGroup,
    User,
    Weighting,
    utcnow,
)
from deliberate.services import audit
from deliberate.services.imports import ImportRow, import_judgments
from deliberate.services.invitations import create_invitation
from deliberate.services.portability import (
    PortabilityError,
    export_consultation,
    export_json,
    import_consultation,
)
from deliberate.services.tokens import create_token

#: Behaviour that depends on the database engine: run on SQLite and PostgreSQL.
pytestmark = pytest.mark.databases

#: A join code is an access credential, like a token: it is deliberately not exported.
NOT_EXPORTED = {"registration_code"}


def _fields(row: Any) -> dict[str, Any]:
    """Every column of a row except ids and foreign keys (those are compared by what they name)."""
    return {
        column.key: getattr(row, column.key)
        for column in row.__table__.columns
        if column.key != "id" and not column.key.endswith("_id") and column.key not in NOT_EXPORTED
    }


def _person(user: User | None) -> tuple[Any, ...] | None:
    return (user.email, user.display_name, user.created_at) if user else None


def _sorted(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda row: json.dumps(row, default=str, sort_keys=True))


def snapshot(consultation_id: int) -> dict[str, Any]:
    """The consultation read straight from the database, field by field, without ids."""
    consultation = db.session.get(Consultation, consultation_id)
    outcome = {o.id: o.name for o in consultation.outcomes}
    judgments = db.session.scalars(
        db.select(Judgment).join(Round).where(Round.consultation_id == consultation_id)
    )
    events = db.session.scalars(db.select(AuditEvent).filter_by(consultation_id=consultation_id))
    return {
        "consultation": _fields(consultation),
        "outcomes": _sorted([_fields(o) for o in consultation.outcomes]),
        "groups": _sorted([_fields(g) for g in consultation.groups]),
        "members": _sorted(
            [
                {
                    **_fields(m),
                    "user": _person(m.user),
                    "group": m.group.name if m.group else None,
                }
                for m in consultation.memberships
            ]
        ),
        "rounds": _sorted([_fields(r) for r in consultation.rounds]),
        "judgments": _sorted(
            [
                {
                    **_fields(j),
                    "who": _person(j.membership.user),
                    "round": j.round.number,
                    "pair": (outcome[j.outcome_a_id], outcome[j.outcome_b_id]),
                }
                for j in judgments
            ]
        ),
        "audit": _sorted([{**_fields(e), "user": _person(e.user)} for e in events]),
    }


def _enrich(consultation_id: int) -> None:
    """Give the demo what it lacks: custom weights, a threshold, labels, secrets, audit events."""
    consultation = db.session.get(Consultation, consultation_id)
    consultation.weighting = Weighting.CUSTOM
    consultation.consistency_threshold = 0.15
    consultation.registration_code = "JOIN-2027"
    for weight, group in zip((2.0, 1.0, 1.5), consultation.groups, strict=True):
        group.weight = weight
    facilitator = db.session.scalar(db.select(User).filter_by(email="facilitator@example.org"))
    audit.record(consultation, facilitator, "round.closed", "Round 1 closed after two weeks")
    create_invitation(consultation, Role.STAKEHOLDER, consultation.groups[0], name="Ann")
    db.session.commit()
    create_token(facilitator, "dashboard", Scope.READ)
    round_ = consultation.rounds[-1]
    rows = [ImportRow(1, "Table 4", "Staff", "Prevention", "Equity", "1/3", "Paper form, p. 2")]
    import_judgments(round_, rows, user=facilitator)


def test_round_trip_in_the_same_database_loses_nothing(app: Flask, demo: int) -> None:
    with app.app_context():
        _enrich(demo)
        before = snapshot(demo)
        users = db.session.scalar(db.select(db.func.count(User.id)).filter(User.email.is_not(None)))
        document = export_consultation(db.session.get(Consultation, demo))
        copy = import_consultation(json.loads(json.dumps(document)))
        assert copy.id != demo
        after = snapshot(copy.id)
        assert after == before
        assert len(after["judgments"]) > 60 * 21
        assert any(m["label"] == "Table 4" for m in after["members"])
        # People with an e-mail address are matched, not duplicated.
        assert (
            db.session.scalar(db.select(db.func.count(User.id)).filter(User.email.is_not(None)))
            == users
        )
        assert export_consultation(copy) == document


def test_the_export_holds_no_password_or_token(app: Flask, demo: int) -> None:
    with app.app_context():
        _enrich(demo)
        text = export_json(db.session.get(Consultation, demo))
        secrets = [u.password_hash for u in db.session.scalars(db.select(User)) if u.password_hash]
        secrets += [i.token_hash for i in db.session.scalars(db.select(Invitation))]
        secrets += [t.token_hash for t in db.session.scalars(db.select(ApiToken))]
        assert len(secrets) >= 4
        for secret in secrets:
            assert secret not in text
        assert "password" not in text and "token" not in text
        assert "JOIN-2027" not in text


@pytest.fixture
def other_database(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A second, empty database on the other backend."""
    if backend == "postgresql":
        return f"sqlite:///{tmp_path / 'other.sqlite3'}"
    server = request.getfixturevalue("postgres")
    return server.create().render_as_string(hide_password=False)


def test_round_trip_across_sqlite_and_postgresql(
    app: Flask, demo: int, other_database: str
) -> None:
    with app.app_context():
        _enrich(demo)
        before = snapshot(demo)
        document = json.loads(export_json(db.session.get(Consultation, demo)))
    other = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": other_database, "SECRET_KEY": "test-secret"}
    )
    with other.app_context():
        db.create_all()
        try:
            copy = import_consultation(document)
            assert snapshot(copy.id) == before
            assert export_consultation(copy) == document
        finally:
            db.session.remove()
            db.engine.dispose()


def test_a_broken_document_imports_nothing(app: Flask, demo: int) -> None:
    with app.app_context():
        document = export_consultation(db.session.get(Consultation, demo))
        with pytest.raises(PortabilityError, match="not a Deliberate"):
            import_consultation({"title": "x"})
        with pytest.raises(PortabilityError, match="version"):
            import_consultation({**document, "version": 99})
        document["judgments"][-1]["outcome_a"] = "Growth"
        with pytest.raises(PortabilityError, match="Growth"):
            import_consultation(document)
        document = export_consultation(db.session.get(Consultation, demo))
        document["members"][0]["role"] = "owner"
        with pytest.raises(PortabilityError, match="owner"):
            import_consultation(document)
        assert db.session.scalar(db.select(db.func.count(Consultation.id))) == 1
        assert db.session.scalar(db.select(db.func.count(Outcome.id))) == 7
        assert db.session.scalar(db.select(db.func.count(StakeholderGroup.id))) == 3


def test_export_and_import_commands(app: Flask, demo: int, runner: Any, tmp_path: Path) -> None:
    exported = runner.invoke(cli, ["export", str(demo)])
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.output)["consultation"]["title"].startswith("Community health")
    path = tmp_path / "consultation.json"
    path.write_text(exported.output, encoding="utf-8")
    imported = runner.invoke(cli, ["import", str(path)])
    assert imported.exit_code == 0, imported.output
    assert "as consultation" in imported.output
    with app.app_context():
        ids = list(db.session.scalars(db.select(Consultation.id).order_by(Consultation.id)))
        assert len(ids) == 2
        assert snapshot(ids[1]) == snapshot(ids[0])
        assert all(m.role for m in db.session.scalars(db.select(Membership)))
        assert db.session.get(Consultation, ids[1]).rounds[0].closed_at < utcnow()
    missing = runner.invoke(cli, ["export", "999"])
    assert missing.exit_code == 2 and "no consultation 999" in missing.output
    path.write_text("{not json", encoding="utf-8")
    broken = runner.invoke(cli, ["import", str(path)])
    assert broken.exit_code == 1 and "not valid JSON" in broken.output

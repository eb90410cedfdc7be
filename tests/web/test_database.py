"""How requests use PostgreSQL connections: a connection the server closed is replaced
without an error, and a transaction ends with COMMIT only when it read and nothing else."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, event, func, text

from deliberate.extensions import db
from deliberate.models import User
from tests.conftest import FormClient

#: Only a database server closes connections and keeps prepared statements.
pytestmark = pytest.mark.databases("postgresql")


@pytest.fixture
def ends(app: Flask) -> Iterator[list[str]]:
    """How each transaction on the app's engine ended, in order."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine
    listeners = {
        "commit": lambda _connection: seen.append("commit"),
        "rollback": lambda _connection: seen.append("rollback"),
    }
    for name, listener in listeners.items():
        event.listen(engine, name, listener)
    yield seen
    for name, listener in listeners.items():
        event.remove(engine, name, listener)


def _backend_pid(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(text("SELECT pg_backend_pid()")))


def test_a_connection_the_server_closed_is_replaced_at_checkout(
    app: Flask, client: FormClient
) -> None:
    pid = _backend_pid(app)
    assert _backend_pid(app) == pid  # the pool hands out the same connection again
    with app.app_context():
        # Each statement its own transaction: pg_stat_activity is a snapshot taken once per
        # transaction, so asking again in the same one would never see the backend go.
        admin = create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            assert connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            # pg_terminate_backend only signals the backend; wait until it has gone.
            gone = "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = :pid"
            deadline = time.monotonic() + 10
            while not connection.scalar(text(gone), {"pid": pid}):
                assert time.monotonic() < deadline, "the backend did not exit"
                time.sleep(0.01)
    finally:
        admin.dispose()
    assert client.get("/api/v1/health").get_json() == {"status": "ok"}
    assert _backend_pid(app) != pid


def test_a_read_only_request_ends_with_commit(
    app: Flask, client: FormClient, ends: list[str]
) -> None:
    assert client.get("/api/v1/health").status_code == 200
    assert ends == ["commit"]
    ends.clear()
    assert _backend_pid(app) and ends == ["commit"]


def test_anything_not_committed_that_wrote_is_rolled_back(app: Flask, ends: list[str]) -> None:
    with app.app_context():
        db.session.add(User(email="flushed@example.org", display_name="Flushed"))
        db.session.flush()
    with app.app_context():
        db.session.execute(text("UPDATE users SET display_name = 'Changed'"))
        db.session.scalar(text("SELECT 1"))
    with app.app_context():
        db.session.scalar(text("SELECT 1"))
        db.session.add(User(email="pending@example.org", display_name="Pending"))
    assert ends == ["rollback", "rollback", "rollback"]
    with app.app_context():
        assert db.session.scalar(db.select(func.count()).select_from(User)) == 0


def test_a_failed_request_is_rolled_back(app: Flask, ends: list[str]) -> None:
    with pytest.raises(RuntimeError), app.app_context():
        db.session.scalar(text("SELECT 1"))
        raise RuntimeError("the view failed")
    assert ends == ["rollback"]


def test_reads_keep_their_prepared_statements(app: Flask, client: FormClient, ends: Any) -> None:
    for _ in range(8):
        assert client.get("/api/v1/health").status_code == 200
    with app.app_context():
        prepared = db.session.scalar(text("SELECT count(*) FROM pg_prepared_statements"))
    assert prepared >= 1

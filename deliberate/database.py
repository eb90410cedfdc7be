"""Engine set-up that differs between SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Engine, make_url

#: SQLite's ``synchronous`` settings that keep the database consistent in WAL mode.
SQLITE_SYNCHRONOUS = {
    "NORMAL": "PRAGMA synchronous=NORMAL",
    "FULL": "PRAGMA synchronous=FULL",
    "EXTRA": "PRAGMA synchronous=EXTRA",
}


def ping() -> None:
    """Ask the database for nothing; raises when it does not answer (health checks)."""
    from .extensions import db

    db.session.execute(text("SELECT 1"))


@contextmanager
def throwaway_postgres(server_url: str | URL, prefix: str) -> Iterator[URL]:
    """A new, empty database on the PostgreSQL server ``server_url`` names, dropped afterwards.

    For tests and benchmarks; its name starts with ``prefix``. The drop uses a new
    connection, so it works even if the server restarted meanwhile.
    """
    server = make_url(server_url)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    # A database's name cannot be a bound parameter; it is ours, and quoted by the dialect.
    quoted = admin.dialect.identifier_preparer.quote_identifier(name)
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {quoted}"))
    admin.dispose()
    try:
        yield server.set(database=name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
        admin.dispose()


def configure_engine(engine: Engine, synchronous: str = "NORMAL") -> None:
    """Turn on foreign keys and write-ahead logging for SQLite connections.

    SQLite ignores foreign keys unless asked, and WAL lets readers work while one
    writer commits, which is what several app-server workers on one file need.
    ``synchronous`` (``SQLITE_SYNCHRONOUS``): with ``NORMAL``, WAL's recommended setting,
    a commit survives a crashed or killed process but not a power cut in the following
    moments; ``FULL`` flushes every commit to disk, at a few milliseconds per save.
    """
    if engine.dialect.name != "sqlite":
        return
    if synchronous not in SQLITE_SYNCHRONOUS:
        raise ValueError(f"SQLITE_SYNCHRONOUS must be one of {', '.join(SQLITE_SYNCHRONOUS)}")

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute(SQLITE_SYNCHRONOUS[synchronous])
        cursor.close()

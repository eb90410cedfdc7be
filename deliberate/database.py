"""Engine set-up that differs between SQLite and PostgreSQL."""

from __future__ import annotations

import select
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, exc, text
from sqlalchemy.engine import URL, Connection, Engine, make_url

if TYPE_CHECKING:
    from flask import Flask

#: SQLite's ``synchronous`` settings that keep the database consistent in WAL mode.
SQLITE_SYNCHRONOUS = {
    "NORMAL": "PRAGMA synchronous=NORMAL",
    "FULL": "PRAGMA synchronous=FULL",
    "EXTRA": "PRAGMA synchronous=EXTRA",
}


def engine_options(url: str) -> dict[str, Any]:
    """SQLAlchemy engine options for the database at ``url``: PostgreSQL connections are
    checked without a round trip (:func:`configure_postgresql`), others with ``SELECT 1``."""
    return {} if url.startswith("postgresql") else {"pool_pre_ping": True}


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
    """Set up a PostgreSQL engine (:func:`configure_postgresql`), or turn on foreign keys and
    write-ahead logging for SQLite connections.

    SQLite ignores foreign keys unless asked, and WAL lets readers work while one
    writer commits, which is what several app-server workers on one file need.
    ``synchronous`` (``SQLITE_SYNCHRONOUS``): with ``NORMAL``, WAL's recommended setting,
    a commit survives a crashed or killed process but not a power cut in the following
    moments; ``FULL`` flushes every commit to disk, at a few milliseconds per save.
    """
    if engine.dialect.name == "postgresql":
        configure_postgresql(engine)
        return
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


#: ``Connection.info`` key: whether the connection's transaction sent anything but a SELECT.
WROTE = "deliberate_wrote"


def configure_postgresql(engine: Engine) -> None:
    """Check pooled PostgreSQL connections without a round trip, and note which transactions
    only read (see :func:`end_reads_with_commit`).

    A connection the server closed (a restart, a killed backend, an idle timeout) has
    something to read on its socket while it sits idle in the pool: the server's goodbye or
    the end of the stream. Such a connection is replaced at checkout, as ``pool_pre_ping``
    would, without sending every request's ``SELECT 1`` to a live server.
    """

    @event.listens_for(engine, "checkout")
    def _check_alive(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if dbapi_connection.closed or _readable(dbapi_connection.fileno()):
            raise exc.DisconnectionError("the database server closed the connection")

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.info[WROTE] = False

    @event.listens_for(engine, "before_cursor_execute")
    def _note_writes(connection: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip()[:6].upper() != "SELECT":
            connection.info[WROTE] = True


def _readable(fd: int) -> bool:
    """Whether the socket ``fd`` has data, an end of stream or an error waiting (never
    blocks)."""
    poll = select.poll()
    poll.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poll.poll(0))


def end_reads_with_commit(app: Flask) -> None:
    """End a PostgreSQL transaction that only read with COMMIT rather than ROLLBACK.

    Both leave the database as it was; but psycopg forgets its prepared statements after a
    ROLLBACK, and a page's queries are then planned again on every request. Ending reads
    with COMMIT lets each pooled connection keep them. A transaction that wrote anything,
    or a session with unsaved changes, or a request that failed, is rolled back as before.
    """
    from .extensions import db

    if not str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        return

    @app.teardown_appcontext
    def _commit_reads(error: BaseException | None) -> None:
        if error is not None or not db.session.registry.has():
            return
        session = db.session()
        if not session.in_transaction():
            return
        if session.new or session.dirty or session.deleted:
            return
        if session.connection().info.get(WROTE, True):
            return
        try:
            session.commit()
        except exc.DBAPIError:
            session.rollback()

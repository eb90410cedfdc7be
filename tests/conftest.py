"""Common fixtures: an app on SQLite (and PostgreSQL), clients, a live server, a browser.

Database tests run on SQLite. Tests whose behaviour depends on the database engine
(constraints, upserts, migrations, imports, portability, load) are marked ``databases``
and run once per backend. PostgreSQL runs when ``TEST_DATABASE_URL`` names a server (each
test session makes and drops its own database there, so parallel runs never collide);
otherwise those tests skip with the reason, unless ``DELIBERATE_REQUIRE_POSTGRES=1`` (set
by CI) turns the skip into a failure.

Markers are applied automatically, so ``-m "not browser and not postgres and not load"``
is the fast loop (``make test-fast``): ``browser`` (tests/browser), ``load`` (tests/load,
gunicorn under load), ``postgres`` (every test run against PostgreSQL) and ``slow``
(load, browser, and property or fuzz tests that generate many cases).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError
from werkzeug.serving import make_server

from deliberate import create_app
from deliberate.database import throwaway_postgres
from deliberate.extensions import db
from deliberate.services.pdf import HEADLESS_FLAGS
from tests.queries import QueryCounter

CHROMIUM = "/usr/bin/chromium"
#: A salted hash that is cheap to compute: tests sign in hundreds of times (the product's
#: default, scrypt, is unchanged and tested in tests/security).
TEST_PASSWORD_HASH = "pbkdf2:sha256:1000"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def _required(name: str) -> bool:
    return os.environ.get(name, "") == "1"


def unavailable(reason: str, required_by: str) -> None:
    """Skip with ``reason``, or fail when the environment says the part is required."""
    if _required(required_by):
        pytest.fail(f"{reason} ({required_by}=1 requires it)")
    pytest.skip(reason)


# --------------------------------------------------------------------------- databases


class TemporaryPostgres(ExitStack):
    """Throwaway databases on the server that ``TEST_DATABASE_URL`` names, dropped on close."""

    def __init__(self, server_url: str) -> None:
        super().__init__()
        self.server_url = server_url

    def create(self) -> URL:
        """Create an empty database and return its URL."""
        return self.enter_context(throwaway_postgres(self.server_url, "deliberate_test"))


@pytest.fixture(scope="session")
def postgres() -> Iterator[TemporaryPostgres]:
    """Access to the PostgreSQL server, or a skip that says why there is none."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url:
        unavailable(
            "PostgreSQL tests need TEST_DATABASE_URL, e.g. "
            "postgresql+psycopg://postgres@127.0.0.1:5432/test",
            "DELIBERATE_REQUIRE_POSTGRES",
        )
    try:
        probe = create_engine(url)
        with probe.connect():
            pass
        probe.dispose()
    except OperationalError as error:
        unavailable(f"PostgreSQL at {url} is not reachable: {error}", "DELIBERATE_REQUIRE_POSTGRES")
    with TemporaryPostgres(url) as server:
        yield server


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Session databases by backend, schema created lazily on first use."""
    return {"sqlite": f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"}


BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run tests marked ``databases`` once per backend, or on those the marker names
    (``databases("postgresql")``: behaviour only a database server has)."""
    marker = metafunc.definition.get_closest_marker("databases")
    if "backend" in metafunc.fixturenames and marker is not None:
        metafunc.parametrize("backend", marker.args or BACKENDS, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """Which database the test runs on: SQLite unless the test is marked ``databases``."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def app(
    backend: str, database_urls: dict[str, str], request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Flask]:
    """The app on a clean database of the current backend."""
    if backend not in database_urls:
        server: TemporaryPostgres = request.getfixturevalue("postgres")
        database_urls[backend] = server.create().render_as_string(hide_password=False)
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_urls[backend],
            "SECRET_KEY": "test-secret",
            "SERVER_NAME": None,
            "PASSWORD_HASH_METHOD": TEST_PASSWORD_HASH,
            # A request waits for its job (a PDF, an analysis) however busy the machine is;
            # the tests of the "still working" page shorten this.
            "JOB_WAIT_SECONDS": 60,
        }
    )
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


def _empty_tables() -> None:
    """Delete every row, children first, so the next test starts clean."""
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())


class FormClient(FlaskClient):
    """A test client that submits forms the way a browser does, CSRF token included."""

    CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

    def csrf_token(self, page: str) -> str:
        """GET ``page`` and return the CSRF token of its first form."""
        response = self.get(page)
        match = self.CSRF.search(response.get_data(as_text=True))
        assert match, f"no CSRF token on {page} (status {response.status_code})"
        return match.group(1)

    def submit(
        self, url: str, data: dict[str, Any] | None = None, page: str | None = None, **kwargs: Any
    ) -> Any:
        """POST ``data`` to ``url`` with the CSRF token from ``page`` (default: ``url``)."""
        fields = {"csrf_token": self.csrf_token(page or url), **(data or {})}
        return self.post(url, data=fields, **kwargs)


@pytest.fixture
def client(app: Flask) -> FormClient:
    """A browser-like test client."""
    app.test_client_class = FormClient
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def count_queries(app: Flask) -> QueryCounter:
    """``with count_queries() as statements:`` records the SQL the app sends in the block."""
    with app.app_context():
        return QueryCounter(db.engine)


@pytest.fixture
def runner(app: Flask) -> Any:
    """Runs the app's click commands."""
    return app.test_cli_runner()


@pytest.fixture
def demo(app: Flask) -> Any:
    """The demo consultation, loaded into the test database."""
    from deliberate.demo import load_demo

    with app.app_context():
        _, consultation = load_demo()
        return consultation.id


def login(client: FormClient, email: str, password: str = "demo") -> Any:
    """Sign in through the real form."""
    return client.submit("/login", {"email": email, "password": password})


# --------------------------------------------------------------------------- live server


class LiveServer:
    """The app served over real HTTP on 127.0.0.1 by a thread."""

    def __init__(self, app: Flask) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    """A real HTTP server for the browser tests."""
    with LiveServer(app) as server:
        yield server


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Drive Debian's chromium: Playwright cannot download its own browser here."""
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        unavailable(
            f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)",
            "DELIBERATE_REQUIRE_BROWSER",
        )
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": list(HEADLESS_FLAGS)}


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where tests save screenshots and other things a person may want to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


#: Markers given by where a test lives.
FOLDER_MARKERS = {"tests/browser/": ("browser", "slow"), "tests/load/": ("load", "slow")}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests by folder and backend; run browser tests last (Playwright keeps an event
    loop running once it has started, which would break later tests that run their own
    asyncio clients)."""
    for item in items:
        for folder, names in FOLDER_MARKERS.items():
            if item.nodeid.startswith(folder):
                for name in names:
                    item.add_marker(name)
        params = getattr(item, "callspec", None)
        if params is not None and "postgresql" in params.params.values():
            item.add_marker("postgres")
    items.sort(key=lambda item: "tests/browser/" in item.nodeid)

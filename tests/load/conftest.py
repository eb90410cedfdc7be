"""Load and fault tests: gunicorn serving a database of each backend."""

from __future__ import annotations

import pytest

#: A deadline, not a duration: a run ends when every stakeholder has finished, so a busy
#: machine makes it slower, never different.
DEADLINE = 300.0


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """An empty database of each backend for one gunicorn run."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('load') / 'load.sqlite3'}"
    server = request.getfixturevalue("postgres")
    return str(server.create().render_as_string(hide_password=False))

"""Browser tests run against SQLite through a live server (PostgreSQL is covered elsewhere)."""

import pytest


@pytest.fixture
def backend() -> str:
    return "sqlite"

"""Static files: fingerprinted names in every page, cached for a year under them."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from flask import Flask

from deliberate import create_app
from deliberate.assets import IMMUTABLE_MAX_AGE, Fingerprints

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def site() -> Flask:
    """The app; static files need no database."""
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})


def test_pages_link_static_files_by_fingerprint_and_browsers_keep_them(site: Flask) -> None:
    client = site.test_client()
    links = set()
    for page in ("/", "/login", "/join"):
        links |= set(re.findall(r'(?:href|src)="(/static/[^"]+)"', client.get(page).text))
    assert links, "no stylesheet or script linked"
    for link in links:
        name, digest, suffix = re.fullmatch(r"/static/(.+)\.([0-9a-f]{12})(\.\w+)", link).groups()
        content = (ROOT / "static" / (name + suffix)).read_bytes()
        assert digest == hashlib.sha256(content).hexdigest()[:12]
        with client.get(link) as response:
            assert response.status_code == 200 and response.data == content
            cache = response.cache_control
            assert cache.public and cache.immutable and cache.max_age == IMMUTABLE_MAX_AGE


def test_plain_and_outdated_names_are_revalidated(site: Flask) -> None:
    client = site.test_client()
    current = (ROOT / "static/css/style.css").read_bytes()
    for link in ("/static/css/style.css", "/static/css/style.0123456789ab.css"):
        with client.get(link) as response:
            assert response.status_code == 200 and response.data == current
            assert response.cache_control.no_cache and not response.cache_control.immutable
    assert client.get("/static/css/missing.0123456789ab.css").status_code == 404
    assert client.get("/static/../deliberate/config.py").status_code == 404


def test_a_changed_file_gets_a_new_name(tmp_path: Path) -> None:
    (tmp_path / "app.js").write_text("one")
    fingerprints = Fingerprints(str(tmp_path), remember=False)
    before = fingerprints.name("app.js")
    (tmp_path / "app.js").write_text("two")
    after = fingerprints.name("app.js")
    assert before != after and before.startswith("app.") and after.endswith(".js")
    assert fingerprints.name("missing.js") == "missing.js"
    assert fingerprints.name("../outside.js") == "../outside.js"

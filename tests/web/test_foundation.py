"""The app's edges: signing in, errors, CSRF, headers, configuration."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from deliberate import config, create_app
from deliberate.demo import DEMO_TITLE
from tests.conftest import FormClient, login


def test_demo_facilitator_signs_in_and_sees_the_consultation(client: FormClient, demo: int) -> None:
    response = login(client, "facilitator@example.org", "demo")
    assert response.status_code == 302
    page = client.get(response.headers["Location"], follow_redirects=True)
    assert page.status_code == 200
    assert DEMO_TITLE in page.get_data(as_text=True)


def test_wrong_password_gets_a_clear_message_not_an_error(client: FormClient, demo: int) -> None:
    response = login(client, "facilitator@example.org", "not-the-password")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "do not match an account" in body
    assert client.get("/facilitate/").status_code == 302  # still signed out


def test_unknown_email_gets_the_same_message(client: FormClient, demo: int) -> None:
    response = login(client, "nobody@example.org", "demo")
    assert response.status_code == 200
    assert "do not match an account" in response.get_data(as_text=True)


def test_login_ignores_an_offsite_next_url(client: FormClient, demo: int) -> None:
    response = client.submit(
        "/login?next=https://evil.example/",
        {"email": "facilitator@example.org", "password": "demo"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_unknown_route_is_a_404_page_in_the_layout(client: FormClient) -> None:
    response = client.get("/no/such/page")
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Not Found" in body
    assert 'class="site-header"' in body


def test_api_errors_are_problem_details(client: FormClient) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404


def test_post_without_csrf_token_is_rejected(client: FormClient, demo: int) -> None:
    response = client.post("/login", data={"email": "facilitator@example.org", "password": "demo"})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert client.get("/facilitate/").status_code == 302


def test_signing_out_needs_a_post_with_csrf(client: FormClient, demo: int) -> None:
    login(client, "facilitator@example.org")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.submit("/logout", page="/facilitate/").status_code == 302
    assert client.get("/facilitate/").status_code == 302


def test_security_headers_on_every_page(client: FormClient) -> None:
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_is_httponly_and_lax(client: FormClient, demo: int) -> None:
    response = login(client, "facilitator@example.org")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_health_answers_when_the_database_does(client: FormClient) -> None:
    assert client.get("/api/v1/health").get_json() == {"status": "ok"}


def test_database_unavailable_is_a_clear_503(tmp_path: Path) -> None:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
        }
    )
    app.test_client_class = FormClient
    client = app.test_client()
    response = client.get("/api/v1/health")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    page = client.submit("/login", {"email": "a@example.org", "password": "x"})
    assert page.status_code == 503
    assert "Nothing you saved is lost" in page.get_data(as_text=True)


def test_database_lost_while_signed_in_is_still_a_503(
    client: FormClient, demo: int, app: Flask
) -> None:
    login(client, "facilitator@example.org")
    cookie = client.get_cookie("session")
    assert cookie is not None
    broken = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
        }
    )
    other = broken.test_client()
    other.set_cookie("session", cookie.value)
    response = other.get("/facilitate/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "Nothing you saved is lost" in response.get_data(as_text=True)


def test_secret_key_is_generated_once_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = config.secret_key(str(tmp_path))
    assert len(first) == 64
    assert config.secret_key(str(tmp_path)) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv("SECRET_KEY", "from-env")
    assert config.secret_key(str(tmp_path)) == "from-env"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_url_from_environment(
    given: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", given)
    assert config.database_url("/instance") == expected


def test_default_database_is_sqlite_in_the_instance_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert config.database_url("/srv/instance") == "sqlite:////srv/instance/deliberate.sqlite3"


def test_home_sends_signed_in_board_member_to_the_board(client: FormClient, demo: int) -> None:
    login(client, "board@example.org")
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/board/")


def test_app_factory_accepts_overrides(app: Flask) -> None:
    assert app.config["TESTING"] is True
    assert set(app.blueprints) >= {"auth", "stakeholder", "facilitator", "board", "api"}


def test_forwarded_addresses_are_trusted_only_behind_configured_proxies() -> None:
    seen: list[str | None] = []

    def remember() -> str:
        from flask import request

        seen.append(request.remote_addr)
        return "ok"

    for hops in (0, 1):
        app = create_app({"TESTING": True, "SECRET_KEY": "x", "TRUSTED_PROXIES": hops})
        app.add_url_rule("/whoami", "whoami", remember)
        app.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.9"})
    assert seen == ["127.0.0.1", "203.0.113.9"]

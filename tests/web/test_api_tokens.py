"""The API tokens settings page: create a token, see it once, use it, revoke it."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from deliberate.extensions import db
from deliberate.models import ApiToken, Scope, hash_token
from tests.conftest import login

SECRET = re.compile(r'id="token-secret"[^>]*value="(dlb_[^"]+)"')


def test_create_use_and_revoke_a_token(app: Flask, client: Any, demo: int) -> None:
    assert client.get("/settings/tokens").status_code == 302
    login(client, "facilitator@example.org")
    created = client.submit("/settings/tokens", {"name": "Council dashboard", "scope": "write"})
    assert created.status_code == 200
    html = created.get_data(as_text=True)
    secret = SECRET.search(html).group(1)
    assert "will not be shown again" in html
    with app.app_context():
        token = db.session.scalar(db.select(ApiToken))
        assert token.name == "Council dashboard" and token.scope is Scope.WRITE
        assert token.token_hash == hash_token(secret)
    listing = client.get("/settings/tokens").get_data(as_text=True)
    assert "Council dashboard" in listing and secret not in listing
    api = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert api.get("/api/v1/consultations", headers=headers).status_code == 200
    assert "never" not in client.get("/settings/tokens").get_data(as_text=True)
    revoked = client.submit(f"/settings/tokens/{token.id}/revoke", page="/settings/tokens")
    assert revoked.status_code == 302
    assert "revoked" in client.get("/settings/tokens").get_data(as_text=True)
    assert api.get("/api/v1/consultations", headers=headers).status_code == 401


def test_a_token_needs_a_name_and_revoking_needs_the_owner(
    app: Flask, client: Any, demo: int
) -> None:
    login(client, "facilitator@example.org")
    unnamed = client.submit("/settings/tokens", {"name": "", "scope": "read"})
    assert unnamed.status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(ApiToken)) is None
    client.submit("/settings/tokens", {"name": "mine", "scope": "read"})
    with app.app_context():
        token_id = db.session.scalar(db.select(ApiToken.id))
    other = app.test_client()
    login(other, "board@example.org")
    stolen = other.submit(f"/settings/tokens/{token_id}/revoke", page="/settings/tokens")
    assert stolen.status_code == 404
    forged = other.post(f"/settings/tokens/{token_id}/revoke")
    assert forged.status_code in {302, 400}
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is None

"""Personal API tokens: random, shown once, stored hashed, scoped to read or read-write."""

from __future__ import annotations

import secrets
from datetime import timedelta

from ..extensions import db
from ..models import ApiToken, Scope, User, hash_token, utcnow
from .errors import transactional, unit_of_work

PREFIX = "dlb_"
TOKEN_BYTES = 32  # 256 bits of randomness
#: ``last_used_at`` is written at most this often, so reads do not each cost a write.
TOUCH_INTERVAL = timedelta(minutes=1)


def may_create_tokens(user: User) -> bool:
    """Facilitators and board members (who sign in with a password) may create tokens;
    stakeholders, whose pages never need one, may not."""
    return bool(user.password_hash)


@transactional
def create_token(user: User, name: str, scope: Scope) -> tuple[ApiToken, str]:
    """Create a token for ``user``; return it with the secret (shown only once)."""
    secret = PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    token = ApiToken(
        user_id=user.id, name=name.strip()[:80], token_hash=hash_token(secret), scope=scope
    )
    db.session.add(token)
    return token, secret


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, live ones first, newest first."""
    return list(
        db.session.scalars(
            db.select(ApiToken)
            .filter_by(user_id=user.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())
        )
    )


@transactional
def revoke_token(user: User, token_id: int) -> ApiToken | None:
    """Revoke one of the user's own tokens; None when they have no such token."""
    token = db.session.scalar(db.select(ApiToken).filter_by(id=token_id, user_id=user.id))
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()
    return token


def revoke_all(user: User) -> int:
    """Revoke every live token of ``user`` (the caller commits); return how many."""
    live = db.session.scalars(db.select(ApiToken).filter_by(user_id=user.id, revoked_at=None))
    now = utcnow()
    count = 0
    for token in live:
        token.revoked_at = now
        count += 1
    return count


def authenticate(secret: str) -> ApiToken | None:
    """The live token for ``secret``, its last use recorded; None for unknown or revoked ones."""
    if not secret.startswith(PREFIX):
        return None
    token = db.session.scalar(db.select(ApiToken).filter_by(token_hash=hash_token(secret)))
    if token is None or token.revoked_at is not None:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_INTERVAL:
        with unit_of_work():
            token.last_used_at = now
    return token

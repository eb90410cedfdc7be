"""A person's own account: signing out everywhere and changing their password."""

from __future__ import annotations

from ..access import end_sessions
from ..extensions import db
from ..models import User
from .audit import record
from .errors import ServiceError, transactional
from .people import MIN_PASSWORD


class AccountError(ServiceError):
    """A change to one's account that cannot be made, in words for the person."""


def check_login(email: str, password: str) -> User | None:
    """The account with this e-mail address and password, or None when they do not match."""
    user = db.session.scalar(db.select(User).filter_by(email=email.strip().lower()))
    return user if user is not None and user.check_password(password) else None


@transactional
def sign_out_everywhere(user: User) -> None:
    """End every session and remember cookie of ``user``."""
    end_sessions(user)
    record(None, user, "account.signout")


@transactional
def change_password(user: User, current: str, new: str) -> None:
    """Replace the password after checking the current one; every session ends.

    Raises
    ------
    AccountError
        When ``current`` is wrong or ``new`` is shorter than the minimum.
    """
    if not user.check_password(current):
        raise AccountError("That is not your current password.")
    if len(new) < MIN_PASSWORD:
        raise AccountError(f"Choose a new password of at least {MIN_PASSWORD} characters.")
    user.set_password(new)
    end_sessions(user)
    record(None, user, "account.password")

"""Settings read from the environment, with safe defaults for one machine."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any


def database_url(instance_path: str) -> str:
    """Return the SQLAlchemy URL from ``DATABASE_URL``, or a SQLite file in the instance folder.

    ``postgres://`` and ``postgresql://`` URLs are mapped to the psycopg 3 driver.
    """
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{Path(instance_path) / 'deliberate.sqlite3'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def secret_key(instance_path: str) -> str:
    """Return ``SECRET_KEY`` from the environment, or one kept in the instance folder.

    The first run generates 256 random bits and writes them with mode 0600; every later
    run (and every worker of a multi-process server) reads the same file.
    """
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        return key
    path = Path(instance_path) / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        key = secrets.token_hex(32)
        handle.write(key)
    return key


#: How long "keep me signed in" lasts; signing out or a password change ends it sooner.
REMEMBER_FOR = timedelta(days=30)


def base_url() -> str:
    """Return ``BASE_URL``, or the address ``deliberate serve`` listens on (``HOST``, ``PORT``).

    Links in invitations and e-mails begin with it. It never comes from a request's ``Host``
    header, which a visitor controls.
    """
    url = os.environ.get("BASE_URL", "").strip()
    if not url:
        url = f"http://{os.environ.get('HOST') or '127.0.0.1'}:{os.environ.get('PORT') or 5000}"
    return url.rstrip("/")


def _number(name: str, default: float) -> float:
    """A positive number from the environment variable ``name``, else ``default``."""
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


def shared_store() -> bool:
    """True when rate limits and jobs live in a store that several processes share."""
    limits = os.environ.get("RATELIMIT_STORAGE_URI", "").strip()
    return bool(os.environ.get("REDIS_URL", "").strip()) and not limits.startswith("memory")


def from_environment(instance_path: str) -> dict[str, Any]:
    """Build the configuration mapping for :func:`deliberate.create_app`."""
    redis_url = os.environ.get("REDIS_URL", "").strip()
    return {
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        "SECRET_KEY": secret_key(instance_path),
        "SQLITE_SYNCHRONOUS": os.environ.get("SQLITE_SYNCHRONOUS", "NORMAL").strip().upper(),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_DURATION": REMEMBER_FOR,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "") == "1",
        "PASSWORD_HASH_METHOD": "scrypt",
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "UPLOAD_MAX_BYTES": int(_number("UPLOAD_MAX_BYTES", 32 * 1024 * 1024)),
        "WTF_CSRF_TIME_LIMIT": None,
        "BASE_URL": base_url(),
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0") or 0),
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", redis_url or "memory://"),
        "PDF_CONCURRENCY": int(_number("PDF_CONCURRENCY", 2)),
        "PDF_TIMEOUT_SECONDS": _number("PDF_TIMEOUT_SECONDS", 60),
        "JOB_THREADS": int(_number("JOB_THREADS", 2)),
        "JOB_TIMEOUT_SECONDS": int(_number("JOB_TIMEOUT_SECONDS", 600)),
        "ANALYSIS_JOB_PARTICIPANTS": int(_number("ANALYSIS_JOB_PARTICIPANTS", 1000)),
        "IMPORT_JOB_ROWS": int(_number("IMPORT_JOB_ROWS", 5000)),
        "JOB_QUEUE_PREFIX": os.environ.get("JOB_QUEUE_PREFIX", "deliberate"),
        "JOB_WAIT_SECONDS": _number("JOB_WAIT_SECONDS", 1.0),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "").strip(),
        "MAIL_PORT": os.environ.get("MAIL_PORT", "").strip(),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", "").strip(),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "").strip(),
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "deliberate"),
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "300/minute"),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10/minute"),
        "LOGIN_ADDRESS_RATE_LIMIT": os.environ.get("LOGIN_ADDRESS_RATE_LIMIT", "30/minute"),
        "INVITATION_RATE_LIMIT": os.environ.get("INVITATION_RATE_LIMIT", "30/minute"),
    }

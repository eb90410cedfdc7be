"""Static files under fingerprinted names, cached by browsers for a year.

``url_for("static", filename="css/style.css")`` gives ``/static/css/style.<hash>.css``,
where ``<hash>`` is the first hex digits of the file's SHA-256. A file served under its
current fingerprint never changes, so it is sent with ``Cache-Control: public,
max-age=31536000, immutable``: a room of phones fetches each stylesheet and script once,
not on every page. A changed file gets a new name, so nobody keeps a stale copy. Plain
names (and fingerprints of an older version) still work, revalidated on each use.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from flask import Flask, current_app, send_from_directory
from werkzeug.wrappers import Response

#: How long browsers keep a fingerprinted file: a year, the longest HTTP caches honour.
IMMUTABLE_MAX_AGE = 365 * 24 * 3600
#: Hex digits of SHA-256 kept in a fingerprint.
DIGITS = 12
FINGERPRINTED = re.compile(rf"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{{{DIGITS}}})(?P<suffix>\.\w+)$")


class Fingerprints:
    """Digests of the files in one static folder, computed once per file and process
    (unless ``remember`` is False, as while developing with files changing under a
    running server)."""

    def __init__(self, folder: str, *, remember: bool = True) -> None:
        self.folder = Path(folder).resolve()
        self.remember = remember
        self._digests: dict[str, str | None] = {}

    def digest(self, filename: str) -> str | None:
        """The fingerprint of ``filename`` (relative to the folder), or None if no such file."""
        if filename in self._digests:
            return self._digests[filename]
        path = (self.folder / filename).resolve()
        inside = path.is_relative_to(self.folder) and path.is_file()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:DIGITS] if inside else None
        if self.remember:
            self._digests[filename] = digest
        return digest

    def name(self, filename: str) -> str:
        """``filename`` with its fingerprint before the extension (unchanged if unknown)."""
        digest = self.digest(filename)
        stem, dot, suffix = filename.rpartition(".")
        if digest is None or not dot or "/" in suffix:
            return filename
        return f"{stem}.{digest}.{suffix}"


def init_app(app: Flask) -> None:
    """Give ``url_for("static", …)`` fingerprinted names and serve them with long caching."""
    fingerprints = Fingerprints(app.static_folder or "", remember=not app.debug)
    app.extensions["fingerprints"] = fingerprints

    @app.url_defaults
    def fingerprint(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = fingerprints.name(values["filename"])

    app.view_functions["static"] = static


def static(filename: str) -> Response:
    """Serve a static file; under its current fingerprint, with a year's caching."""
    fingerprints: Fingerprints = current_app.extensions["fingerprints"]
    match = FINGERPRINTED.match(filename)
    immutable = False
    if match:
        original = match["stem"] + match["suffix"]
        if fingerprints.digest(original) is not None:
            immutable = match["digest"] == fingerprints.digest(original)
            filename = original
    if immutable:
        response = send_from_directory(
            fingerprints.folder, filename, max_age=IMMUTABLE_MAX_AGE, conditional=True
        )
        response.cache_control.public = True
        response.cache_control.immutable = True
        return response
    response = send_from_directory(fingerprints.folder, filename, max_age=0, conditional=True)
    response.cache_control.no_cache = True
    return response

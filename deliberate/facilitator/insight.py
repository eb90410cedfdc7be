"""Reading a consultation: the disagreement map, reasons, round comparison and exports."""

from __future__ import annotations

from . import bp  # noqa: F401

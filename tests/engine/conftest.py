"""Fixtures for the engine tests: the shared reference cases."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest


def shared_dir() -> Path:
    """The shared folder beside the repository (or ``DELIBERATE_SHARED``)."""
    env = os.environ.get("DELIBERATE_SHARED")
    path = Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared"
    if not (path / "reference-cases").is_dir():
        pytest.fail(
            f"reference cases not found at {path / 'reference-cases'}: put the shared folder "
            "beside the repository or set DELIBERATE_SHARED",
            pytrace=False,
        )
    return path


def load_cases() -> list[dict[str, Any]]:
    folder = shared_dir() / "reference-cases"
    cases = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]
    if not cases:
        pytest.fail(f"no reference cases in {folder}", pytrace=False)
    return cases

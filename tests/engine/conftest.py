"""Fixtures for the engine tests: the published reference cases kept beside them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REFERENCE_CASES = Path(__file__).resolve().parent / "reference_cases"


def load_cases() -> list[dict[str, Any]]:
    """Every reference case in ``tests/engine/reference_cases/``, in file-name order."""
    cases = [
        json.loads(p.read_text(encoding="utf-8")) for p in sorted(REFERENCE_CASES.glob("*.json"))
    ]
    assert cases, f"no reference cases in {REFERENCE_CASES}"
    return cases

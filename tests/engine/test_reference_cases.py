"""Every published reference case in reference_cases/, through the API and through the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from deliberate.analyze import analyze_command
from deliberate.engine import analyze, read_judgments_csv

from .conftest import load_cases

CASES = load_cases()


def api_kwargs(args: list[str]) -> dict[str, Any]:
    """Map the case's command-line arguments to `analyze` keyword arguments."""
    kwargs: dict[str, Any] = {}
    weights: dict[str, float] = {}
    names = {"--priority": "priority", "--aggregate": "aggregate", "--weighting": "weighting"}
    it = iter(args)
    for flag in it:
        value = next(it)
        if flag in names:
            kwargs[names[flag]] = value
        elif flag == "--group-weight":
            name, _, w = value.rpartition("=")
            weights[name] = float(w)
        elif flag in ("--bootstrap", "--seed"):
            kwargs[flag[2:]] = int(value)
        else:
            raise AssertionError(f"unknown argument {flag} in a reference case")
    if weights:
        kwargs["group_weights"] = weights
    return kwargs


def resolve(report: dict[str, Any], path: list[str]) -> Any:
    node: Any = report
    for key in path:
        if isinstance(node, list):  # participants: keyed by id in the expectations
            node = {str(p["id"]): p for p in node}
        assert key in node, f"report has no {'.'.join(path)}"
        node = node[key]
    return node


def check(report: dict[str, Any], expect: Any, tol: float, path: list[str]) -> None:
    if isinstance(expect, dict):
        for key, value in expect.items():
            check(report, value, tol, [*path, *key.split(".")])
        return
    actual = resolve(report, path)
    assert actual is not None, f"{'.'.join(path)} is null"
    assert math.isclose(actual, expect, rel_tol=0, abs_tol=tol), (
        f"{'.'.join(path)} = {actual}, expected {expect} ± {tol}"
    )


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_api(case: dict[str, Any]) -> None:
    report = analyze(read_judgments_csv(case["csv"]), bootstrap=50, **api_kwargs(case["args"]))
    check(report, case["expect"], case["tol"], [])


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_cli(case: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "judgments.csv"
    path.write_text(case["csv"], encoding="utf-8")
    result = CliRunner().invoke(
        analyze_command, [str(path), *case["args"], "--bootstrap", "50", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    check(json.loads(result.stdout), case["expect"], case["tol"], [])

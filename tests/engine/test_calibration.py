"""The quick calibration benchmark: false alarms, power, coverage and CR within targets."""

from __future__ import annotations

from benchmarks import calibration


def test_quick_calibration_meets_every_target() -> None:
    lines: list[str] = []
    rows = calibration.run(quick=True, seed=0, out=lines.append)
    assert len(lines) == len(rows) + 1
    missed = [line for line, row in zip(lines[1:], rows, strict=True) if not row.met(3.0)]
    assert not missed, "\n".join(missed)
    kinds = " ".join(r.what for r in rows)
    for part in ("conflict", "distinctive", "cluster", "contested", "power", "coverage", "missing"):
        assert part in kinds


def test_rows_fail_when_a_target_is_missed() -> None:
    row = calibration.Row("false alarms", 0.2, 400, 0.05, True)
    assert not row.met(3.0) and not row.met(0.0)
    assert calibration.Row("power", 0.95, 400, 0.9, False).met(0.0)

"""The opinion clusters computed in a forked child: the same report, and no child left."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from deliberate.engine import analyze, background, to_json_bytes
from deliberate.engine.background import in_background
from deliberate.engine.synthetic import synthetic_csv, synthetic_table


def _children() -> set[int]:
    """This process's child processes, zombies included (Linux)."""
    found = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        children = (task / "children").read_text().split()
        found |= {int(pid) for pid in children}
    return found


@pytest.mark.parametrize(
    ("people", "outcomes", "skip"),
    [(2500, 5, 0.1), (300, 9, 0.0), (40, 4, 0.2), (3, 3, 0.0)],
)
def test_a_second_process_gives_the_very_same_report(
    people: int, outcomes: int, skip: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    forks = []

    def fork() -> int:
        pid = real_fork()
        if pid:
            forks.append(pid)
        return pid

    real_fork = os.fork
    monkeypatch.setattr(background.os, "fork", fork)
    table = synthetic_table(people, outcomes, seed=people, skip=skip)
    alone = analyze(table, bootstrap=50, seed=3)
    assert not forks
    beside = analyze(table, bootstrap=50, seed=3, processes=2)
    assert len(forks) == 1
    assert to_json_bytes(beside) == to_json_bytes(alone)
    if people > 2000:  # the sampled clustering, found in the child
        assert alone["clusters"]["k"] > 1 and "sample of 2000" in alone["clusters"]["method"]
    assert not _children()


def _fails(values: np.ndarray) -> float:
    raise ValueError(f"no clusters in {values.size} values")


def _slow(seconds: float) -> float:
    import time

    time.sleep(seconds)
    return seconds


def test_a_failure_in_the_child_is_raised_here_as_it_would_be() -> None:
    with (
        pytest.raises(ValueError, match="no clusters in 3 values"),
        in_background(_fails, np.zeros(3), processes=2) as pending,
    ):
        pending.result()
    assert not _children()


def test_a_child_killed_midway_is_replaced_by_computing_here() -> None:
    with in_background(_slow, 0.5, processes=2) as pending:
        (child,) = _children()
        os.kill(child, signal.SIGKILL)
        assert pending.result() == 0.5
    assert not _children()


def test_a_child_whose_result_is_not_asked_for_is_stopped() -> None:
    with in_background(_slow, 30.0, processes=2):
        assert len(_children()) == 1
    assert not _children()


def test_one_process_forks_nothing() -> None:
    with in_background(_slow, 0.0, processes=1) as pending:
        assert not _children()
        assert pending.result() == 0.0


def test_the_program_writes_the_report_the_command_writes_inline(tmp_path: Path) -> None:
    """``deliberate analyze`` run as the program (which forks, then ends at once after its
    output) against the same command under click's test runner (which does neither)."""
    from click.testing import CliRunner

    from deliberate.cli import cli

    data = tmp_path / "judgments.csv"
    data.write_text(synthetic_csv(synthetic_table(2100, 5, seed=8)), encoding="utf-8")
    command = ["analyze", str(data), "--format", "json", "--bootstrap", "30"]
    program = subprocess.run(
        [sys.executable, "-c", "from deliberate.cli import main; main()", *command],
        capture_output=True,
        check=False,
    )
    assert program.returncode == 0, program.stderr
    inline = CliRunner().invoke(cli, command)
    assert inline.exit_code == 0, inline.output
    assert program.stdout == inline.stdout_bytes
    assert json.loads(program.stdout)["clusters"]["k"] > 1

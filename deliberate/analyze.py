"""``deliberate analyze``: analyse a judgments file from the command line.

The engine and the file reader are imported inside the command, so ``--help`` is quick.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

if TYPE_CHECKING:
    from deliberate.intake import Reading

#: The options' syntheses (as ``deliberate.engine.options.SYNTHESES``; written out here so
#: that ``--help`` does not load the engine).
SYNTHESES = ("distributive", "ideal")

__all__ = [
    "USAGE_ERROR",
    "Program",
    "analyze_command",
    "read_file_or_fail",
    "reading_options",
    "usable_cpus",
]

USAGE_ERROR = 2


F = TypeVar("F", bound=Callable[..., Any])


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause Python's cyclic garbage collector: reading and reporting build hundreds of
    thousands of small lists and dicts without cycles, which it would scan again and again
    (a twentieth of a 10,000-participant run, more with more)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Program:
    """The context's object when Deliberate runs as the ``deliberate`` program, not under a
    test runner: a command whose output is written may then end the process at once."""


def _as_program() -> bool:
    """Whether Deliberate runs as the ``deliberate`` program (see `Program`)."""
    return click.get_current_context().find_object(Program) is not None


def usable_cpus() -> int:
    """The CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


def _processes() -> int:
    """Processes an analysis may use: the usable CPUs when running as the program; one
    under a test runner, whose other threads would make forking unsafe."""
    return usable_cpus() if _as_program() else 1


def _end_once_written() -> None:
    """End the process as soon as the output is flushed, when running as the program.

    Tearing the interpreter down module by module (numpy, SciPy, click) and freeing a
    large report object by object take about 25 ms: a twentieth of a 10,000-participant
    run. Nothing is left to clean up: no file is open but standard output and error.
    """
    if not _as_program():
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(USAGE_ERROR)


def reading_options(command: F) -> F:
    """The options of every command that reads a judgments file (``--sheet``, ``--signed``)."""
    command = click.option(
        "--signed",
        is_flag=True,
        help="Values run from -9 to 9 (negative: the second outcome matters more).",
    )(command)
    return click.option(
        "--sheet", metavar="NAME", default=None, help="Sheet of an .xlsx workbook (default: first)."
    )(command)


def read_file_or_fail(path: Path, sheet: str | None, signed: bool) -> Reading:
    """Read a judgments file (any layout and encoding); notices go to standard error.

    Exits with status 2, naming the file and line, when it cannot be read.
    """
    from deliberate.engine import JudgmentError
    from deliberate.intake import read_judgments

    try:
        data = path.read_bytes()
    except OSError as exc:
        _fail(f"cannot read {path}: {exc}")
    try:
        reading = read_judgments(data, path.name, sheet=sheet, signed=signed)
    except JudgmentError as exc:
        _fail(f"{path}: {exc}")
    for notice in reading.notices:
        click.echo(f"Note: {path}: {notice}", err=True)
    return reading


def _choice(flag: str, choices: Sequence[str], default: str, help: str) -> Callable[[F], F]:
    """An option taking one of ``choices``, showing its default."""
    return click.option(
        flag, type=click.Choice(choices), default=default, show_default=True, help=help
    )


def _group_weight(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict:
    weights: dict[str, float] = {}
    for item in values:
        name, sep, raw = item.rpartition("=")
        try:
            weights[name.strip()] = float(raw)
        except ValueError:
            name = ""
        if not sep or not name.strip():
            raise click.BadParameter(f"{item!r} is not NAME=NUMBER", ctx=ctx, param=param)
    return weights


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"cannot read {path}: {exc}")


@click.command("analyze")
@click.argument("judgments", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@reading_options
@_choice(
    "--priority",
    ["ev", "rgm"],
    "ev",
    "Eigenvector (Harker where incomplete) or row geometric mean (LLSM).",
)
@_choice(
    "--aggregate", ["aij", "aip"], "aij", "Aggregate individual judgments or individual priorities."
)
@_choice(
    "--weighting",
    ["person", "groups", "custom"],
    "person",
    "Voice: one person one voice, equal groups, or custom.",
)
@click.option(
    "--group-weight",
    "group_weights",
    multiple=True,
    callback=_group_weight,
    metavar="NAME=W",
    help="Custom weight of a group (repeat for each group).",
)
@click.option(
    "--bootstrap",
    type=click.IntRange(min=0),
    default=1000,
    show_default=True,
    help="Stratified bootstrap resamples; 0 skips intervals.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option(
    "--cr-threshold",
    type=click.FloatRange(min=0),
    default=None,
    help="Acceptable CR (default 0.05 n=3, 0.08 n=4, 0.10 n≥5).",
)
@click.option(
    "--exclude-inconsistent",
    is_flag=True,
    help="Leave participants above the CR threshold out of the aggregates.",
)
@click.option(
    "--skip-disconnected",
    is_flag=True,
    help="Leave out participants whose comparisons do not connect all outcomes.",
)
@click.option(
    "--options",
    "appraisal_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Appraisal of options: assessor,outcome,option_a,option_b,value (pairwise) "
    "or assessor,option,outcome,score (ratings 0-10).",
)
@_choice(
    "--synthesis",
    SYNTHESES,
    "distributive",
    "Options' local priorities divided by their sum or by the best per outcome.",
)
@click.option(
    "--option-cost",
    "option_costs",
    multiple=True,
    callback=_group_weight,
    metavar="NAME=COST",
    help="Annual cost of an option, for value for money (repeat for each option).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@_no_cycle_collection()
def analyze_command(
    judgments: Path,
    sheet: str | None,
    signed: bool,
    priority: str,
    aggregate: str,
    weighting: str,
    group_weights: dict[str, float],
    bootstrap: int,
    seed: int,
    cr_threshold: float | None,
    exclude_inconsistent: bool,
    skip_disconnected: bool,
    appraisal_path: Path | None,
    synthesis: str,
    option_costs: dict[str, float],
    fmt: str,
) -> None:
    """Analyse the pairwise judgments in JUDGMENTS (CSV, TSV or .xlsx).

    Columns: participant, group, outcome_a, outcome_b, value [, reason]; value is how
    much more outcome_a matters than outcome_b, from 1/9 to 9. Also one row per
    participant with a column per pair ('A vs B'), or one matrix per participant (see
    the README). With --options, also which option delivers the most value, overall and
    for each group. Exit status 2 on bad input, with the line number.
    """
    if weighting == "custom" and not group_weights:
        _fail("--weighting custom needs --group-weight NAME=W for each group")
    if option_costs and appraisal_path is None:
        _fail("--option-cost needs --options APPRAISAL.csv")
    reading = read_file_or_fail(judgments, sheet, signed)
    from deliberate.engine import JudgmentError, analyze, to_json_bytes, to_text
    from deliberate.engine.appraisal_csv import read_appraisal_csv
    from deliberate.engine.options import AppraisalError

    appraisal = None
    if appraisal_path is not None:
        try:
            appraisal = read_appraisal_csv(_read(appraisal_path))
        except JudgmentError as exc:
            _fail(f"{appraisal_path}: {exc}")
    try:
        table = reading.table()
        del reading  # the cells as read are not needed any more: free them
        report = analyze(
            table,
            priority=priority,
            aggregate=aggregate,
            weighting=weighting,
            group_weights=group_weights or None,
            bootstrap=bootstrap,
            seed=seed,
            cr_threshold=cr_threshold,
            exclude_inconsistent=exclude_inconsistent,
            on_disconnected="skip" if skip_disconnected else "error",
            appraisal=appraisal,
            synthesis=synthesis,
            option_costs=option_costs or None,
            processes=_processes(),
        )
    except AppraisalError as exc:
        _fail(f"{appraisal_path}: {exc}")
    except JudgmentError as exc:
        _fail(f"{judgments}: {exc}")
    except ValueError as exc:
        _fail(str(exc))
    if fmt == "json":
        click.echo(to_json_bytes(report) + b"\n", nl=False)
    else:
        click.echo(to_text(report), nl=False)
    _end_once_written()


if __name__ == "__main__":
    analyze_command(obj=Program())

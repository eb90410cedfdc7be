"""``deliberate analyze``: analyse a judgments CSV from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import click

from deliberate.engine import JudgmentError, analyze, read_judgments_csv, to_json, to_text
from deliberate.engine.appraisal_csv import read_appraisal_csv
from deliberate.engine.options import SYNTHESES, AppraisalError

__all__ = ["analyze_command"]

USAGE_ERROR = 2


def _fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(USAGE_ERROR)


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
@click.option(
    "--priority",
    type=click.Choice(["ev", "rgm"]),
    default="ev",
    show_default=True,
    help="Eigenvector (Harker where incomplete) or row geometric mean (LLSM).",
)
@click.option(
    "--aggregate",
    type=click.Choice(["aij", "aip"]),
    default="aij",
    show_default=True,
    help="Aggregate individual judgments or individual priorities.",
)
@click.option(
    "--weighting",
    type=click.Choice(["person", "groups", "custom"]),
    default="person",
    show_default=True,
    help="Voice: one person one voice, equal groups, or custom.",
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
@click.option(
    "--synthesis",
    type=click.Choice(SYNTHESES),
    default="distributive",
    show_default=True,
    help="Options' local priorities divided by their sum or by the best per outcome.",
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
def analyze_command(
    judgments: Path,
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
    """Analyse the pairwise judgments in JUDGMENTS (CSV).

    Columns: participant, group, outcome_a, outcome_b, value [, reason]; value is how
    much more outcome_a matters than outcome_b, from 1/9 to 9. With --options, also
    which option delivers the most value, overall and for each group. Exit status 2 on
    bad input, with the line number.
    """
    if weighting == "custom" and not group_weights:
        _fail("--weighting custom needs --group-weight NAME=W for each group")
    if option_costs and appraisal_path is None:
        _fail("--option-cost needs --options APPRAISAL.csv")
    text = _read(judgments)
    appraisal = None
    if appraisal_path is not None:
        try:
            appraisal = read_appraisal_csv(_read(appraisal_path))
        except JudgmentError as exc:
            _fail(f"{appraisal_path}: {exc}")
    try:
        report = analyze(
            read_judgments_csv(text),
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
        )
    except AppraisalError as exc:
        _fail(f"{appraisal_path}: {exc}")
    except JudgmentError as exc:
        _fail(f"{judgments}: {exc}")
    except ValueError as exc:
        _fail(str(exc))
    click.echo(to_json(report) if fmt == "json" else to_text(report), nl=fmt == "json")


if __name__ == "__main__":
    analyze_command()

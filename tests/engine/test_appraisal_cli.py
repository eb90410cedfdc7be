"""``deliberate analyze --options``: both appraisal formats, the JSON block, bad input."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from deliberate.analyze import analyze_command
from deliberate.engine.appraisal_csv import read_appraisal_csv
from deliberate.engine.judgments import JudgmentError

OUTCOMES = ("Equity", "Prevention", "Efficiency")
OPTIONS = ("Keep clinics", "Hub and spoke", "Digital first")


def judgments_csv(path: Path) -> Path:
    lines = ["participant,group,outcome_a,outcome_b,value"]
    for k in range(12):
        group = "funders" if k % 2 else "users"
        lean = {"funders": ("1/3", "1/5", "1/2"), "users": ("3", "2", "1/2")}[group]
        for (a, b), v in zip(itertools.combinations(OUTCOMES, 2), lean, strict=True):
            lines.append(f"p{k},{group},{a},{b},{v}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def pairwise_csv(path: Path) -> Path:
    lines = ["assessor,outcome,option_a,option_b,value"]
    judged = {"Equity": ("3", "2", "1/2"), "Prevention": ("1", "1/3", "1/3"),
              "Efficiency": ("1/5", "1/7", "1/2")}  # fmt: skip
    for assessor, shift in (("ana", 0), ("bo", 1)):
        for outcome, values in judged.items():
            for (a, b), v in zip(itertools.combinations(OPTIONS, 2), values, strict=True):
                value = v if not shift or v == "1" else ("2" if "/" not in v else "1/2")
                lines.append(f"{assessor},{outcome},{a},{b},{value}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def ratings_csv(path: Path) -> Path:
    lines = ["outcome,score,assessor,option"]  # any column order
    scores = {"Keep clinics": (8, 4, 2), "Hub and spoke": (6, 7, 6), "Digital first": (3, 6, 9)}
    for assessor in ("ana", "bo", "cy"):
        for option, row in scores.items():
            for outcome, s in zip(OUTCOMES, row, strict=True):
                lines.append(f"{outcome},{s + (assessor == 'bo')},{assessor},{option}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(analyze_command, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("maker", [pairwise_csv, ratings_csv])
@pytest.mark.parametrize("synthesis", ["distributive", "ideal"])
def test_json_gains_the_options_block(tmp_path: Path, maker, synthesis: str) -> None:
    code, out, err = run(
        str(judgments_csv(tmp_path / "j.csv")),
        "--options",
        str(maker(tmp_path / "a.csv")),
        "--synthesis",
        synthesis,
        "--option-cost",
        "Keep clinics=1200000",
        "--option-cost",
        "Hub and spoke=900000",
        "--option-cost",
        "Digital first=700000",
        "--bootstrap",
        "200",
        "--format",
        "json",
    )
    assert code == 0, err
    block = json.loads(out)["options"]
    assert block["names"] == list(OPTIONS)
    assert set(block["local"]) == set(OUTCOMES)
    for outcome in OUTCOMES:
        local = block["local"][outcome]
        assert set(local) == set(OPTIONS)
        if synthesis == "distributive":
            assert sum(local.values()) == pytest.approx(1.0)
        else:
            assert max(local.values()) == pytest.approx(1.0)
    overall = block["overall"]
    assert set(overall["value"]) == set(OPTIONS)
    assert all(len(iv) == 2 and iv[0] <= iv[1] for iv in overall["intervals"].values())
    assert sum(overall["best_probability"].values()) == pytest.approx(1.0)
    assert set(block["groups"]) == {"funders", "users"}
    assert all(set(g["value"]) == set(OPTIONS) for g in block["groups"].values())
    assert set(block["frontier"]) <= set(OPTIONS) and block["frontier"]
    # The cheapest option is always on the frontier.
    assert block["frontier"][0] == "Digital first"


def test_text_output_names_the_best_option(tmp_path: Path) -> None:
    code, out, err = run(
        str(judgments_csv(tmp_path / "j.csv")),
        "--options",
        str(ratings_csv(tmp_path / "a.csv")),
        "--bootstrap",
        "50",
    )
    assert code == 0, err
    assert "Options (distributive synthesis, ratings appraisal)" in out
    assert "Best for funders:" in out and "Best for users:" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("assessor,option,outcome,score\nana,Keep clinics,Equity,12\n", "line 2: score"),
        ("who,what\nx,y\n", "line 1: the header must be either"),
        (
            "assessor,outcome,option_a,option_b,value\nana,Equity,Keep clinics,Hub and spoke,11\n",
            "line 2: value '11' is outside Saaty's scale",
        ),
        (
            "assessor,option,outcome,score\nana,Keep clinics,Joy,3\nana,Hub and spoke,Joy,4\n",
            "unknown outcome(s): Joy",
        ),
    ],
)
def test_bad_appraisal_exits_2_naming_the_file(tmp_path: Path, content: str, message: str) -> None:
    appraisal = tmp_path / "a.csv"
    appraisal.write_text(content, encoding="utf-8")
    code, _, err = run(str(judgments_csv(tmp_path / "j.csv")), "--options", str(appraisal))
    assert code == 2
    assert str(appraisal) in err and message in err


def test_cost_without_options_and_bad_cost_are_usage_errors(tmp_path: Path) -> None:
    j = str(judgments_csv(tmp_path / "j.csv"))
    code, _, err = run(j, "--option-cost", "Keep clinics=10")
    assert code == 2 and "--option-cost needs --options" in err
    code, _, err = run(j, "--options", str(ratings_csv(tmp_path / "a.csv")), "--option-cost", "X=1")
    assert code == 2 and "cost for unknown option(s): X" in err


def test_reader_strips_formula_protection_and_checks_fixed_names() -> None:
    text = "assessor,option,outcome,score\n'=ana,'+A,Equity,3\nana,B,Equity,4\n"
    appraisal = read_appraisal_csv(text)
    assert appraisal.assessors == ("=ana", "ana") and appraisal.options == ("+A", "B")
    with pytest.raises(JudgmentError, match="line 3: unknown option 'B'"):
        read_appraisal_csv(text, options=["+A", "C"])


def test_the_command_line_offers_the_engines_syntheses() -> None:
    from deliberate.analyze import SYNTHESES as offered
    from deliberate.engine.options import SYNTHESES

    assert tuple(offered) == tuple(SYNTHESES)

"""Validation of judgment tables: clear errors with line numbers, exit status 2."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from deliberate.analyze import analyze_command
from deliberate.engine import JudgmentError, JudgmentTable, read_judgments_csv

HEADER = "participant,group,outcome_a,outcome_b,value\n"

BAD = [
    ("", 1, "empty"),
    ("   \n\n", 1, "empty"),
    ("participant,group,outcome_a,value\np1,g,a,3\n", 1, "missing column(s) outcome_b"),
    (HEADER.strip() + ",colour\n", 1, "unknown column(s) 'colour'"),
    (HEADER, 1, "no judgments"),
    (HEADER + "p1,g,a,b,3\np1,g,a,c,ten\n", 3, "'ten' is not a number"),
    (HEADER + "p1,g,a,b,3\n\np1,g,a,c,10\n", 4, "outside Saaty's scale"),
    (HEADER + "p1,g,a,b,0\n", 2, "outside Saaty's scale"),
    (HEADER + "p1,g,a,b,-2\n", 2, "outside Saaty's scale"),
    (HEADER + "p1,g,a,b,nan\n", 2, "outside Saaty's scale"),
    (HEADER + "p1,g,a,b,inf\n", 2, "outside Saaty's scale"),
    (HEADER + "p1,g,a,b,0.1\n", 2, "outside Saaty's scale"),
    (HEADER + "p1,g,a,b,3\np1,g,b,a,1/3\n", 3, "compares 'b' and 'a' twice (first on line 2)"),
    (HEADER + "p1,g,a,b,3\np1,g,a,b,3\n", 3, "twice"),
    (HEADER + "p1,g,a,a,3\n", 2, "compared with itself"),
    (HEADER + "p1,g,a,b,3\np1,h,a,c,3\n", 3, "in group 'g' earlier"),
    (HEADER + "p1,g,a,b\n", 2, "expected 5 fields"),
    (HEADER + ",g,a,b,3\n", 2, "participant is empty"),
]


@pytest.mark.parametrize(("text", "line", "message"), BAD)
def test_bad_csv(text: str, line: int, message: str) -> None:
    with pytest.raises(JudgmentError) as info:
        read_judgments_csv(text)
    assert info.value.line == line
    assert message in str(info.value)
    assert str(info.value).startswith(f"line {line}: ")


@pytest.mark.parametrize(("text", "line", "message"), BAD)
def test_bad_csv_cli_exits_2(text: str, line: int, message: str, tmp_path: Path) -> None:
    path = tmp_path / "j.csv"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(analyze_command, [str(path), "--bootstrap", "0"])
    assert result.exit_code == 2
    assert f"line {line}: " in result.stderr and message in result.stderr
    assert "Traceback" not in result.output


def test_cli_usage_errors(tmp_path: Path) -> None:
    path = tmp_path / "j.csv"
    path.write_text(HEADER + "p1,g,a,b,3\nq1,h,a,b,1/2\n", encoding="utf-8")
    runner = CliRunner()
    for args in (
        ["--weighting", "custom"],
        ["--weighting", "custom", "--group-weight", "g=1"],
        ["--weighting", "custom", "--group-weight", "g=1", "--group-weight", "zz=1"],
        ["--group-weight", "nonsense"],
        ["--priority", "median"],
        ["--bootstrap", "-1"],
    ):
        result = runner.invoke(analyze_command, [str(path), *args])
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output
    assert runner.invoke(analyze_command, [str(tmp_path / "missing.csv")]).exit_code == 2


def test_csv_columns_any_order_with_reason_bom_and_fractions() -> None:
    text = '\ufeffvalue,outcome_b,outcome_a,group,participant,reason\n1/3,b,a,g,p1,"cheap, fast"\n'
    table = read_judgments_csv(text)
    assert table.outcomes == ("a", "b")
    assert np.isclose(np.exp(table.log_judgments[0, 0, 1]), 1 / 3)
    assert table.reasons == {(0, 0, 1): "cheap, fast"}


def test_reverse_order_is_reciprocal() -> None:
    table = read_judgments_csv(HEADER + "p1,g,b,a,4\n")
    assert table.outcomes == ("b", "a")
    table = JudgmentTable.from_records([(1, "g", "b", "a", 4)], outcomes=["a", "b"])
    assert np.isclose(table.log_judgments[0, 0, 1], -np.log(4))
    assert table.participants == (1,)


def test_from_records_errors_use_record_index() -> None:
    with pytest.raises(JudgmentError) as info:
        JudgmentTable.from_records([(1, "g", "a", "b", 3), (1, "g", "a", "z", 3)], outcomes="ab")
    assert info.value.line == 2 and "unknown outcome 'z'" in str(info.value)
    with pytest.raises(JudgmentError) as info:
        JudgmentTable.from_records([])
    assert "no judgments" in str(info.value)


def test_module_entry_point(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    good = tmp_path / "good.csv"
    good.write_text(HEADER + "p1,g,a,b,3\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "p1,g,a,b,12\n", encoding="utf-8")
    run = [sys.executable, "-m", "deliberate.analyze"]
    ok = subprocess.run(
        [*run, str(good), "--format", "json", "--bootstrap", "0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["overall"]["weights"] == {"a": 0.75, "b": 0.25}
    fail = subprocess.run([*run, str(bad)], capture_output=True, text=True, check=False)
    assert fail.returncode == 2
    assert "line 2: value '12' is outside Saaty's scale" in fail.stderr
    assert "Traceback" not in fail.stderr


def test_spreadsheet_protected_cells_read_back_unchanged() -> None:
    from deliberate.engine.judgments import spreadsheet_safe

    names = ["=SUM(A1)", "+plus", "-minus", "@at", "plain"]
    assert [spreadsheet_safe(n) for n in names] == [
        "'=SUM(A1)",
        "'+plus",
        "'-minus",
        "'@at",
        "plain",
    ]
    rows = "\n".join(
        f"{spreadsheet_safe('=p1')},{spreadsheet_safe('@group')},{spreadsheet_safe(a)},"
        f"{spreadsheet_safe(b)},2,{spreadsheet_safe('=HYPERLINK(1)')}"
        for a, b in [("=SUM(A1)", "+plus"), ("+plus", "-minus")]
    )
    table = read_judgments_csv("participant,group,outcome_a,outcome_b,value,reason\n" + rows)
    assert table.outcomes == ("=SUM(A1)", "+plus", "-minus")
    assert table.participants == ("=p1",) and table.groups == ("@group",)
    assert set(table.reasons.values()) == {"=HYPERLINK(1)"}
    kept = read_judgments_csv("participant,group,outcome_a,outcome_b,value\n'quoted,g,'a,b,2\n")
    assert kept.participants == ("'quoted",) and kept.outcomes == ("'a", "b")


def test_rounded_scale_values_read_as_the_exact_point() -> None:
    from fractions import Fraction

    from deliberate.engine.judgments import parse_value

    for text, point in [
        ("0.111111", Fraction(1, 9)),
        ("0.1111", Fraction(1, 9)),
        ("0.11111111", Fraction(1, 9)),
        ("0.11", Fraction(1, 9)),
        ("0.3333", Fraction(1, 3)),
        ("0.142857", Fraction(1, 7)),
        ("0.13", Fraction(1, 8)),
        ("0.12", Fraction(1, 8)),
        ("0,1667", Fraction(1, 6)),
        ("4.999999999999999", Fraction(5)),
        (" 1 / 7 ", Fraction(1, 7)),
        ("9.0", Fraction(9)),
    ]:
        assert parse_value(text, decimal_comma=True) == float(point), text
    assert parse_value("2.5") == 2.5  # between scale points: kept as written
    with pytest.raises(ValueError, match="could be 1/9, 1/8 or 1/7"):
        parse_value("0.1")
    assert parse_value(0.3, rounded=False) == 0.3  # computed, not written: no rounding read


def test_a_judgment_typed_as_5_prints_as_5(tmp_path: Path) -> None:
    import json

    path = tmp_path / "j.csv"
    path.write_text(HEADER + "p1,g,a,b,5\np1,g,b,c,5\np1,g,a,c,1/5\n", encoding="utf-8")
    result = CliRunner().invoke(
        analyze_command, [str(path), "--bootstrap", "0", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    worst = json.loads(result.stdout)["participants"][0]["most_inconsistent"]
    assert worst["value"] in (5, 0.2) and '"value": 4.99' not in result.stdout


def test_text_report_ranks_outcomes_names_the_top_and_explains_abbreviations(
    tmp_path: Path,
) -> None:
    path = tmp_path / "j.csv"
    path.write_text(HEADER + "p1,g,low,high,1/5\np2,g,low,high,1/3\n", encoding="utf-8")
    out = CliRunner().invoke(analyze_command, [str(path), "--bootstrap", "0"]).stdout
    rows = [line.split() for line in out.splitlines() if line[:1] in {"1", "2"}]
    assert [r[:2] for r in rows[:2]] == [["1", "high"], ["2", "low"]]
    assert "Top outcome: high" in out
    footer = out.strip().splitlines()[-1]
    assert all(term in footer for term in ("S*:", "W:", "CR:", "n:"))


def test_a_blank_second_outcome_is_named_with_its_line() -> None:
    """A blank outcome_b that never appears as an outcome_a (found by fuzzing the API)."""
    from deliberate.engine.judgments import Columns, table_from_columns

    columns = Columns.from_records([("p", "g", "a", "b", 3), ("p", "g", "a", " ", 2)])
    with pytest.raises(JudgmentError) as refused:
        table_from_columns(columns)
    assert refused.value.line == 2
    assert "outcome_a and outcome_b must both be given" in str(refused.value)


@pytest.mark.parametrize(("K", "n", "skip"), [(50, 5, 0.2), (300, 9, 0.0), (7, 3, 0.5)])
def test_the_coded_reader_and_the_csv_reader_give_the_same_table(
    K: int, n: int, skip: float
) -> None:
    """Columns kept as codes (the quick reader) against the csv module, rows shuffled so
    that names first appear in a different order in every column."""
    from deliberate.engine.judgments import (
        CodedCells,
        line_numbers,
        long_columns,
        long_columns_of_text,
        split_csv,
        table_from_columns,
    )
    from deliberate.engine.synthetic import synthetic_csv, synthetic_table

    head, *body = synthetic_csv(synthetic_table(K, n, seed=K, skip=skip)).splitlines()
    order = np.random.default_rng(K).permutation(len(body))
    text = "\n".join([head, *(body[i] for i in order)]) + "\n"
    quick = long_columns_of_text(text)
    assert isinstance(quick.participant, CodedCells)
    rows, delimiter = split_csv(text)
    plain = long_columns(rows, line_numbers(text, delimiter, len(rows)), decimal_comma=False)
    assert list(quick.outcome_b) == list(plain.outcome_b)
    fast, slow = table_from_columns(quick), table_from_columns(plain)
    assert (fast.outcomes, fast.participants, fast.groups) == (
        slow.outcomes,
        slow.participants,
        slow.groups,
    )
    assert np.array_equal(fast.log_judgments, slow.log_judgments)
    assert np.array_equal(fast.mask, slow.mask)
    assert np.array_equal(fast.group_index, slow.group_index)


def test_a_bad_value_in_a_coded_column_names_its_first_line() -> None:
    text = "participant,group,outcome_a,outcome_b,value\np,g,a,b,3\nq,g,a,b,12\nr,g,a,b,12\n"
    with pytest.raises(JudgmentError) as refused:
        read_judgments_csv(text)
    assert refused.value.line == 3 and "12" in str(refused.value)


@pytest.mark.parametrize("chunk_bytes", [64, 1 << 22])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_coded_reader_reads_every_cell_as_the_csv_module_does(
    chunk_bytes: int, delimiter: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Names of every length about a word of 8 bytes, accented and beyond the BMP, long
    reasons, values in several spellings, read in small chunks and in one."""
    from deliberate.engine import judgments
    from deliberate.engine.judgments import (
        CodedCells,
        line_numbers,
        long_columns,
        long_columns_of_text,
        split_csv,
    )

    monkeypatch.setattr(judgments, "_CHUNK_BYTES", chunk_bytes)
    rng = np.random.default_rng(len(delimiter) + chunk_bytes)
    names = ["a", "bb", "x" * 7, "y" * 8, "z" * 9, "w" * 16, "Clean air", "Ça été", "Wasser 𝄞"]
    values = ["3", "1/3", "0.333333", "9.0", "0.142857", "2"]
    header = delimiter.join(["participant", "group", "outcome_a", "outcome_b", "value", "reason"])
    lines = [header]
    for _ in range(300):
        value = str(rng.choice(values))
        lines.append(
            delimiter.join(
                [
                    f"p{rng.integers(0, 30)}{rng.choice(['', 'é', ' with a longer name'])}",
                    str(rng.choice(names)),
                    str(rng.choice(names)),
                    str(rng.choice(names)),
                    value.replace(".", ",") if delimiter != "," else value,
                    "because " * int(rng.integers(0, 4)),
                ]
            )
        )
    text = "\r\n".join(lines)  # Windows line endings, no newline at the end
    quick = long_columns_of_text(text)
    assert isinstance(quick.participant, CodedCells)
    rows, found = split_csv(text)
    plain = long_columns(rows, line_numbers(text, found, len(rows)), decimal_comma=found != ",")
    for name in ("participant", "group", "outcome_a", "outcome_b", "value", "reason"):
        assert list(getattr(quick, name)) == list(getattr(plain, name)), name
    assert [quick.line(i) for i in range(len(quick))] == list(range(2, len(lines) + 1))

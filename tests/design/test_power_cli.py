"""``t1dtrial power binary``: a grid of exact powers printed and written whole, bad input named."""

from __future__ import annotations

import pandas as pd
import pytest

from t1dtrial.cli import main
from t1dtrial.design.exact import exact_power
from t1dtrial.design.grid import GRID_COLUMNS, binary_power_grid, parse_values
from t1dtrial.errors import InputError


def test_the_grid_is_written_with_the_contract_columns(tmp_path, capsys):
    out = tmp_path / "power.csv"
    assert main(["power", "binary", "--n1", "20:40:10", "--n2", "26", "--p1", "0.4",
                 "--p2", "0.08,0.1", "--test", "fisher,chisq_cc", "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert tuple(table.columns) == GRID_COLUMNS
    assert len(table) == 3 * 2 * 2 and set(table["n2"]) == {26}
    row = table[(table.n1 == 30) & (table.p2 == 0.1) & (table.test == "chisq_cc")].iloc[0]
    assert row["power"] == pytest.approx(exact_power(30, 26, 0.4, 0.1, test="chisq_cc"), abs=1e-12)
    assert (table["method"] == "exact").all() and (table["mc_se"] == 0).all()


def test_the_reference_design_is_printed(capsys):
    assert main(["power", "binary", "--n1", "27", "--n2", "26", "--p1", "0.40",
                 "--p2", "0.08"]) == 0
    assert "0.7310" in capsys.readouterr().out


@pytest.mark.parametrize("args, said", [
    (["--p1", "1.4"], "--p1: '1.4' — holds a value out of range"),
    (["--n1", "20:10:-5"], "--n1"),
    (["--test", "boschlo"], "--test: 'boschlo'"),
    (["--n1", "2.5"], "not a whole number"),
])
def test_bad_options_exit_two_with_a_message(args, said, capsys):
    base = {"--n1": "27", "--p1": "0.4", "--p2": "0.1"}
    base.update(dict(zip(args[::2], args[1::2])))
    argv = ["power", "binary", *[x for kv in base.items() for x in kv]]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err


def test_an_existing_file_is_never_written_over(tmp_path, capsys):
    mine = tmp_path / "mine.csv"
    mine.write_text("my numbers\n")
    assert main(["power", "binary", "--n1", "27", "--p1", "0.4", "--p2", "0.1",
                 "--out", str(mine)]) == 2
    assert mine.read_text() == "my numbers\n"


def test_parse_values_reads_lists_and_inclusive_ranges():
    assert parse_values("0.1:0.3:0.1", "--p1") == [0.1, 0.2, 0.3]
    assert parse_values("27, 30", "--n1", integer=True) == [27, 30]
    with pytest.raises(InputError):
        parse_values("abc", "--n1")


def test_without_n2_each_cell_has_equal_arms():
    table = binary_power_grid([10, 20], None, [0.5], [0.1])
    assert list(zip(table["n1"], table["n2"])) == [(10, 10), (20, 20)]

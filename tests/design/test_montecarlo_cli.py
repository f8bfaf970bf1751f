"""``t1dtrial power binary --method mc`` and ``t1dtrial power continuous``: simulated power with
its Monte Carlo SE, printed and written whole, bad input named."""

from __future__ import annotations

import pandas as pd
import pytest

from t1dtrial.cli import main
from t1dtrial.design.exact import exact_power
from t1dtrial.design.grid import GRID_COLUMNS
from t1dtrial.design.montecarlo import CONTINUOUS_COLUMNS, mc_power_binary


def test_binary_mc_fills_sims_and_mc_se_and_is_reproducible(tmp_path, capsys):
    out = tmp_path / "power.csv"
    argv = ["power", "binary", "--n1", "27", "--n2", "26", "--p1", "0.4", "--p2", "0.08,0.1",
            "--test", "fisher,chisq", "--method", "mc", "--sims", "20000", "--seed", "3"]
    assert main([*argv, "--out", str(out)]) == 0
    printed = " ".join(capsys.readouterr().out.split())  # the title may wrap
    assert "mc_se" in printed and "20000 simulated trials a cell, seed 3" in printed
    table = pd.read_csv(out)
    assert tuple(table.columns) == GRID_COLUMNS and len(table) == 4
    assert (table["method"] == "mc").all() and (table["sims"] == 20000).all()
    assert (table["mc_se"] > 0).all()
    row = table[(table.p2 == 0.08) & (table.test == "fisher")].iloc[0]
    assert abs(row["power"] - exact_power(27, 26, 0.4, 0.08)) < 3 * row["mc_se"]
    assert row["power"] == mc_power_binary(27, 26, 0.4, 0.08, sims=20000, seed=3)["power"]


def test_binary_mc_has_a_stated_default_seed(capsys):
    argv = ["power", "binary", "--n1", "27", "--p1", "0.4", "--p2", "0.1", "--method", "mc",
            "--sims", "2000"]
    assert main(argv) == 0
    first = capsys.readouterr().out
    assert main(argv) == 0
    assert capsys.readouterr().out == first and "seed 20261127" in " ".join(first.split())


def test_continuous_grid_is_written_with_its_assumptions(tmp_path, capsys):
    out = tmp_path / "continuous.csv"
    assert main(["power", "continuous", "--n1", "20,30", "--delta", "0.5", "--sd", "1",
                 "--test", "welch,ancova", "--correlation", "0.5", "--sims", "2000",
                 "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert tuple(table.columns) == CONTINUOUS_COLUMNS and len(table) == 4
    assert set(table["distribution"]) == {"normal"}
    assert list(table[table.test == "ancova"]["correlation"]) == [0.5, 0.5]
    assert (table["mc_se"] > 0).all()


@pytest.mark.parametrize("argv, said", [
    (["binary", "--n1", "27", "--p1", "0.4", "--p2", "0.1", "--method", "bootstrap"],
     "--method: 'bootstrap' — is not a method"),
    (["binary", "--n1", "27", "--p1", "0.4", "--p2", "0.1", "--method", "mc", "--sims", "0"],
     "--sims: '0'"),
    (["continuous", "--n1", "27", "--delta", "0.3", "--test", "wilcoxon"], "--test: 'wilcoxon'"),
    (["continuous", "--n1", "27", "--delta", "0.3", "--sd", "0,-1"],
     "--sd: '0,-1' — holds a standard deviation that is not positive"),
])
def test_bad_options_exit_two_with_a_message(argv, said, capsys):
    assert main(["power", *argv]) == 2
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err


def test_an_existing_file_is_never_written_over(tmp_path):
    mine = tmp_path / "mine.csv"
    mine.write_text("my numbers\n")
    assert main(["power", "continuous", "--n1", "27", "--delta", "0.3", "--sims", "100",
                 "--out", str(mine)]) == 2
    assert mine.read_text() == "my numbers\n"

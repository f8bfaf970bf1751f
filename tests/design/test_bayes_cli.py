"""``t1dtrial power assurance``: a grid of assurances printed and written whole, bad input named."""

from __future__ import annotations

import pandas as pd
import pytest

from t1dtrial.cli import main
from t1dtrial.design.bayes import (
    ASSURANCE_COLUMNS,
    BetaPrior,
    assurance,
    decision_region,
    success_region,
)


def test_the_grid_is_written_with_one_row_a_design_and_rule(tmp_path, capsys):
    out = tmp_path / "assurance.csv"
    assert main(["power", "assurance", "--n1", "20:40:10", "--n2", "26", "--pilot", "11/27,3/26",
                 "--test", "fisher,bayes", "--threshold", "0.95", "--margin", "0.2",
                 "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert tuple(table.columns) == ASSURANCE_COLUMNS
    assert len(table) == 3 * 2 and set(table["n2"]) == {26}
    treated, control = BetaPrior(12, 17), BetaPrior(4, 24)
    row = table[(table.n1 == 30) & (table.test == "bayes")].iloc[0]
    assert row["assurance"] == pytest.approx(
        assurance(decision_region(30, 26, 0.95), treated, control), abs=1e-12)
    row = table[(table.n1 == 40) & (table.test == "fisher")].iloc[0]
    assert row["assurance"] == pytest.approx(
        assurance(success_region(40, 26, test="fisher"), treated, control), abs=1e-12)
    assert (table[["prior_treated_a", "prior_treated_b", "prior_control_a",
                   "prior_control_b"]] == [12, 17, 4, 24]).all().all()
    assert (table["margin"] == 0.2).all()
    fisher, bayes = table[table.test == "fisher"], table[table.test == "bayes"]
    assert fisher["threshold"].isna().all() and (fisher["alpha"] == 0.05).all()
    assert bayes["alpha"].isna().all() and (bayes["threshold"] == 0.95).all()


def test_priors_given_directly_replace_the_pilot(capsys):
    assert main(["power", "assurance", "--n1", "27", "--n2", "26", "--prior-treated", "12,17",
                 "--prior-control", "4,24"]) == 0
    shown = capsys.readouterr().out
    assert "0.5265" in shown and "Beta(12, 17)" in shown


@pytest.mark.parametrize("args, said", [
    (["--pilot", "30/27,3/26"], "--pilot: '30/27,3/26' — is not the counts of a pilot"),
    (["--prior-treated", "1,-2", "--prior-control", "1,1"], "--prior-treated: '1,-2'"),
    (["--prior-treated", "1,2"], "--prior-control"),
    (["--test", "boschlo"], "--test: 'boschlo'"),
    (["--threshold", "1.5"], "--threshold: '1.5' — is not a probability"),
    (["--n1", "2.5"], "not a whole number"),
])
def test_bad_options_exit_two_with_a_message(args, said, capsys):
    assert main(["power", "assurance", "--n1", "27", *args]) == 2
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err


def test_an_existing_file_is_never_written_over(tmp_path, capsys):
    mine = tmp_path / "mine.csv"
    mine.write_text("my numbers\n")
    assert main(["power", "assurance", "--n1", "27", "--out", str(mine)]) == 2
    assert mine.read_text() == "my numbers\n"
    assert "exists" in capsys.readouterr().err


def test_ctrl_c_keeps_and_writes_the_finished_cells(tmp_path, capsys, monkeypatch):
    from t1dtrial.design import bayes

    real, calls = bayes.assurance_row, []

    def interrupted_on_the_third(*args, **kwargs):
        calls.append(args[:2])
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(bayes, "assurance_row", interrupted_on_the_third)
    out = tmp_path / "partial.csv"
    assert main(["power", "assurance", "--n1", "20,25,30,35", "--out", str(out)]) == 130
    table = pd.read_csv(out)
    assert table["n1"].tolist() == [20, 25]
    assert "interrupted: 2 of 4 cells done and written" in capsys.readouterr().out


def test_ctrl_c_after_one_size_writes_the_table_and_report_without_a_curve(tmp_path, capsys,
                                                                           monkeypatch):
    from t1dtrial.design import bayes

    real, calls = bayes.assurance_row, []

    def interrupted_on_the_second(*args, **kwargs):
        calls.append(args[:2])
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(bayes, "assurance_row", interrupted_on_the_second)
    out, figure, report = tmp_path / "a.csv", tmp_path / "a.svg", tmp_path / "a.html"
    assert main(["power", "assurance", "--n1", "20,25,30", "--out", str(out), "--figure",
                 str(figure), "--report", str(report)]) == 130
    assert pd.read_csv(out)["n1"].tolist() == [20]
    assert report.is_file() and not figure.exists()  # one size: no curve to draw
    assert "interrupted: 1 of 3 cells done" in capsys.readouterr().out

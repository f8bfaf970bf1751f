"""`t1dtrial analyze` on data that cannot support every analysis: exit 0, every table, notes."""

from __future__ import annotations

import shutil

import pandas as pd

from t1dtrial.analysis import CONTRACT_TABLES
from t1dtrial.cli import main
from t1dtrial.datasets import lu2021_path
from t1dtrial.errors import EstimationError


def _interim_cut(tmp_path):
    """The packaged twin with every measurement after month 6 removed."""
    folder = tmp_path / "interim"
    shutil.copytree(lu2021_path(), folder)
    m = pd.read_csv(folder / "measurements.csv", dtype=str, keep_default_na=False)
    m.loc[m["visit"].isin(["BL", "M1", "M3", "M6"])].to_csv(folder / "measurements.csv",
                                                            index=False)
    return folder


def test_an_interim_cut_is_analysed_and_says_what_was_not_estimable(tmp_path, capsys):
    out = tmp_path / "res"
    assert main(["analyze", str(_interim_cut(tmp_path)), "--out", str(out)]) == 0
    screen = capsys.readouterr()
    assert "Traceback" not in screen.err
    for name in CONTRACT_TABLES:
        assert (out / "tables" / f"{name}.csv").is_file(), name
    logistic = pd.read_csv(out / "tables" / "logistic_regression.csv")
    assert logistic["method"].str.startswith("not estimable: only one outcome value").all()
    notes = (out / "notes.txt").read_text(encoding="utf-8")
    assert ("Not estimable in logistic_regression (2 rows, scale per 0.1 nmol/L, per 10^6 cells/kg; "
            "term BFCP (per 0.1 nmol/L), CUMDOSE (per 10^6 cells/kg)): only one outcome value "
            "among the analysed rows (all 0); expected both 0 and 1 present.") in notes
    assert "Not estimable in logistic_regression" in " ".join(screen.out.split())
    mmrm = pd.read_csv(out / "tables" / "mmrm.csv")
    assert sorted(set(mmrm["visit"])) == ["M1", "M3", "M6"]


def test_an_estimation_error_reaching_the_command_line_is_our_fault(tmp_path, capsys, monkeypatch):
    import t1dtrial.analysis

    def escaped(*args, **kwargs):
        raise EstimationError("mmrm", "data", "3 visits", "the mixed model did not converge")

    monkeypatch.setattr(t1dtrial.analysis, "analyze", escaped)
    assert main(["demo", "--out", str(tmp_path / "demo")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("internal error (please report it): an estimate failed outside the "
                          "analysis that should have reported it as not estimable: mmrm():data: "
                          "'3 visits' — the mixed model did not converge")
    assert not (tmp_path / "demo").exists()

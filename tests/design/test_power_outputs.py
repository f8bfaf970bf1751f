"""Every ``t1dtrial power`` command writes its CSV, power curve and design report as new files."""

from __future__ import annotations

import pandas as pd
import pytest

from t1dtrial.cli import main


@pytest.mark.parametrize("command", [
    ["binary", "--n1", "10:40:10", "--p1", "0.4", "--p2", "0.08", "--test", "fisher,boschloo"],
    ["continuous", "--n1", "10:30:10", "--delta", "0.8", "--sims", "500"],
    ["assurance", "--n1", "20,40", "--test", "fisher,bayes"],
    ["scenario", "--protocol", "lu2021", "--n-per-arm", "20,30,40", "--sims", "40", "--seed", "3"],
])
def test_csv_curve_and_report_are_written(command, tmp_path, capsys):
    out, figure, report = tmp_path / "p.csv", tmp_path / "p.svg", tmp_path / "p.html"
    assert main(["power", *command, "--out", str(out), "--figure", str(figure),
                 "--report", str(report)]) == 0
    assert len(pd.read_csv(out)) >= 3
    assert figure.read_text().startswith("<?xml") and "<svg" in figure.read_text()
    page = report.read_text()
    measure = "Assurance" if command[0] == "assurance" else "Power"
    assert f"{measure} against the number of participants" in page
    assert "Participants needed for 80 %" in page and "<script" not in page
    if command[0] == "scenario":  # run from a protocol: the study comes first
        assert page.index("The study the design starts from") < page.index("Power of each design")
        assert "Clinical remission" in page and "Participants by arm" in page
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv", "p.html", "p.svg"]


def test_outputs_are_refused_before_any_work(tmp_path, capsys):
    mine = tmp_path / "mine.html"
    mine.write_text("the user's")
    code = main(["power", "binary", "--n1", "10,20", "--p1", "0.4", "--p2", "0.1",
                 "--out", str(tmp_path / "p.csv"), "--report", str(mine)])
    assert code == 2 and mine.read_text() == "the user's"
    assert not (tmp_path / "p.csv").exists()  # nothing written when one output is refused
    assert "--report" in capsys.readouterr().err
    assert main(["power", "binary", "--n1", "27", "--p1", "0.4", "--p2", "0.1",
                 "--figure", str(tmp_path / "one.svg")]) == 2
    assert "more than one number of participants" in capsys.readouterr().err
    assert main(["power", "binary", "--n1", "10,20", "--p1", "0.4", "--p2", "0.1",
                 "--figure", str(tmp_path / "curve.pdf")]) == 2
    assert ".svg or .png" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.html"]


def test_ctrl_c_writes_the_finished_cells_and_exits_130(tmp_path, capsys, monkeypatch):
    import t1dtrial.design.grid as grid

    real, calls = grid.exact_power, []

    def interrupted_after_three(*args, **kwargs):
        calls.append(args)
        if len(calls) > 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(grid, "exact_power", interrupted_after_three)
    out = tmp_path / "p.csv"
    assert main(["power", "binary", "--n1", "10:60:10", "--p1", "0.4", "--p2", "0.1",
                 "--out", str(out), "--report", str(tmp_path / "p.html")]) == 130
    assert list(pd.read_csv(out)["n1"]) == [10, 20, 30]
    assert "3 of 6 cells missing" in capsys.readouterr().out
    assert "Power of each design" in (tmp_path / "p.html").read_text()


def test_a_long_file_name_is_written_and_one_too_long_is_refused_by_name(tmp_path, capsys):
    long_name = tmp_path / ("p" * 240 + ".csv")  # a legal name whose hidden sibling is longer
    args = ["power", "binary", "--n1", "10", "--p1", "0.4", "--p2", "0.1"]
    assert main([*args, "--out", str(long_name)]) == 0
    assert pd.read_csv(long_name)["n1"].tolist() == [10]
    too_long = tmp_path / ("q" * 300 + ".csv")
    assert main([*args, "--out", str(too_long)]) == 2
    assert "longer than 255 bytes" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == [long_name.name]

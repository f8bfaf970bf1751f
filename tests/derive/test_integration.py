"""Derivations on simulated trials agree with the simulator's truth; the derive command."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from t1dtrial.cli import main
from t1dtrial.data import load_folder
from t1dtrial.datasets import lu2021_path
from t1dtrial.derive import OUTPUT_FILES, derive_all
from t1dtrial.outputs import MARKER
from t1dtrial.simulate import simulate_to_folder


def _derive(folder, protocol="lu2021"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return derive_all(load_folder(folder, protocol))


def _remission(derived, name="REMISS"):
    e = derived.adeff
    rows = e.loc[(e.PARAMCD == name) & (e.ANL01FL == "Y")].set_index("USUBJID")
    return rows["AVALC"].astype(object).map({"Y": "1", "N": "0", "": ""})


def _assert_matches_truth(derived, truth):
    truth = truth.set_index("subject_id")
    mine = _remission(derived).reindex(truth.index)
    expected = truth["remission_noisy"].fillna("").astype(str).str.replace(".0", "", regex=False)
    pd.testing.assert_series_equal(mine, expected, check_names=False)
    assert "INSFREE" not in set(derived.adeff.PARAMCD)
    episodes = derived.adtte.loc[derived.adtte.PARAMCD == "INSFREE"].set_index("USUBJID")
    free = truth.loc[truth["insulin_free"].astype(int) == 1]
    assert sorted(episodes.index) == sorted(free.index)
    episodes = episodes.reindex(free.index)
    assert (episodes["STARTDT"].dt.strftime("%Y-%m-%d") == free["insulin_free_start"]).all()
    ongoing = free["insulin_free_end"].fillna("").astype(str) == ""
    assert (episodes["CNSR"].to_numpy() == ongoing.to_numpy().astype(int)).all()
    ended = ~ongoing.to_numpy()
    assert (episodes["ADT"].dt.strftime("%Y-%m-%d").to_numpy()[ended]
            == free["insulin_free_end"].to_numpy()[ended]).all()


def test_packaged_twin_remission_and_episodes_equal_its_truth():
    folder = lu2021_path()
    derived = _derive(folder)
    _assert_matches_truth(derived, pd.read_csv(folder / "truth.csv", dtype=str,
                                               keep_default_na=False))
    rem = _remission(derived)
    msc = derived.adsl.set_index("USUBJID")["TRT01P"] == "MSC"
    assert (rem[msc[msc].index] == "1").sum() == 11 and msc.sum() == 27


@pytest.mark.parametrize("seed, options", [
    (11, {}),
    (12, {"dropout_per_year": 0.3, "missed_visit_probability": 0.2}),
    (13, {"n_per_arm": 80}),
])
def test_simulated_trial_remission_and_episodes_equal_truth(tmp_path, seed, options):
    sim = simulate_to_folder(tmp_path / "trial", "lu2021", seed=seed, **options)
    derived = _derive(tmp_path / "trial")
    _assert_matches_truth(derived, sim.truth)
    if options.get("missed_visit_probability"):
        assert (_remission(derived) == "").any()  # missing stays missing


def test_derive_command_writes_every_file(tmp_path, capsys):
    out = tmp_path / "derived"
    rc = main(["derive", str(lu2021_path()), "--protocol", "lu2021", "--out", str(out)])
    assert rc == 0
    assert sorted(p.name for p in out.iterdir()) == sorted([MARKER, *OUTPUT_FILES])
    shown = capsys.readouterr().out
    assert "ADSL rows" in shown and "53" in shown
    adsl = pd.read_csv(out / "adsl.csv")
    assert len(adsl) == 53 and set(adsl.FASFL) == {"Y"}
    log = pd.read_csv(out / "derivation_log.csv")
    assert log.loc[(log.dataset == "ADLB") & (log.outcome == "read"), "n"].item() == \
        len(pd.read_csv(lu2021_path() / "measurements.csv"))


def test_derive_command_with_data_cut_censors_episodes(tmp_path):
    out = tmp_path / "derived"
    assert main(["derive", str(lu2021_path()), "--out", str(out), "--data-cut",
                 "2018-01-01"]) == 0
    adtte = pd.read_csv(out / "adtte.csv")
    episodes = adtte.loc[adtte.PARAMCD == "INSFREE"]
    assert len(episodes) and (pd.to_datetime(episodes.ADT) <= pd.Timestamp("2018-01-01")).all()
    assert np.isin(episodes.CNSR, [0, 1]).all()


def test_derive_command_refuses_a_non_empty_output(tmp_path, capsys):
    out = tmp_path / "derived"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    rc = main(["derive", str(lu2021_path()), "--out", str(out), "--overwrite"])
    assert rc == 2
    assert "is not empty (1 item(s): keep.txt) and t1dtrial did not write it" in \
        capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]


def test_derive_command_reports_a_bad_data_cut(tmp_path, capsys):
    rc = main(["derive", str(lu2021_path()), "--out", str(tmp_path / "d"), "--data-cut", "soon"])
    assert rc == 2
    assert "The 'data_cut' parameter of derive_all must be an ISO date" in capsys.readouterr().err
    assert not (tmp_path / "d").exists()


def test_derive_command_reports_a_missing_data_folder(tmp_path, capsys):
    rc = main(["derive", str(tmp_path / "nowhere"), "--out", str(tmp_path / "d")])
    assert rc == 2
    assert "nowhere" in capsys.readouterr().err
    assert not (tmp_path / "d").exists()


def test_derive_help_ends_with_an_example(capsys):
    assert main(["derive", "--help"]) == 0
    assert "Example: t1dtrial derive exports/ --protocol lu2021 --out derived/" in \
        capsys.readouterr().out


def test_the_study_day_in_a_window_warning_is_the_ady_of_adlb(tmp_path):
    import re
    import sys
    import warnings
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1] / "data"))
    import data_example as example

    from t1dtrial.data import load_folder
    from t1dtrial.derive import derive_all

    tables = example.make_tables()
    m = tables["measurements"]
    i = m.index[(m.subject_id == "S02") & (m.visit == "M6") & (m.param == "FCP")][0]
    m.loc[i, "date"] = "2021-12-31"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trial = load_folder(example.write_tables(tables, tmp_path / "d"), "lu2021")
    warning = next(w for w in trial.load_log.warnings if "outside the window" in w.problem)
    shown = int(re.search(r"study day (\d+)", warning.problem).group(1))
    adlb = derive_all(trial).adlb
    row = adlb.loc[(adlb.USUBJID == "S02") & (adlb.PARAMCD == "FCP") & (adlb.VISIT == "M6")]
    assert row["ADY"].tolist() == [shown]

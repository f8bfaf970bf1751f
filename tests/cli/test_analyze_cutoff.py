"""`t1dtrial analyze --cutoff` and the provenance of folder and store runs."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from t1dtrial.cli import main
from t1dtrial.datasets import lu2021_path


@pytest.fixture(scope="module")
def cut_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cut") / "out"
    rc = main(["analyze", str(lu2021_path()), "--cutoff", "2017-12-31", "--out", str(out)])
    return rc, out


def test_cutoff_run_exits_0_and_records_the_cut_and_the_command_line(cut_run):
    rc, out = cut_run
    assert rc == 0
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["data_cutoff"] == "2017-12-31" and prov["data_cut"] == "2017-12-31"
    assert prov["command_line"] == ["t1dtrial", "analyze", str(lu2021_path()), "--cutoff",
                                    "2017-12-31", "--out", str(out)]
    assert prov["input"]["store"] == {}


def test_cutoff_exclusions_are_counted_in_disposition_and_notes(cut_run):
    _, out = cut_run
    disp = pd.read_csv(out / "tables" / "disposition.csv")
    rows = disp.loc[disp["reason"].astype(str).str.contains("data cut-off"), ["reason", "n"]]
    counts = dict(zip(rows["reason"], rows["n"]))
    assert counts["subjects: enrolled after the data cut-off (2017-12-31)"] == 1
    assert counts["measurements: dated after the data cut-off (2017-12-31)"] == 525
    notes = (out / "notes.txt").read_text()
    assert ("Data cut-off 2017-12-31: records dated after it are excluded (1 participants, "
            "567 measurements, 6 infusions, 18 adverse events)") in notes
    adsl = pd.read_csv(out / "adam" / "adsl.csv")
    assert len(adsl) == 52


def test_a_cutoff_that_is_not_a_date_exits_2(tmp_path, capsys):
    rc = main(["analyze", str(lu2021_path()), "--cutoff", "31.12.2017", "--out",
               str(tmp_path / "o")])
    assert rc == 2
    assert "--cutoff: '31.12.2017' — not a date; expected an ISO date such as 2021-06-30" in \
        capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_store_run_records_store_import_label_and_as_of(tmp_path):
    db = tmp_path / "study.duckdb"
    assert main(["import", str(lu2021_path()), "--store", str(db), "--label", "DSMB cut 1"]) == 0
    out = tmp_path / "out"
    assert main(["analyze", "--store", str(db), "--as-of", "2099-12-31", "--out", str(out)]) == 0
    prov = json.loads((out / "provenance.json").read_text())
    store = prov["input"]["store"]
    assert store["path"] == str(db.resolve()) and store["import_id"] == 1
    assert store["label"] == "DSMB cut 1" and store["as_of"] == "2099-12-31"
    assert prov["data_cutoff"] is None


def test_folder_options_with_a_store_are_refused_not_ignored(tmp_path, capsys):
    db = tmp_path / "study.duckdb"
    assert main(["import", str(lu2021_path()), "--store", str(db)]) == 0
    capsys.readouterr()
    rc = main(["analyze", "--store", str(db), "--drop-identifiers", "--allow-column", "Cell",
               "--out", str(tmp_path / "o")])
    assert rc == 2
    assert ("--store: '--drop-identifiers, --allow-column' — applies to reading a data folder; a "
            "store holds data already validated and screened for identifiers at import; expected "
            "either DATA (with these options) or --store, not both") in capsys.readouterr().err
    assert not (tmp_path / "o").exists()

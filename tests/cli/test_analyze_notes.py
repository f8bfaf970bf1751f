"""notes.txt: what loading kept, flagged and left out reaches the reader, counted as disposition
counts it; warnings reach the terminal as one line each, never with source lines."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest

from t1dtrial.cli import main
from t1dtrial.datasets import lu2021_path


@pytest.fixture(scope="module")
def flagged_run(tmp_path_factory):
    """The twin with an out-of-window M6 visit, a repeated row, a missing HbA1c baseline, one FAS
    participant without M12 and one participant outside the FAS (no baseline C-peptide) without M12."""
    root = tmp_path_factory.mktemp("notes")
    data = root / "data"
    shutil.copytree(lu2021_path(), data)
    m = pd.read_csv(data / "measurements.csv", dtype=str, keep_default_na=False)
    m.loc[(m.subject_id == "LU2021-003") & (m.visit == "M6"), "date"] = "2017-01-20"
    m = pd.concat([m, m.iloc[[10]]], ignore_index=True)
    drop = (((m.subject_id == "LU2021-005") & (m.visit == "BL") & (m.param == "HBA1C"))
            | ((m.subject_id == "LU2021-007") & (m.visit == "M12"))
            | ((m.subject_id == "LU2021-009") & (m.visit.isin(["BL", "M12"]))
               & m.param.isin(["FCP", "PCP"])))
    m.loc[~drop].to_csv(data / "measurements.csv", index=False, lineterminator="\n")
    out = root / "out"
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        rc = main(["analyze", str(data), "--out", str(out)])
    return rc, out, err.getvalue()


def test_the_run_exits_0(flagged_run):
    rc, _, err = flagged_run
    assert rc == 0, err


def test_warnings_reach_the_terminal_as_one_line_each_without_source_lines(flagged_run):
    _, _, err = flagged_run
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines and all(line.startswith("warning: ") for line in lines), err
    assert not re.search(r"\.py:\d+:", err)
    assert any("LU2021-003" in line and "outside the window of visit M6" in line for line in lines)


def test_notes_name_the_window_value_used_the_missing_baseline_and_the_repeat(flagged_run):
    _, out, _ = flagged_run
    notes = (out / "notes.txt").read_text()
    assert re.search(r"Analysis visits: 9 analysis value\(s\) of 1 participant\(s\) were measured "
                     r"outside their visit window and are used .*: LU2021-003 at M6 \(FCP, PCP, "
                     r"HBA1C, INSULIN, WEIGHT, FPG, PPG, INSDOSE, IDAA1C\)\.", notes)
    assert re.search(r"Input: \d+ participant\(s\) lack a baseline value .*LU2021-005", notes)
    assert re.search(r"Input warning: measurements\.csv:\d+-\d+:date \(participant LU2021-003, "
                     r"visit M6, FCP, PCP, HBA1C, INSULIN, WEIGHT, FPG, PPG\): '2017-01-20' — 7 rows: "
                     r"measured on study day \d+, outside the window of visit M6", notes)


def test_rows_not_used_agree_between_notes_and_disposition(flagged_run):
    _, out, _ = flagged_run
    notes = (out / "notes.txt").read_text()
    disp = pd.read_csv(out / "tables" / "disposition.csv")
    rows = disp.loc[(disp.stage == "input rows excluded at loading") & (disp.arm == "all")]
    assert rows[["reason", "n"]].values.tolist() == [
        ["measurements: the same value is already recorded", 1]]
    assert ("Input: 1 row(s) read but not used (measurements: the same value is already "
            "recorded 1); see disposition.csv.") in notes


def test_the_missing_primary_endpoint_is_counted_as_disposition_counts_it(flagged_run):
    _, out, _ = flagged_run
    notes = (out / "notes.txt").read_text()
    disp = pd.read_csv(out / "tables" / "disposition.csv")
    fas_missing = disp.loc[(disp.stage == "primary endpoint missing") & (disp.arm == "all")
                           & disp.reason.isna(), "n"].item()
    found = re.search(r"the primary endpoint is missing at M12 for (\d+) subject\(s\) of the full "
                      r"analysis set \(and (\d+) subject\(s\) outside it\)", notes)
    assert found, notes
    assert int(found.group(1)) == fas_missing == 1 and int(found.group(2)) == 1

"""Properties: exact write-then-read round trips; only our errors on arbitrary input bytes."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from t1dtrial.data import Trial, load_folder, write_folder
from t1dtrial.data._raw import MISSING_MARKERS
from t1dtrial.data.identifiers import cell_kind
from t1dtrial.data.units import accepted_units, from_canonical, to_canonical
from t1dtrial.errors import InputError, InputWarning

#: Free text that is no e-mail address or phone number (those are refused as identifiers)
#: and no missing-value marker (NA, NaN, ., which are read as missing by design).
_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
                min_size=1, max_size=12).map(str.strip).filter(
                    lambda t: bool(t) and cell_kind(t) is None and t not in MISSING_MARKERS)


def _load(folder: Path) -> Trial:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        return load_folder(folder, "lu2021")


@st.composite
def valid_tables(draw, example):
    """A valid raw trial: any size, units, dropped rows, below-LOD values and extra columns."""
    tables = example.make_tables(draw(st.integers(1, 6)), draw(st.integers(0, 2**32 - 1)))
    m = tables["measurements"].copy()
    keep = draw(st.lists(st.booleans(), min_size=len(m), max_size=len(m)))
    keep[0] = True
    m = m[np.array(keep)].reset_index(drop=True)
    weight = m["subject_id"].map(tables["subjects"].set_index("subject_id")["weight_kg"].astype(float))
    for param in m["param"].unique():
        rows = m.index[m["param"] == param]
        unit = draw(st.sampled_from(accepted_units(param)))
        old = m.loc[rows, "unit"].iloc[0]
        canon = to_canonical(m.loc[rows, "value"].astype(float), old, param,
                             weight_kg=weight[rows].to_numpy())
        new = from_canonical(canon, unit, param, weight_kg=weight[rows].to_numpy())
        m.loc[rows, "value"] = [repr(float(v)) for v in new]
        m.loc[rows, "unit"] = unit
    lod = draw(st.lists(st.integers(0, len(m) - 1), max_size=3, unique=True))
    for i in lod:
        if m.loc[i, "param"] in ("FCP", "PCP"):
            m.loc[i, "value"] = "<" + m.loc[i, "value"]
    tables["measurements"] = m
    if draw(st.booleans()):
        tables["subjects"]["note"] = draw(st.lists(_TEXT, min_size=len(tables["subjects"]),
                                                   max_size=len(tables["subjects"])))
    if draw(st.booleans()):
        del tables["insulin_free"]
    return tables


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_write_then_read_round_trips_exactly(example, data):
    tables = data.draw(valid_tables(example))
    with tempfile.TemporaryDirectory() as tmp:
        first_dir, second_dir = Path(tmp) / "a", Path(tmp) / "b"
        write_folder(tables, first_dir)
        first = _load(first_dir)
        write_folder(first, second_dir)
        second = _load(second_dir)
    for name in Trial.TABLE_NAMES:
        assert_frame_equal(first.tables[name], second.tables[name], check_exact=True, obj=name)
    assert first.load_log.conversions == second.load_log.conversions
    assert first.load_log.below_lod == second.load_log.below_lod
    m = tables["measurements"]
    assert first.measurements["value_raw"].tolist() == m["value"].tolist()
    assert first.measurements["subject_id"].tolist() == m["subject_id"].tolist()
    if "note" in tables["subjects"]:
        assert first.subjects["note"].tolist() == tables["subjects"]["note"].tolist()


_TABLE_FILES = ["subjects.csv", "measurements.csv", "infusions.csv", "adverse_events.csv",
                "insulin_free.csv"]


@st.composite
def damaged_bytes(draw, original: bytes, frame: pd.DataFrame):
    """Arbitrary bytes; the valid file with text or bytes spliced in, or cut; or arbitrary
    text in a few cells of the valid table."""
    kind = draw(st.sampled_from(["bytes", "splice-text", "splice-bytes", "truncate", "cells"]))
    if kind == "cells":
        out = frame.copy()
        for _ in range(draw(st.integers(1, 3))):
            r = draw(st.integers(0, len(out) - 1))
            c = draw(st.integers(0, len(out.columns) - 1))
            out.iloc[r, c] = draw(st.text(max_size=15))
        return out.to_csv(index=False, lineterminator="\n").encode("utf-8", "surrogatepass")
    if kind == "bytes":
        return draw(st.binary(max_size=400))
    at = draw(st.integers(0, len(original)))
    if kind == "truncate":
        return original[:at]
    insert = (draw(st.text(max_size=20)).encode("utf-8") if kind == "splice-text"
              else draw(st.binary(min_size=1, max_size=20)))
    return original[:at] + insert + original[at:]


@pytest.mark.parametrize("file", _TABLE_FILES)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_validation_raises_only_our_errors_on_arbitrary_bytes(example, file, data):
    with tempfile.TemporaryDirectory() as tmp:
        tables = example.make_tables(3, 1)
        folder = example.write_tables(tables, Path(tmp) / "d")
        original = (folder / file).read_bytes()
        frame = tables[file.removesuffix(".csv")]
        (folder / file).write_bytes(data.draw(damaged_bytes(original, frame)))
        try:
            trial = _load(folder)
        except InputError as exc:
            assert exc.problems and all(p.file for p in exc.problems)
        else:
            assert isinstance(trial, Trial)

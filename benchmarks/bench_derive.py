"""How long the ADaM derivations take at registry scale, and whether time grows linearly.

Target (issue: derivations): 100,000 subjects x 6 visits x 5 parameters
(3,000,000 measurement records) derive in under 10 s on this 2-core machine,
growing linearly. Timed: :func:`t1dtrial.derive.derive_all` (ADLB, ADSL,
ADEFF with insulin-free episodes, ADAE, the exclusions and the log) on an
in-memory trial in canonical form (the lu2021 protocol: visits BL, M1, M3,
M6, M9, M12; FCP, PCP, HBA1C, INSULIN, WEIGHT; two infusions in the MSC arm;
one adverse event per ten subjects; insulin-free episodes for 2 %).

The baseline, run in the same process and interleaved, is one pandas
``groupby(["subject_id", "param", "visit"])["value"].mean()`` over the same
measurement frame: the ratio says how many such passes a full derivation costs.

Run: ``.venv/bin/python benchmarks/bench_derive.py`` (``--sizes 10000 30000`` to choose).
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd

from t1dtrial.derive import derive_all
from t1dtrial.protocol import load_protocol

SIZES = (10_000, 30_000, 100_000)
REPEATS = 3
TARGET_S = 10.0
PARAMS = ("FCP", "PCP", "HBA1C", "INSULIN", "WEIGHT")


def make_trial(n: int, seed: int = 1) -> SimpleNamespace:
    """A canonical-form trial of ``n`` subjects (vectorised, no per-subject loop)."""
    rng = np.random.default_rng(seed)
    protocol = load_protocol("lu2021")
    ids = np.char.add("S", np.arange(n).astype(str)).astype(object)
    msc = np.arange(n) % 2 == 0
    enrol = np.datetime64("2020-01-01") + rng.integers(0, 700, n).astype("timedelta64[D]")
    subjects = pd.DataFrame({
        "subject_id": ids, "arm": np.where(msc, "MSC", "CONTROL").astype(object),
        "sex": np.where(rng.random(n) < 0.5, "M", "F").astype(object),
        "age_at_onset": rng.uniform(8, 40, n).round(1),
        "diagnosis_date": enrol - rng.integers(10, 300, n).astype("timedelta64[D]"),
        "enrolment_date": enrol, "weight_kg": rng.uniform(30, 90, n).round(1),
        "height_cm": np.nan, "site": "S01", "status": "completed",
        "withdrawal_date": pd.NaT, "withdrawal_reason": None,
    })
    m_ids = ids[msc]
    infusions = pd.DataFrame({
        "subject_id": np.repeat(m_ids, 2), "infusion_number": np.tile([1, 2], m_ids.size),
        "date": np.repeat(enrol[msc], 2) + np.tile(np.array([0, 91], "timedelta64[D]"), m_ids.size),
        "cells_per_kg": rng.uniform(0.5e6, 2e6, 2 * m_ids.size), "total_cells": np.nan,
        "lot_id": "L1", "route": "intravenous",
    })
    visits = protocol.visits
    k, p = len(visits), len(PARAMS)
    rows = n * k * p
    subj = np.repeat(np.arange(n), k * p)
    vis = np.tile(np.repeat(np.arange(k), p), n)
    par = np.tile(np.arange(p), n * k)
    day0 = enrol  # infusions start at enrolment here
    days = np.array([v.day for v in visits])[vis] + rng.integers(-3, 4, rows)
    days[vis == 0] = -rng.integers(0, 5, int((vis == 0).sum()))
    centre = np.array([0.3, 0.6, 7.5, 0.5, 60.0])[par]
    values = np.round(centre * rng.lognormal(0, 0.2, rows), 3)
    values[(par == 3) & (rng.random(rows) < 0.01)] = 0.0  # some zero insulin doses
    measurements = pd.DataFrame({
        "subject_id": ids[subj], "visit": np.array([v.code for v in visits], object)[vis],
        "date": day0[subj] + days.astype("timedelta64[D]"),
        "param": np.array(PARAMS, dtype=object)[par], "value": values,
        "unit": np.array(["nmol/L", "nmol/L", "%", "U/kg/day", "kg"], dtype=object)[par],
        "below_lod": False, "out_of_window": False, "source_file": "measurements.csv",
        "source_row": np.arange(rows) + 2,
    })
    ae_subj = rng.choice(n, n // 10)
    adverse_events = pd.DataFrame({
        "subject_id": ids[ae_subj],
        "term": rng.choice(np.array(["fever", "headache", "rash", "cold"], object), ae_subj.size),
        "onset_date": enrol[ae_subj] + rng.integers(0, 300, ae_subj.size).astype("timedelta64[D]"),
        "end_date": pd.NaT, "severity": "mild", "serious": "N", "related": "possible",
    })
    free_subj = np.flatnonzero(msc & (rng.random(n) < 0.04))
    start = enrol[free_subj] + rng.integers(30, 120, free_subj.size).astype("timedelta64[D]")
    insulin_free = pd.DataFrame({
        "subject_id": ids[free_subj], "start_date": start,
        "end_date": start + rng.integers(60, 300, free_subj.size).astype("timedelta64[D]"),
    })
    return SimpleNamespace(protocol=protocol, subjects=subjects, measurements=measurements,
                           infusions=infusions, adverse_events=adverse_events,
                           insulin_free=insulin_free)


def _baseline(trial: SimpleNamespace) -> float:
    start = time.perf_counter()
    trial.measurements.groupby(["subject_id", "param", "visit"])["value"].mean()
    return time.perf_counter() - start


def _derive(trial: SimpleNamespace) -> float:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        derive_all(trial)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--repeats", type=int, default=REPEATS)
    args = parser.parse_args()
    results = []
    for n in args.sizes:
        trial = make_trial(n)
        _derive(make_trial(200))  # warm imports and caches
        base, der = [], []
        for _ in range(args.repeats):  # interleave so both see the same machine load
            base.append(_baseline(trial))
            der.append(_derive(trial))
        b, d = statistics.median(base), statistics.median(der)
        rows = len(trial.measurements)
        results.append((n, rows, d, b))
        print(f"{n:>8,} subjects {rows:>10,} records  derive_all median {d:6.2f} s  "
              f"({d / rows * 1e6:5.2f} us/record)  groupby baseline {b:5.2f} s  "
              f"ratio {d / b:5.1f}x")
    n0, r0, d0, b0 = results[0]
    for n, rows, d, b in results[1:]:
        print(f"growth {n0:,} -> {n:,}: size x{rows / r0:.1f}, derive time x{d / d0:.2f}, "
              f"baseline time x{b / b0:.2f}")
    largest = results[-1]
    verdict = "within" if largest[2] < TARGET_S else "ABOVE"
    print(f"{largest[0]:,} subjects: {largest[2]:.2f} s, {verdict} the {TARGET_S:.0f} s target")


if __name__ == "__main__":
    main()

"""Write the three-arm reference datasets (low dose, high dose, control) for ``multiarm.R``.

Run once (the outputs are committed): ``python tests/reference/data/make_multiarm.py``.

``multiarm.csv``: one row a subject, 30 per arm, a responder outcome ``REMISS``
rising with the dose and a two-level subgroup ``SUBGRP`` whose effect differs
by arm. ``multiarm_long.csv``: 16 per arm, a follow-up value at M3, M6 and M12
with a baseline and sex, about one value in ten missing. SYNTHETIC, seeded;
nothing here is patient data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
ARMS = ("CONTROL", "LOW", "HIGH")


def responders(seed: int = 20261127) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arm = np.repeat(ARMS, 30)
    adult = rng.random(arm.size) < 0.55
    base = {"CONTROL": -1.4, "LOW": -0.5, "HIGH": 0.3}
    shift = {"CONTROL": 0.2, "LOW": 0.9, "HIGH": -0.4}  # the adult-onset effect differs by arm
    lin = np.array([base[a] + shift[a] * ad for a, ad in zip(arm, adult)])
    y = (rng.random(arm.size) < 1 / (1 + np.exp(-lin))).astype(int)
    return pd.DataFrame({"USUBJID": [f"S{i:03d}" for i in range(arm.size)], "TRT01P": arm,
                         "SUBGRP": np.where(adult, "adult_onset", "juvenile_onset"),
                         "REMISS": y})


def longitudinal(seed: int = 20261128) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arm = np.repeat(ARMS, 16)
    n = arm.size
    base = rng.normal(0.3, 0.1, n).round(4)
    sex = rng.choice(["F", "M"], n)
    effect = {"CONTROL": 0.0, "LOW": 0.03, "HIGH": 0.06}
    subject = rng.normal(0, 0.06, n)
    rows = []
    for i in range(n):
        for t, (visit, slope) in enumerate((("M3", -0.02), ("M6", -0.05), ("M12", -0.09))):
            if rng.random() < 0.1:
                continue
            value = (base[i] + slope + effect[arm[i]] * (t + 1) / 3 + 0.02 * (sex[i] == "M")
                     + subject[i] + rng.normal(0, 0.03 * (1 + t)))
            rows.append({"USUBJID": f"L{i:03d}", "TRT01P": arm[i], "AVISIT": visit,
                         "AVAL": round(float(value), 4), "BASE": base[i], "SEX": sex[i]})
    return pd.DataFrame(rows)


if __name__ == "__main__":
    responders().to_csv(HERE / "multiarm.csv", index=False)
    longitudinal().to_csv(HERE / "multiarm_long.csv", index=False)

"""Write the reference datasets used by the R cross-check scripts and the tests.

Run once (the outputs are committed): ``python tests/reference/data/make_datasets.py``.

``twin.csv`` / ``twin_long.csv``: a realistic, SYNTHETIC 27-vs-26 trial shaped
like the reference study (Lu et al. 2021), drawn with a fixed seed; it stands
in for the packaged synthetic twin. ``small.csv``: a small hand-made data set.
``separation.csv``: a covariate that perfectly separates the outcome.
``km.csv``: durations with censoring. Nothing here is patient data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
VISITS = [("M1", 1), ("M3", 3), ("M6", 6), ("M9", 9), ("M12", 12)]


def twin(seed: int = 20210340) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n_msc, n_ctl = 27, 26
    n = n_msc + n_ctl
    arm = np.array(["MSC"] * n_msc + ["CONTROL"] * n_ctl)
    adult = rng.permutation(np.r_[np.ones(33, bool), np.zeros(20, bool)])
    age = np.where(adult, rng.uniform(18, 45, n), rng.uniform(6, 17.9, n)).round(1)
    sex = rng.choice(["M", "F"], n)
    dur = rng.integers(30, 365, n)
    weight = np.where(adult, rng.normal(62, 9, n), rng.normal(45, 10, n)).round(1)
    bfcp = np.exp(rng.normal(np.log(0.25) + 0.25 * adult, 0.5, n)).round(3)
    bpcp = (bfcp * np.exp(rng.normal(np.log(2.2), 0.3, n))).round(3)
    dose = np.where(arm == "MSC", rng.uniform(1.5e6, 4.5e6, n) * 2, 0.0).round(-3)
    # remission among MSC: latent logistic in baseline FCP (-) and dose (+); control rare.
    # The published MSC count (11/27) and 3/26 in control are imposed by taking
    # the subjects with the highest latent scores.
    lin = -3.0 * (bfcp - 0.3) + 0.6 * (dose / 1e6 - 6.0)
    latent = np.where(arm == "MSC", lin, 0.0) + rng.logistic(0, 1, n)
    remiss = np.zeros(n, dtype=int)
    for grp, k in (("MSC", 11), ("CONTROL", 3)):
        idx = np.flatnonzero(arm == grp)
        remiss[idx[np.argsort(-latent[idx])[:k]]] = 1
    decline = np.where(adult, 0.20, 0.45) * rng.lognormal(0, 0.3, n)
    effect = np.where(arm == "MSC", 0.12, 0.0) * (1 + remiss)
    long_rows = []
    for code, month in VISITS:
        frac = month / 12
        mean = np.log(bfcp) - (decline - effect) * frac + 0.25 * remiss * frac
        fcp = np.exp(mean + rng.normal(0, 0.18, n)).round(3)
        for i in range(n):
            long_rows.append({"USUBJID": f"T{i + 1:03d}", "AVISIT": code, "AVISITN": month,
                              "AVAL": fcp[i]})
    long = pd.DataFrame(long_rows)
    # intermittent missing visits (about 6 %), never all visits of a subject
    miss = rng.uniform(size=len(long)) < 0.06
    long.loc[miss & (long.AVISIT != "M1"), "AVAL"] = np.nan
    long = long.dropna(subset=["AVAL"])
    wide = pd.DataFrame({"USUBJID": [f"T{i + 1:03d}" for i in range(n)], "TRT01P": arm,
                         "AGEONSET": age, "SEX": sex, "DURDIAG": dur, "WEIGHTBL": weight,
                         "BFCP": bfcp, "BPCP": bpcp, "CUMDOSE": dose, "REMISS": remiss,
                         "SUBGRP": np.where(adult, "adult_onset", "juvenile_onset")})
    m12 = long[long.AVISIT == "M12"].set_index("USUBJID")["AVAL"]
    wide["FCP12"] = wide.USUBJID.map(m12)
    wide["HBA1C12"] = (7.2 - 0.6 * remiss + rng.normal(0, 0.7, n)).round(1)
    # outcome with missing values for multiple imputation (MAR on baseline FCP)
    pmiss = 1 / (1 + np.exp(-(-2.4 + 3.0 * (bfcp - 0.3))))
    wide["REMISS_MI"] = np.where(rng.uniform(size=n) < pmiss, np.nan, remiss)
    wide["FCP12_MI"] = np.where(rng.uniform(size=n) < pmiss, np.nan, wide["FCP12"])
    long = long.merge(wide[["USUBJID", "TRT01P", "BFCP", "SEX", "AGEONSET"]], on="USUBJID")
    long = long.rename(columns={"BFCP": "BASE"})
    return wide, long


def small() -> pd.DataFrame:
    return pd.DataFrame({
        "USUBJID": [f"S{i:02d}" for i in range(1, 13)],
        "TRT01P": ["MSC"] * 6 + ["CONTROL"] * 6,
        "BASE": [0.21, 0.35, 0.18, 0.42, 0.30, 0.26, 0.33, 0.22, 0.40, 0.19, 0.28, 0.37],
        "AVAL": [0.25, 0.39, 0.15, 0.51, 0.33, 0.31, 0.27, 0.16, 0.36, 0.12, 0.22, 0.30],
        "SEX": ["F", "M", "M", "F", "M", "F", "M", "F", "F", "M", "M", "F"],
        "AGEONSET": [22.0, 15.5, 31.0, 19.0, 12.5, 27.0, 24.0, 14.0, 35.0, 16.5, 20.0, 29.0],
        "RESP": [1, 1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0],
        "DOSE": [2.1, 3.4, 1.2, 4.0, 1.5, 2.8, 0, 0, 0, 0, 0, 0],
        "SITE": ["A", "B", "C", "A", "A", "B", "C", "A", "B", "B", "C", "A"],
    })


def separation() -> pd.DataFrame:
    """Remission perfectly predicted by dose above 6e6 cells/kg among 14 subjects."""
    dose = np.array([2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.5, 7.0, 7.5, 8.0, 8.5, 9.0, 9.5])
    bfcp = np.array([0.31, 0.22, 0.40, 0.28, 0.35, 0.19, 0.26, 0.33, 0.24, 0.38, 0.21, 0.29,
                     0.36, 0.27])
    return pd.DataFrame({"RESP": (dose > 6).astype(int), "DOSE": dose, "BFCP": bfcp})


def small_long() -> pd.DataFrame:
    """Ten subjects, three visits, two visits missing; and six subjects (too few for UN)."""
    rng = np.random.default_rng(11)
    rows = []
    for i in range(10):
        arm = "MSC" if i < 5 else "CONTROL"
        base = round(0.2 + 0.03 * i, 3)
        u = rng.normal(0, 0.05)
        for v, month in (("M3", 3), ("M6", 6), ("M12", 12)):
            val = base + (0.04 if arm == "MSC" else -0.02) * month / 12 + u + rng.normal(0, 0.03)
            rows.append({"USUBJID": f"S{i + 1:02d}", "TRT01P": arm, "AVISIT": v, "AVISITN": month,
                         "BASE": base, "AVAL": round(val, 4)})
    d = pd.DataFrame(rows)
    return d.drop(index=[5, 22]).reset_index(drop=True)


def quasi() -> pd.DataFrame:
    """Quasi-complete separation: as :func:`separation`, plus two subjects at the boundary."""
    d = separation()
    extra = pd.DataFrame({"RESP": [0, 1], "DOSE": [6.0, 6.0], "BFCP": [0.30, 0.30]})
    return pd.concat([d, extra], ignore_index=True)


def km() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 40
    t = np.ceil(rng.exponential(200, n))
    c = np.ceil(rng.uniform(60, 400, n))
    time = np.minimum(t, c)
    time[:4] = [30, 30, 61, 61]  # tied times across event and censoring
    event = (t <= c).astype(int)
    event[:4] = [1, 0, 1, 1]
    return pd.DataFrame({"TIME": time, "EVENT": event})


def main() -> None:
    wide, long = twin()
    wide.to_csv(HERE / "twin.csv", index=False)
    long.to_csv(HERE / "twin_long.csv", index=False)
    small().to_csv(HERE / "small.csv", index=False)
    separation().to_csv(HERE / "separation.csv", index=False)
    quasi().to_csv(HERE / "quasi.csv", index=False)
    small_long().to_csv(HERE / "small_long.csv", index=False)
    km().to_csv(HERE / "km.csv", index=False)


if __name__ == "__main__":
    main()

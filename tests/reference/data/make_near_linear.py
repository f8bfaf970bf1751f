"""Write ``near_linear_long.csv``: C-peptide-like trajectories close to linear in time.

Run once (the output is committed):
``python tests/reference/data/make_near_linear.py``.

44 SYNTHETIC subjects (22 a group) observed at M3, M6 and M12. Each subject's
deviation from the mean model is one draw scaled by 1, 2 and 4 at the three
visits, plus a tiny independent error: the within-subject standard deviations
are about 1 : 2 : 4 and the correlations above 0.9999, so the unstructured
covariance is nearly of rank one (but not singular). Nothing here is patient
data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
VISITS = [("M3", 3), ("M6", 6), ("M12", 12)]


def near_linear(seed: int = 20240817, n_per_group: int = 22) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 2 * n_per_group
    arm = np.array(["MSC"] * n_per_group + ["CONTROL"] * n_per_group)
    base = rng.uniform(0.15, 0.6, n).round(4)
    slope = rng.normal(0.0, 0.04, n)  # the subject's own slope per three months
    rows = []
    for i in range(n):
        for visit, month in VISITS:
            scale = month / 3
            mean = 0.9 * base[i] - 0.01 * month + (0.008 * month if arm[i] == "MSC" else 0.0)
            value = mean + scale * slope[i] + rng.normal(0.0, 0.0002)
            rows.append({"USUBJID": f"N{i + 1:02d}", "TRT01P": arm[i], "AVISIT": visit,
                         "AVISITN": month, "BASE": base[i], "AVAL": round(value, 6)})
    return pd.DataFrame(rows)


if __name__ == "__main__":
    near_linear().to_csv(HERE / "near_linear_long.csv", index=False)

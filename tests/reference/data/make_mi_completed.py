"""Write ``mi_completed.csv``: five completed copies of the twin, imputed by t1dtrial.

The imputations themselves cannot match R's; R's ``mice::pool`` is checked on
these *fixed* completed datasets (see ``tests/reference/imputation.R``).
Run once (the output is committed): ``python tests/reference/data/make_mi_completed.py``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from t1dtrial.stats import impute_chained

HERE = Path(__file__).parent


def main() -> None:
    twin = pd.read_csv(HERE / "twin.csv")
    cols = ["USUBJID", "TRT01P", "SEX", "AGEONSET", "BFCP", "REMISS_MI", "FCP12_MI"]
    d = twin[cols].copy()
    d["TRT"] = (d.TRT01P == "MSC").astype(float)
    done = impute_chained(d, columns=["TRT", "SEX", "AGEONSET", "BFCP", "REMISS_MI", "FCP12_MI"],
                          m=5, iterations=10, seed=20240501)
    out = pd.concat([x.assign(IMP=i + 1) for i, x in enumerate(done)], ignore_index=True)
    out.to_csv(HERE / "mi_completed.csv", index=False)


if __name__ == "__main__":
    main()

"""Write the packaged twin's analysis datasets for ``tests/reference/plan.R``.

Run (the outputs are committed): ``.venv/bin/python tests/reference/data/make_plan_inputs.py``.
The R script re-does the analysis plan from these datasets independently;
``tests/analysis/test_plan_reference.py`` compares ``analyze()`` with its output
and checks that these inputs still equal the twin's derivation.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent
ADSL_COLUMNS = ["USUBJID", "TRT01P", "SEX", "AGEONSET", "DURDIAG", "BFCP", "CUMDOSE",
                "SGADONFL", "FASFL", "PPROTFL"]
ADLB_COLUMNS = ["USUBJID", "PARAMCD", "AVISIT", "AVAL", "BASE", "CHG", "PCHG"]
PARAMS = ["FCP", "PCP", "HBA1C", "INSDOSE"]


def plan_inputs() -> dict[str, pd.DataFrame]:
    """ADSL, ADLB and the primary ADEFF records of the packaged twin, as the R script reads them."""
    from t1dtrial.datasets import load_lu2021
    from t1dtrial.derive import derive_all

    d = derive_all(load_lu2021())
    adsl = d.adsl[ADSL_COLUMNS].reset_index(drop=True)
    adlb = d.adlb.loc[d.adlb["PARAMCD"].isin(PARAMS) & d.adlb["ANL01FL"].eq("Y")
                      & d.adlb["AVISIT"].ne("BL"), ADLB_COLUMNS].reset_index(drop=True)
    adeff = d.adeff.loc[d.adeff["PARAMCD"].eq("REMISS") & d.adeff["ANL01FL"].eq("Y"),
                        ["USUBJID", "AVALC"]].reset_index(drop=True)
    return {"plan_adsl": adsl, "plan_adlb": adlb, "plan_adeff": adeff}


if __name__ == "__main__":
    for name, frame in plan_inputs().items():
        frame.to_csv(HERE / f"{name}.csv", index=False, float_format="%.17g")
        print("wrote", HERE / f"{name}.csv", len(frame), "rows")

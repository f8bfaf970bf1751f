"""The MMRM fit does not depend on the order of the input rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from t1dtrial.stats import mmrm

REF = __import__("pathlib").Path(__file__).parents[1] / "reference" / "data"


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_mmrm_is_invariant_to_row_order(seed):
    adsl = pd.read_csv(REF / "plan_adsl.csv")
    adlb = pd.read_csv(REF / "plan_adlb.csv")
    data = adsl[["USUBJID", "TRT01P", "AGEONSET", "SEX"]].merge(
        adlb.loc[adlb["PARAMCD"] == "PCP", ["USUBJID", "AVISIT", "AVAL", "BASE"]], on="USUBJID")
    data = data.assign(AVAL=np.log1p(data["AVAL"]), BASE=np.log1p(data["BASE"]))
    kwargs = dict(subject="USUBJID", visit="AVISIT", outcome="AVAL", group="TRT01P",
                  baseline="BASE", covariates=["AGEONSET", "SEX"], reference="CONTROL",
                  visit_order=["M1", "M3", "M6", "M9", "M12"])
    ordered = mmrm(data.sort_values(["USUBJID", "AVISIT"]).reset_index(drop=True), **kwargs)
    shuffled = mmrm(data.sample(frac=1, random_state=seed).reset_index(drop=True), **kwargs)
    assert "unstructured covariance;" in shuffled["method"].iloc[0]
    assert shuffled["method"].iloc[0] == ordered["method"].iloc[0]
    for col in ("estimate", "se", "ci_low", "ci_high"):
        np.testing.assert_allclose(shuffled[col], ordered[col], rtol=1e-6, err_msg=col)

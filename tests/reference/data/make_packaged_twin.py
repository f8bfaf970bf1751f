"""Write the packaged synthetic twin (src/t1dtrial/datasets/lu2021) as flat reference tables.

``packaged_twin.csv`` (one row a subject: arm, covariates, remission at M12,
log(FCP + 1) at M12), ``packaged_twin_long.csv`` (log(FCP + 1) at every
post-baseline visit with its baseline) and ``packaged_twin_insfree.csv``
(insulin-free episode durations). SYNTHETIC data. Run once; outputs are
committed: ``python tests/reference/data/make_packaged_twin.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from t1dtrial.datasets import load_lu2021
from t1dtrial.derive import derive_all

HERE = Path(__file__).parent


def main() -> None:
    derived = derive_all(load_lu2021())
    adsl, adlb, adeff = derived.adsl, derived.adlb, derived.adeff
    wide = adsl[["USUBJID", "TRT01P", "SEX", "AGEONSET", "DURDIAG", "BFCP", "CUMDOSE", "ONSETGR"]].copy()
    wide["DURDIAG"] = wide["DURDIAG"].astype(float)
    wide["DOSE"] = wide["CUMDOSE"] / 1e6
    wide["LBFCP"] = np.log1p(wide["BFCP"])
    rem = adeff[(adeff.PARAMCD == "REMISS") & (adeff.AVISIT == "M12")].set_index("USUBJID")["AVAL"]
    wide["REMISS"] = wide.USUBJID.map(rem).astype(int)
    fcp = adlb[(adlb.PARAMCD == "FCP") & (adlb.ANL01FL == "Y")]
    m12 = fcp[fcp.AVISIT == "M12"].set_index("USUBJID")["AVAL"]
    wide["LFCP12"] = np.log1p(wide.USUBJID.map(m12))
    wide.to_csv(HERE / "packaged_twin.csv", index=False)
    post = fcp[fcp.AVISIT != "BL"][["USUBJID", "AVISIT", "AVAL"]].merge(
        wide[["USUBJID", "TRT01P", "SEX", "LBFCP"]], on="USUBJID")
    post["AVAL"] = np.log1p(post["AVAL"])
    post = post.rename(columns={"LBFCP": "BASE"})
    post.to_csv(HERE / "packaged_twin_long.csv", index=False)
    eps = derived.adtte[derived.adtte.PARAMCD == "INSFREE"][["USUBJID", "TRT01P", "AVAL", "CNSR"]]
    eps = eps.assign(TIME=eps.AVAL.astype(float), EVENT=1 - eps.CNSR.astype(int))
    eps[["USUBJID", "TRT01P", "TIME", "EVENT"]].to_csv(HERE / "packaged_twin_insfree.csv", index=False)


if __name__ == "__main__":
    main()

"""Subject-level variables every BDS and occurrence dataset carries from ADSL.

ADaM IG: a record's treatment (``TRTP``/``TRTA``) and the population flags
(``FASFL``, ``SAFFL``, ``PPROTFL``) are copied from ADSL into ADLB, ADEFF,
ADTTE and ADAE, so a reviewer can select and group records without a merge.

Examples
--------
>>> import pandas as pd
>>> adsl = pd.DataFrame({"USUBJID": ["A", "B"], "TRT01P": ["MSC", "CONTROL"],
...     "TRT01A": ["MSC", "CONTROL"], "FASFL": ["Y", "Y"], "SAFFL": ["Y", "N"],
...     "PPROTFL": ["N", "Y"]})
>>> lb = pd.DataFrame({"USUBJID": ["B", "A", "B"], "TRT01P": ["CONTROL", "MSC", "CONTROL"],
...                    "AVAL": [1.0, 2.0, 3.0]})
>>> derive_vars_carried(lb, adsl).columns.tolist()
['USUBJID', 'TRT01P', 'TRTP', 'TRTA', 'FASFL', 'SAFFL', 'PPROTFL', 'AVAL']
>>> derive_vars_carried(lb, adsl).SAFFL.tolist()
['N', 'Y', 'N']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import check_frame, text_from_codes

__all__ = ["CARRIED", "derive_vars_carried"]

#: Carried variable -> its ADSL source, in the order they are inserted.
CARRIED = {"TRTP": "TRT01P", "TRTA": "TRT01A", "FASFL": "FASFL", "SAFFL": "SAFFL",
           "PPROTFL": "PPROTFL"}


def derive_vars_carried(frame: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with TRTP, TRTA, FASFL, SAFFL and PPROTFL of its subjects from ADSL.

    Inserted after ``TRT01P`` (else after ``USUBJID``), replacing earlier copies;
    a subject absent from ADSL gets missing values. Rows and their order are
    unchanged.

    Parameters
    ----------
    frame : DataFrame
        A dataset with ``USUBJID``.
    adsl : DataFrame
        ADSL with ``USUBJID`` and the sources of :data:`CARRIED`.

    Returns
    -------
    DataFrame (a new one; ``frame`` is not modified).
    """
    fn = "derive_vars_carried"
    check_frame(frame, "frame", fn, ["USUBJID"])
    check_frame(adsl, "adsl", fn, ["USUBJID", *CARRIED.values()])
    subjects = adsl.drop_duplicates("USUBJID")
    rows = pd.Index(subjects["USUBJID"].astype(str)).get_indexer(
        frame["USUBJID"].astype(str).to_numpy())
    out = frame.drop(columns=[c for c in CARRIED if c in frame.columns])
    anchor = "TRT01P" if "TRT01P" in out.columns else "USUBJID"
    at = list(out.columns).index(anchor) + 1
    found = rows >= 0
    for j, (name, source) in enumerate(CARRIED.items()):
        codes, uniques = pd.factorize(subjects[source].astype(object).to_numpy())
        taken = np.full(len(rows), -1, dtype=np.intp)
        taken[found] = codes[rows[found]]
        out.insert(at + j, name, text_from_codes(uniques, taken))
    return out

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
    codes_of_ids, ids = pd.factorize(frame["USUBJID"])  # few subjects, many records
    at_subject = pd.Index(subjects["USUBJID"].astype(str)).get_indexer(
        np.asarray(ids, dtype=object).astype(str))
    rows = np.where(codes_of_ids >= 0, at_subject[np.maximum(codes_of_ids, 0)], -1) \
        if len(at_subject) else np.full(len(frame), -1, dtype=np.intp)
    found = rows >= 0
    carried = {}
    for name, source in CARRIED.items():
        codes, uniques = pd.factorize(subjects[source].astype(object).to_numpy())
        taken = np.full(len(rows), -1, dtype=np.intp)
        taken[found] = codes[rows[found]]
        carried[name] = text_from_codes(uniques, taken)
    kept = [c for c in frame.columns if c not in CARRIED]
    anchor = "TRT01P" if "TRT01P" in kept else "USUBJID"
    at = kept.index(anchor) + 1
    columns = {c: frame[c].array for c in kept[:at]}
    columns.update(carried)
    columns.update({c: frame[c].array for c in kept[at:]})
    return pd.DataFrame(columns, index=frame.index, copy=False)

"""The mixed model for repeated measures over every post-baseline visit.

For each parameter among the protocol's continuous endpoints (change or
value summaries), over the full analysis set: the follow-up value at each
post-baseline visit ~ treatment x visit + baseline x visit + the protocol's
``ancova_covariates``, with an unstructured within-subject covariance (or a
subject random intercept when that cannot be estimated; ``method`` says which).
C-peptide parameters are also analysed on the log(x + 1) scale. Subjects
contribute every visit they have: missing visits are not imputed (valid under
missing at random).

Examples
--------
>>> from t1dtrial.protocol import load_protocol
>>> mmrm_params(load_protocol("lu2021"))
[('FCP', 'none'), ('FCP', 'log1p'), ('PCP', 'none'), ('PCP', 'log1p'), ('HBA1C', 'none'), ('INSDOSE', 'none')]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import T1DTrialError
from ..protocol import Protocol
from ..stats import mmrm
from ._arms import comparisons, population
from ..derive import is_cpeptide
from .continuous import continuous_endpoints

__all__ = ["mmrm_params", "mmrm_table", "MMRM_COLUMNS"]

MMRM_COLUMNS = ["param", "scale", "visit", "term", "group", "estimate", "ci_low", "ci_high",
                "p_value", "method", "n", "se", "df"]


def mmrm_params(protocol: Protocol) -> list[tuple[str, str]]:
    """``(PARAMCD, scale)`` pairs modelled, in protocol order, without repeats."""
    out: list[tuple[str, str]] = []
    for ep in continuous_endpoints(protocol):
        if ep.summary == "percent_change":
            continue
        scales = ["none", "log1p"] if (is_cpeptide(ep.param) or ep.transform == "log1p") \
            else ["none"]
        for scale in scales:
            if (ep.param, scale) not in out:
                out.append((ep.param, scale))
    return out


def mmrm_table(adsl: pd.DataFrame, adlb: pd.DataFrame, *, protocol: Protocol,
               population_code: str = "FAS", conf_level: float | None = None) -> pd.DataFrame:
    """Least-squares means by visit and arm, and their difference, for each modelled parameter.

    Returns
    -------
    DataFrame
        Columns :data:`MMRM_COLUMNS`; ``term`` is ``lsmean`` or ``difference``.
        A parameter whose model cannot be fitted gets one row saying why.
    """
    level = conf_level if conf_level is not None else protocol.analysis.conf_level
    pairs = comparisons(protocol)
    if not pairs:
        return pd.DataFrame(columns=MMRM_COLUMNS)
    treated, control = pairs[0]
    covs = list(protocol.analysis.ancova_covariates)
    subjects = population(adsl, population_code)
    subjects = subjects.loc[subjects["TRT01P"].isin([treated, control]),
                            ["USUBJID", "TRT01P", *covs]]
    visits = protocol.visit_codes
    post = visits[visits.index(protocol.baseline_visit) + 1:]
    frames = []
    for param, scale in mmrm_params(protocol):
        recs = adlb.loc[(adlb["PARAMCD"] == param) & (adlb["ANL01FL"] == "Y")
                        & adlb["AVISIT"].isin(post), ["USUBJID", "AVISIT", "AVAL", "BASE"]]
        data = subjects.merge(recs, on="USUBJID", how="inner")
        if scale == "log1p":
            data = data.assign(AVAL=np.log1p(data["AVAL"]), BASE=np.log1p(data["BASE"]))
        present = [v for v in post if v in set(data["AVISIT"])]
        try:
            fit = mmrm(data, subject="USUBJID", visit="AVISIT", outcome="AVAL", group="TRT01P",
                       baseline="BASE", covariates=covs, reference=control,
                       visit_order=present, conf_level=level)
        except T1DTrialError as exc:
            frames.append(pd.DataFrame([{"param": param, "scale": scale,
                                         "method": f"not estimable: {exc}"}]))
            continue
        frames.append(fit.assign(param=param, scale=scale))
    if not frames:
        return pd.DataFrame(columns=MMRM_COLUMNS)
    return pd.concat(frames, ignore_index=True).reindex(columns=MMRM_COLUMNS)

"""Calibration of the generative model to the seed study's published aggregates.

:func:`calibrate` simulates many trials of a protocol at once (vectorised),
computes on each the statistics the seed study published (counts, the
direction and significance of its comparisons) and summarises each target
beside its expected value and spread under the model.

Targets (:data:`TARGETS`) come from ``../shared/reference/seed-study.md``;
the control remission count is not published and is an assumption (3 of 26).
Comparisons use the tests named in each target's ``statistic``; where the
publication does not name its test that choice is an assumption too.

Examples
--------
>>> res = calibrate("lu2021", n_trials=50, seed=1)
>>> res.summary.columns[:4].tolist()
['target', 'published', 'expected', 'sd']
>>> int(res.trials.shape[0])
50
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Literal

import numpy as np

from ..protocol import Protocol, load_protocol
from .cohort import Cohort, check_seed, simulate_cohort
from .endpoints import insulin_free_months, percent_change, remission_flags
from .parameters import ModelParameters

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["CalibrationTarget", "CalibrationResult", "TARGETS", "calibrate", "trial_statistics"]


@dataclass(frozen=True)
class CalibrationTarget:
    """One published aggregate and how the model is checked against it.

    ``kind="mean"``: the expected value of ``statistic`` over trials must lie
    within ``tolerance`` of ``target``. ``kind="at_least"``: the expected value
    (for an indicator, the probability) must be at least ``target``.
    ``kind="info"``: shown, not checked.
    """

    name: str
    published: str
    source: str
    statistic: str
    kind: Literal["mean", "at_least", "info"]
    target: float = float("nan")
    tolerance: float = 0.0

    def probability(self, values: np.ndarray) -> float:
        """Share of simulated trials that show the finding as published.

        A count (``kind="mean"``): the share whose statistic equals the
        published value; a finding (``kind="at_least"``, an indicator): its
        mean; ``kind="info"``: NaN.
        """
        if self.kind == "info" or values.size == 0:
            return float("nan")
        if self.kind == "mean":
            return float(np.mean(np.abs(values - self.target) < 1e-9))
        return float(np.mean(values))

    def within(self, expected: float, slack: float = 0.0) -> bool:
        """Whether an expected value meets the target (``slack`` adds Monte-Carlo allowance)."""
        if self.kind == "mean":
            return bool(abs(expected - self.target) <= self.tolerance + slack)
        if self.kind == "at_least":
            return bool(expected >= self.target - slack)
        return True


_SEED = "seed study (Lu 2021, abstract)"
_PREDICTOR_MODEL = ("the plan's predictor model (logistic-predictors): remission at M12 on BFCP "
                    "(per 0.1 nmol/L) + CUMDOSE (per 10^6 cells/kg), MSC arm, Firth's "
                    "penalised likelihood")
TARGETS: tuple[CalibrationTarget, ...] = (
    CalibrationTarget("n_adult_onset", "33 of 53", _SEED,
                      "adult-onset participants per trial", "mean", 33.0, 0.5),
    CalibrationTarget("msc_remission", "11 of 27", _SEED,
                      "MSC participants in remission at M12 (>= 10 % rise in FCP or PCP)",
                      "mean", 11.0, 0.5),
    CalibrationTarget("control_remission", "3 of 26 (assumed)",
                      "assumption: the abstract gives no control count",
                      "control participants in remission at M12", "mean", 3.0, 0.5),
    CalibrationTarget("remission_significant", "MSC significantly more than control", _SEED,
                      "P(Fisher exact two-sided p < 0.05 and MSC rate > control rate)",
                      "at_least", 0.5),
    CalibrationTarget("msc_insulin_free", "3 of 27", _SEED,
                      "MSC participants with an insulin-free episode", "mean", 3.0, 0.5),
    CalibrationTarget("control_insulin_free", "0 of 26", _SEED,
                      "control participants with an insulin-free episode", "mean", 0.0, 0.0),
    CalibrationTarget("insulin_free_3_to_12_months", "insulin-free for 3 to 12 months", _SEED,
                      "share of insulin-free episodes lasting 3-12 months (trials with any)",
                      "mean", 1.0, 0.0),
    CalibrationTarget("adult_pcp_pchg_difference", "larger with MSC (no value published)", _SEED,
                      "adult onset: mean % change of PCP at M12, MSC minus control", "info"),
    CalibrationTarget("adult_pcp_pchg_higher", "adult onset: % change of PCP significantly "
                      "higher with MSC", _SEED,
                      "P(Welch t p < 0.05 and MSC mean > control mean), adult onset "
                      "(test: assumption)", "at_least", 0.5),
    CalibrationTarget("juvenile_no_difference", "juvenile onset: no significant difference "
                      "in FCP or PCP change", _SEED,
                      "P(Welch t p >= 0.05 for both FCP and PCP % change), juvenile onset",
                      "at_least", 0.5),
    CalibrationTarget("predictor_bfcp_negative", "lower baseline FCP associated with remission",
                      _SEED, f"P(coefficient of BFCP < 0) in {_PREDICTOR_MODEL}", "at_least", 0.9),
    CalibrationTarget("predictor_bfcp_significant", "lower baseline FCP associated with "
                      "remission, significantly (assumed: the abstract reports it as a finding)",
                      _SEED, "P(coefficient of BFCP < 0 and its penalised likelihood-ratio "
                      "p < 0.05) in the same model", "at_least", 0.35),
    CalibrationTarget("predictor_dose_positive", "higher UC-MSC dose associated with remission",
                      _SEED, "P(coefficient of CUMDOSE > 0) in the same model", "at_least", 0.9),
    CalibrationTarget("predictor_dose_significant", "higher UC-MSC dose associated with "
                      "remission, significantly (assumed: the abstract reports it as a finding)",
                      _SEED, "P(coefficient of CUMDOSE > 0 and its penalised likelihood-ratio "
                      "p < 0.05) in the same model", "at_least", 0.35),
    CalibrationTarget("severe_adverse_events", "no severe side effects", _SEED,
                      "severe adverse events per trial", "mean", 0.0, 0.0),
)


@dataclass(frozen=True)
class CalibrationResult:
    """Outcome of :func:`calibrate`.

    Attributes
    ----------
    summary : DataFrame
        One row a target (every published finding): target, published,
        expected, sd, q05, q95, mcse, n_trials, criterion, within,
        probability (share of simulated trials showing the finding as
        published: a count equal to it, a comparison or association in its
        direction and significance), statistic, source.
    trials : DataFrame
        One row a simulated trial, one column a statistic.
    n_trials : int
    seed : int
        The seed used (drawn afresh and recorded when none was given).
    params : ModelParameters
    """

    summary: "pd.DataFrame"
    trials: "pd.DataFrame"
    n_trials: int
    seed: int
    params: ModelParameters

    @property
    def all_within(self) -> bool:
        """Whether every checked target is met."""
        return bool(self.summary["within"].all())


def _arm_roles(protocol: Protocol) -> tuple[int | None, int | None]:
    codes = protocol.arm_codes
    treated = next((i for i, c in enumerate(codes)
                    if protocol.arm(c).kind in ("cell-therapy", "active")), None)
    control = next((i for i, c in enumerate(codes)
                    if protocol.arm(c).kind in ("standard-care", "placebo")), None)
    return treated, control


def _fisher_p(a: np.ndarray, n1: np.ndarray, c: np.ndarray, n2: np.ndarray) -> np.ndarray:
    from scipy.stats import fisher_exact

    keys = np.stack([a, n1, c, n2], axis=1).astype(np.int64)
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    p = np.array([fisher_exact([[k[0], k[1] - k[0]], [k[2], k[3] - k[2]]])[1] for k in uniq])
    return p[inverse.ravel()]


def _welch(x: np.ndarray, group: np.ndarray, trial: np.ndarray, n_trials: int):
    """Welch t-test of group 1 vs group 0 within each trial; returns (difference, p)."""
    from scipy.stats import t as t_dist

    ok = np.isfinite(x)
    stats = {}
    for g in (0, 1):
        m = ok & (group == g)
        n = np.bincount(trial[m], minlength=n_trials).astype(float)
        s = np.bincount(trial[m], weights=x[m], minlength=n_trials)
        ss = np.bincount(trial[m], weights=x[m] ** 2, minlength=n_trials)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = s / n
            var = (ss - n * mean ** 2) / (n - 1)
        stats[g] = (n, mean, np.maximum(var, 0.0))
    (n0, m0, v0), (n1, m1, v1) = stats[0], stats[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        se2 = v1 / n1 + v0 / n0
        t = (m1 - m0) / np.sqrt(se2)
        df = se2 ** 2 / ((v1 / n1) ** 2 / (n1 - 1) + (v0 / n0) ** 2 / (n0 - 1))
        p = 2.0 * t_dist.sf(np.abs(t), df)
    return m1 - m0, np.where((n0 >= 2) & (n1 >= 2), p, np.nan)


def trial_statistics(cohort: Cohort) -> "pd.DataFrame":
    """The calibration statistics of every trial of a cohort (one row a trial).

    Examples
    --------
    >>> from t1dtrial.simulate.cohort import simulate_cohort
    >>> trial_statistics(simulate_cohort("lu2021", n_trials=2, seed=1)).shape[0]
    2
    """
    import pandas as pd

    T, tr = cohort.n_trials, cohort.trial
    protocol = cohort.protocol
    treated, control = _arm_roles(protocol)
    rem = np.nan_to_num(remission_flags(cohort, noisy=True), nan=0.0)
    free = np.isfinite(cohort.insulin_free_start)

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(tr[mask], minlength=T).astype(float)

    out: dict[str, np.ndarray] = {"n_adult_onset": count(cohort.adult)}
    months = insulin_free_months(cohort)
    in_range = free & (months >= 3.0 - 1e-9) & (months <= 12.0 + 1e-9)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["insulin_free_3_to_12_months"] = count(in_range) / count(free)
    sev = cohort.ae["severity"] == 2
    out["severe_adverse_events"] = np.bincount(tr[cohort.ae["subject"][sev]], minlength=T).astype(float)
    nan = np.full(T, np.nan)
    for role, idx in (("msc", treated), ("control", control)):
        in_arm = cohort.arm == idx if idx is not None else np.zeros(cohort.n, bool)
        out[f"{role}_n"] = count(in_arm)
        out[f"{role}_remission"] = count(in_arm & (rem == 1.0)) if idx is not None else nan
        out[f"{role}_insulin_free"] = count(in_arm & free) if idx is not None else nan
    if treated is None or control is None:
        for name in ("remission_fisher_p", "remission_significant", "adult_pcp_pchg_difference",
                     "adult_pcp_pchg_higher", "juvenile_no_difference"):
            out[name] = nan
    else:
        p = _fisher_p(out["msc_remission"], out["msc_n"], out["control_remission"], out["control_n"])
        out["remission_fisher_p"] = p
        higher = out["msc_remission"] / out["msc_n"] > out["control_remission"] / out["control_n"]
        out["remission_significant"] = ((p < 0.05) & higher).astype(float)
        both = np.isin(cohort.arm, [treated, control])
        group = (cohort.arm == treated).astype(int)
        visit = protocol.primary_visit
        pchg = {code: percent_change(cohort, code, visit) for code in ("FCP", "PCP")}
        for sub, mask in (("adult", cohort.adult), ("juvenile", ~cohort.adult)):
            for code in ("FCP", "PCP"):
                x = np.where(both & mask, pchg[code], np.nan)
                out[f"{sub}_{code.lower()}_pchg_difference"], out[f"{sub}_{code.lower()}_p"] = \
                    _welch(x, group, tr, T)
        out["adult_pcp_pchg_higher"] = ((out["adult_pcp_p"] < 0.05)
                                        & (out["adult_pcp_pchg_difference"] > 0)).astype(float)
        out["juvenile_no_difference"] = ((out["juvenile_fcp_p"] >= 0.05)
                                         & (out["juvenile_pcp_p"] >= 0.05)).astype(float)
    out.update(_predictor_model(cohort, treated, rem))
    return pd.DataFrame(out)


#: ADSL covariates of a predictor model the simulator can compute from a cohort.
_PREDICTOR_COVARIATES = ("BFCP", "BPCP", "CUMDOSE")
_PREDICTOR_COLUMNS = ("predictor_bfcp_negative", "predictor_bfcp_significant", "predictor_bfcp_p",
                      "predictor_dose_positive", "predictor_dose_significant", "predictor_dose_p")


def _predictor_model(cohort: Cohort, treated: int | None, rem: np.ndarray) -> dict[str, np.ndarray]:
    """The plan's predictor model in the treated arm of each trial: signs and p-values.

    As the ``logistic-predictors`` analysis fits it for lu2021: remission
    (missing counted as none) on baseline fasting C-peptide and cumulative
    cell dose, each on its own (linear) scale, plus the protocol's other
    predictor covariates among ``BPCP``; Firth's penalised likelihood (the
    plan's choice below 10 events per variable) and penalised
    likelihood-ratio p-values. Signs and p-values do not depend on the units
    of a covariate, so they equal those of the plan's ``per 0.1 nmol/L`` and
    ``per 10^6 cells/kg`` odds ratios.
    """
    T = cohort.n_trials
    nan = np.full(T, np.nan)
    out = {name: nan for name in _PREDICTOR_COLUMNS}
    if treated is None:
        return out
    mask = cohort.arm == treated
    k = int(mask.sum()) // T
    if k < 4:
        return out
    b = cohort.visit_index(cohort.protocol.baseline_visit)
    values = {"BFCP": cohort.measured["FCP"][mask, b], "BPCP": cohort.measured["PCP"][mask, b],
              "CUMDOSE": cohort.cumulative_cells_per_kg[mask]}
    planned = [c for c in cohort.protocol.analysis.predictor_covariates if c in _PREDICTOR_COVARIATES]
    covariates = ["BFCP", "CUMDOSE"] + [c for c in planned if c not in ("BFCP", "CUMDOSE")]
    columns = [values[c].reshape(T, k) for c in covariates]
    y = rem[mask].reshape(T, k)

    def centred(a: np.ndarray) -> np.ndarray:
        sd = a.std(axis=1, keepdims=True)
        return np.where(sd > 0, (a - a.mean(axis=1, keepdims=True)) / np.where(sd > 0, sd, 1), 0.0)

    X = np.stack([np.ones_like(y)] + [centred(a) for a in columns], axis=2)
    varies = np.all([a.std(axis=1) > 0 for a in columns], axis=0) & (y.min(axis=1) < y.max(axis=1))
    from ._firth import firth_fit_and_p  # scipy: only when a calibration runs

    beta, p = firth_fit_and_p(X, y)
    beta[~varies], p[~varies] = np.nan, np.nan
    with np.errstate(invalid="ignore"):
        negative, positive = beta[:, 1] < 0, beta[:, 2] > 0
        return {"predictor_bfcp_negative": np.where(varies, negative, np.nan),
                "predictor_bfcp_significant": np.where(varies, negative & (p[:, 1] < 0.05), np.nan),
                "predictor_bfcp_p": p[:, 1],
                "predictor_dose_positive": np.where(varies, positive, np.nan),
                "predictor_dose_significant": np.where(varies, positive & (p[:, 2] < 0.05), np.nan),
                "predictor_dose_p": p[:, 2]}


def calibrate(
    protocol: Protocol | str = "lu2021",
    *,
    n_trials: int = 2000,
    seed: int | None = None,
    params: ModelParameters | None = None,
    chunk_size: int = 250,
    progress: Callable[[int, int], None] | None = None,
) -> CalibrationResult:
    """Simulate ``n_trials`` trials and compare the model with the published targets.

    Parameters
    ----------
    protocol : Protocol or str
        The protocol simulated (the targets are those of ``lu2021``).
    n_trials : int
        Number of simulated trials.
    seed : int, optional
        Seed; the same seed and ``chunk_size`` give the same result.
    params : ModelParameters, optional
        Model parameters (defaults: the calibrated ones).
    chunk_size : int
        Trials simulated per vectorised batch (each batch has its own seed).
    progress : callable, optional
        Called as ``progress(done, total)`` after each batch.

    Returns
    -------
    CalibrationResult

    Examples
    --------
    >>> res = calibrate(n_trials=20, seed=2)
    >>> "msc_remission" in set(res.summary["target"])
    True
    """
    import pandas as pd

    if not isinstance(n_trials, (int, np.integer)) or n_trials < 2:
        raise ValueError(f"The 'n_trials' parameter must be an integer >= 2. Got {n_trials!r} instead.")
    if not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ValueError(f"The 'chunk_size' parameter must be an integer >= 1. Got {chunk_size!r} instead.")
    protocol = load_protocol(protocol)
    params = params or ModelParameters()
    sizes = list(range(0, n_trials, chunk_size))
    root = np.random.SeedSequence(check_seed(seed))  # without a seed: fresh entropy, recorded
    children = root.spawn(len(sizes))
    frames = []
    for i, (start, child) in enumerate(zip(sizes, children)):
        m = min(chunk_size, n_trials - start)
        frames.append(trial_statistics(simulate_cohort(protocol, n_trials=m, params=params,
                                                       seed=child)))
        if progress is not None:
            progress(start + m, n_trials)
    trials = pd.concat(frames, ignore_index=True)
    rows = []
    for tgt in TARGETS:
        x = trials[tgt.name].to_numpy(dtype=float)
        x = x[np.isfinite(x)]
        mean = float(x.mean()) if x.size else float("nan")
        sd = float(x.std(ddof=1)) if x.size > 1 else float("nan")
        mcse = sd / np.sqrt(x.size) if x.size > 1 else float("nan")
        criterion = {"mean": f"|expected - {tgt.target:g}| <= {tgt.tolerance:g}",
                     "at_least": f"expected >= {tgt.target:g}", "info": "shown only"}[tgt.kind]
        rows.append({
            "target": tgt.name, "published": tgt.published, "expected": mean, "sd": sd,
            "q05": float(np.quantile(x, 0.05)) if x.size else float("nan"),
            "q95": float(np.quantile(x, 0.95)) if x.size else float("nan"),
            "mcse": mcse, "n_trials": int(x.size), "criterion": criterion,
            "within": tgt.within(mean) if x.size else tgt.kind == "info",
            "probability": tgt.probability(x),
            "statistic": tgt.statistic, "source": tgt.source,
        })
    return CalibrationResult(summary=pd.DataFrame(rows), trials=trials, n_trials=int(n_trials),
                             seed=int(root.entropy), params=params)

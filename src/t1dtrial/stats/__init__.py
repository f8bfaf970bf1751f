"""t1dtrial.stats: pure statistical functions returning tidy results.

The functions know nothing of trials: they take counts, arrays or DataFrames
and return :class:`pandas.DataFrame` results whose leading columns are
``estimate, ci_low, ci_high, p_value, method, n`` (where they apply), with
``conf_level=0.95`` as the one confidence convention. Nothing is rounded.
A wrong argument raises :class:`~t1dtrial.errors.InputError`; data that cannot
support the estimate (one outcome value, too few values, no convergence, a
NaN inside a model ...) raise :class:`~t1dtrial.errors.EstimationError`.

Families: two proportions (:mod:`.proportions`), continuous outcomes
(:mod:`.continuous`), one-sample location and within-arm change from
baseline (:mod:`.one_sample`), logistic regression with profile-likelihood intervals,
Firth's penalised likelihood and separation detection (:mod:`.logistic`),
mixed models for repeated measures (:mod:`.mixed`), Kaplan-Meier
(:mod:`.survival`), subgroup-by-treatment interaction (:mod:`.interaction`),
multiple imputation with Rubin's rules (:mod:`.imputation`), inverse
probability of treatment weighting (:mod:`.weighting`) and covariate-adjusted
risks by standardisation (:mod:`.standardization`) and the Cochran-Armitage
test for a trend in proportions across scored groups (:mod:`.trend`).

Examples
--------
>>> from t1dtrial.stats import fisher_exact
>>> float(fisher_exact(11, 27, 3, 26).p_value[0]) < 0.05
True
"""

from .continuous import ancova, mann_whitney, welch_t
from .imputation import impute_chained, mi_group_difference, pool_rubin
from .interaction import interaction_test
from .logistic import Separation, detect_separation, logistic_regression
from .mixed import mmrm, mmrm_fit
from .one_sample import one_sample_t, wilcoxon_signed_rank
from .standardization import standardized_risks
from .survival import kaplan_meier, log_rank
from .trend import cochran_armitage, linear_trend
from .weighting import iptw_difference, propensity_weights, standardized_differences
from .proportions import chi_square, fisher_exact, odds_ratio, risk_difference, risk_ratio

__all__ = [
    "fisher_exact", "chi_square", "risk_difference", "risk_ratio", "odds_ratio",
    "welch_t", "mann_whitney", "ancova",
    "one_sample_t", "wilcoxon_signed_rank",
    "logistic_regression", "detect_separation", "Separation",
    "mmrm", "mmrm_fit", "kaplan_meier", "interaction_test",
    "pool_rubin", "impute_chained", "mi_group_difference",
    "propensity_weights", "standardized_differences", "iptw_difference",
    "standardized_risks", "cochran_armitage", "log_rank", "linear_trend",
]

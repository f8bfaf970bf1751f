"""Every parameter of the generative model, with its unit and its source.

One frozen dataclass, :class:`ModelParameters`, holds every number the
simulator uses. Each field carries, in its metadata, the unit, the source (a
publication, or ``assumption: <why>``) and a description;
:meth:`ModelParameters.table` lists them as a tidy DataFrame and
``t1dtrial calibrate`` prints them. Change a value with
:func:`dataclasses.replace` or :meth:`ModelParameters.replace`.

Sources cited below (full references in ``../shared/reference``):

- *seed study*: Lu et al. 2021, Stem Cell Res Ther 12:340 (the reference trial);
- *Greenbaum 2012*: Diabetes 61:2066 (TrialNet placebo arms, C-peptide decline);
- *Hao 2016*: Diabetes Care (faster decline in younger people);
- *Dufort 2019*: JCI Insight (decline faster and more variable in the young);
- *Mortensen 2009*: Diabetes Care (IDAA1c, honeymoon insulin dose and HbA1c).

Examples
--------
>>> p = ModelParameters()
>>> round(p.adult_onset_fraction, 4)
0.6226
>>> p.describe("adult_onset_fraction")["unit"]
'proportion'
>>> p.replace(dropout_per_year=0.1).dropout_per_year
0.1
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["ModelParameters", "ASSUMPTION"]

#: Prefix of the source of every value that no publication gives.
ASSUMPTION = "assumption"


def _p(value: float, unit: str, source: str, description: str) -> Any:
    return field(default=value, metadata={"unit": unit, "source": source,
                                          "description": description})


_GREENBAUM = ("Greenbaum 2012 (Diabetes 61:2066): stimulated C-peptide mean AUC falls about "
              "0.0245 nmol/L per month in year 1 (about 40-50 % of a typical 0.6 nmol/L "
              "baseline); exact value an assumption calibrated to the control remission rate")
_PREDICTORS = ("probabilities under the model: ``t1dtrial calibrate``, targets "
               "predictor_bfcp_* and predictor_dose_*")
_YOUNG = ("Hao 2016 (Diabetes Care), Dufort 2019 (JCI Insight): decline faster and more "
          "variable in younger people; exact value an assumption")


@dataclass(frozen=True)
class ModelParameters:
    """Parameters of the generative model of a beta-cell preservation trial.

    Every field is a number; its unit, source and meaning are in the field's
    metadata (see :meth:`table`). Defaults are calibrated so that simulated
    trials of the ``lu2021`` protocol reproduce the published aggregates of
    the seed study (see :func:`t1dtrial.simulate.calibrate`).

    Examples
    --------
    >>> ModelParameters().table().columns.tolist()
    ['name', 'value', 'unit', 'source', 'description']
    """

    # -- population -----------------------------------------------------------
    adult_onset_fraction: float = _p(
        33 / 53, "proportion", "seed study: 33 adult-onset and 20 juvenile-onset of 53",
        "probability that an enrolled participant had onset at age >= 18 years")
    male_fraction: float = _p(
        0.5, "proportion", f"{ASSUMPTION}: sex mix not given in the abstract",
        "probability that a participant is male")
    adult_onset_age_excess_mean: float = _p(
        10.0, "years", f"{ASSUMPTION}: adult-onset participants mostly 18-40 years",
        "mean of (age at onset - 18) in adult-onset participants (gamma distributed)")
    adult_onset_age_excess_shape: float = _p(
        2.0, "1", f"{ASSUMPTION}", "gamma shape of (age at onset - 18) in adult-onset participants")
    juvenile_onset_age_min: float = _p(
        6.0, "years", f"{ASSUMPTION}: juvenile-onset participants 6-17 years",
        "lowest age at onset in juvenile-onset participants (uniform up to 18)")
    diagnosis_to_enrolment_median: float = _p(
        120.0, "days", f"{ASSUMPTION}: recent-onset T1D (seed study: 'recent-onset')",
        "median time from diagnosis to enrolment (log-normal)")
    diagnosis_to_enrolment_sdlog: float = _p(
        0.6, "log(days)", f"{ASSUMPTION}", "SD of log time from diagnosis to enrolment")
    diagnosis_to_enrolment_max: float = _p(
        730.0, "days", f"{ASSUMPTION}", "longest time from diagnosis to enrolment")
    weight_adult_male_mean: float = _p(
        66.0, "kg", f"{ASSUMPTION}: lean adults with recent-onset T1D", "mean weight, adult men")
    weight_adult_female_mean: float = _p(
        55.0, "kg", f"{ASSUMPTION}", "mean weight, adult women")
    weight_adult_sd: float = _p(8.5, "kg", f"{ASSUMPTION}", "SD of adult weight")
    weight_child_intercept: float = _p(
        6.0, "kg", f"{ASSUMPTION}: median weight about 6 + 2.5 x age for ages 6-17",
        "intercept of the median weight of a child by age")
    weight_child_per_year: float = _p(2.5, "kg/year", f"{ASSUMPTION}",
                                      "slope of the median weight of a child by age")
    weight_child_cv: float = _p(0.15, "1", f"{ASSUMPTION}", "coefficient of variation of child weight")
    growth_child_per_year: float = _p(3.0, "kg/year", f"{ASSUMPTION}",
                                      "weight gain per year in participants under 18")
    weight_drift_adult_sd: float = _p(1.5, "kg/year", f"{ASSUMPTION}",
                                      "SD of an adult's yearly weight change")
    weight_visit_sd: float = _p(0.5, "kg", f"{ASSUMPTION}", "visit-to-visit weight noise")
    # -- baseline C-peptide ----------------------------------------------------
    fcp_median_adult: float = _p(
        0.20, "nmol/L", f"{ASSUMPTION}: typical of recent-onset adult T1D; not in the abstract",
        "median baseline fasting C-peptide, adult onset (log-normal)")
    fcp_median_juvenile: float = _p(
        0.12, "nmol/L", f"{ASSUMPTION}: lower in juvenile onset (issue: 'lower in juvenile-onset')",
        "median baseline fasting C-peptide, juvenile onset (log-normal)")
    fcp_sdlog: float = _p(0.6, "log(nmol/L)", f"{ASSUMPTION}", "SD of log baseline fasting C-peptide")
    pcp_fcp_ratio_median: float = _p(
        2.5, "1", f"{ASSUMPTION}: 2-h stimulated about 2-3 x fasting in recent onset",
        "median ratio of postprandial to fasting C-peptide")
    pcp_fcp_ratio_sdlog: float = _p(
        0.35, "log(1)", f"{ASSUMPTION}: gives a correlation of about 0.86 between log FCP and log PCP",
        "SD of the log ratio of postprandial to fasting C-peptide")
    # -- natural decline ---------------------------------------------------------
    decline_rate_adult: float = _p(0.42, "1/year (log scale)", _GREENBAUM,
                                   "mean exponential decline rate of C-peptide, adult onset")
    decline_rate_adult_sd: float = _p(0.30, "1/year (log scale)", _YOUNG,
                                      "between-subject SD of the decline rate, adult onset")
    decline_rate_juvenile: float = _p(0.65, "1/year (log scale)", _YOUNG,
                                      "mean exponential decline rate of C-peptide, juvenile onset")
    decline_rate_juvenile_sd: float = _p(0.45, "1/year (log scale)", _YOUNG,
                                         "between-subject SD of the decline rate, juvenile onset")
    # -- MSC effect ----------------------------------------------------------------
    responder_logit_intercept: float = _p(
        -1.59, "logit", f"{ASSUMPTION}: calibrated to 11/27 MSC remission (seed study)",
        "log-odds of responding at the reference dose and baseline FCP, adult onset")
    responder_logit_per_dose: float = _p(
        2.5, "logit per 1e6 cells/kg",
        "seed study: higher UC-MSC dose associated with remission (multivariable logistic model); "
        "size an assumption, chosen so that this finding, in the plan's "
        f"predictor model, is significant in about half of simulated trials ({_PREDICTORS})",
        "change in log-odds of responding per 1e6 cells/kg of cumulative dose")
    responder_dose_reference: float = _p(
        2.5e6, "cells/kg", f"{ASSUMPTION}: middle of the assumed cumulative dose range",
        "cumulative dose at which the intercept applies")
    responder_logit_per_log_bfcp: float = _p(
        -4.0, "logit per log(nmol/L)",
        "seed study: lower baseline fasting C-peptide associated with remission (multivariable "
        "logistic model); size an assumption: a halving of baseline FCP multiplies the odds of "
        f"responding by about 16, with which that finding is significant in about 4 of 10 "
        f"simulated trials ({_PREDICTORS})",
        "change in log-odds of responding per unit of log baseline fasting C-peptide")
    responder_bfcp_reference: float = _p(0.2, "nmol/L", f"{ASSUMPTION}",
                                         "baseline fasting C-peptide at which the intercept applies")
    responder_logit_juvenile: float = _p(
        -0.6, "logit", "seed study: no clear benefit in juvenile onset; size an assumption",
        "change in log-odds of responding for juvenile onset")
    effect_rate_mean: float = _p(
        1.3, "1/year (log scale)",
        f"{ASSUMPTION}: responders' C-peptide rises over the year, so that nearly every adult "
        "responder is in remission at 12 months (a responder who is not dilutes the published "
        "predictor associations)",
        "mean reduction of the decline rate in responders, adult onset")
    effect_rate_sd: float = _p(0.25, "1/year (log scale)", f"{ASSUMPTION}",
                               "between-responder SD of the reduction of the decline rate")
    effect_juvenile_multiplier: float = _p(
        0.7, "1", "seed study: no significant difference in juvenile onset; size an assumption "
        "(juvenile responders that rarely reach remission would hide the association of lower "
        "baseline FCP with remission, juvenile onset having the lower FCP)",
        "multiplier of the mean effect in juvenile-onset responders")
    insulin_free_effect_z: float = _p(
        0.59, "SD", f"{ASSUMPTION}: calibrated to 3/27 insulin-free MSC subjects (seed study)",
        "responders whose effect exceeds mean + z x SD become insulin-free for a while")
    insulin_free_start_min: float = _p(14.0, "days", f"{ASSUMPTION}",
                                       "earliest start of an insulin-free episode after day 0")
    insulin_free_start_max: float = _p(120.0, "days", f"{ASSUMPTION}",
                                       "latest start of an insulin-free episode after day 0")
    insulin_free_duration_min: float = _p(
        92.0, "days", "seed study: insulin-free for 3 to 12 months", "shortest insulin-free episode")
    insulin_free_duration_max: float = _p(
        365.0, "days", "seed study: insulin-free for 3 to 12 months", "longest insulin-free episode")
    natural_insulin_free_probability: float = _p(
        0.0, "proportion", "seed study: no control subject became insulin-free",
        "probability that a participant without MSC response becomes insulin-free")
    # -- measurement noise -------------------------------------------------------------
    fcp_noise_sdlog: float = _p(
        0.15, "log(nmol/L)", f"{ASSUMPTION}: day-to-day variation plus assay CV about 6 %",
        "within-subject SD of log fasting C-peptide at a visit")
    pcp_noise_sdlog: float = _p(
        0.15, "log(nmol/L)", f"{ASSUMPTION}: meal-test variation plus assay CV",
        "within-subject SD of log postprandial C-peptide at a visit")
    meal_sample_noise_sdlog: float = _p(
        0.08, "log(nmol/L)", f"{ASSUMPTION}: assay CV of a timed meal-test sample",
        "SD of log C-peptide of a timed sample around the subject's curve")
    cpeptide_saturation: float = _p(
        5.0, "nmol/L", f"{ASSUMPTION}: C-peptide in recent-onset T1D stays well below 5 nmol/L",
        "latent C-peptide c is saturated as s (1 - exp(-c / s)); keeps values plausible")
    cpeptide_reporting_floor: float = _p(
        0.001, "nmol/L", f"{ASSUMPTION}: lowest value reported (1 pmol/L resolution)",
        "C-peptide values are rounded to 0.001 nmol/L and never reported below this")
    # -- honeymoon: insulin dose and HbA1c ------------------------------------------
    insulin_reference: float = _p(
        0.45, "U/kg/day", "Mortensen 2009: partial remission at about 0.5 U/kg/day; value an assumption",
        "insulin dose of an adult-onset participant at the reference postprandial C-peptide")
    insulin_per_log_pcp: float = _p(
        0.12, "U/kg/day per log(nmol/L)", f"{ASSUMPTION}: more C-peptide, less insulin",
        "increase of insulin dose per unit fall of log postprandial C-peptide")
    insulin_juvenile_extra: float = _p(0.15, "U/kg/day", f"{ASSUMPTION}",
                                       "extra insulin dose in juvenile onset")
    insulin_subject_sd: float = _p(0.10, "U/kg/day", f"{ASSUMPTION}", "between-subject SD of insulin dose")
    insulin_visit_sd: float = _p(0.05, "U/kg/day", f"{ASSUMPTION}", "visit-to-visit SD of insulin dose")
    pcp_reference: float = _p(0.5, "nmol/L", f"{ASSUMPTION}",
                              "postprandial C-peptide at which insulin and HbA1c references apply")
    hba1c_reference: float = _p(
        7.0, "%", f"{ASSUMPTION}: intensive insulin therapy", "HbA1c at the reference C-peptide, long after diagnosis")
    hba1c_per_log_pcp: float = _p(0.35, "% per log(nmol/L)", f"{ASSUMPTION}",
                                  "increase of HbA1c per unit fall of log postprandial C-peptide")
    hba1c_at_diagnosis_excess: float = _p(
        3.0, "%", f"{ASSUMPTION}: HbA1c about 10 % at diagnosis, falling on insulin",
        "excess HbA1c at diagnosis that decays after insulin is started")
    hba1c_excess_decay_days: float = _p(45.0, "days", f"{ASSUMPTION}",
                                        "time constant of the decay of the excess HbA1c")
    hba1c_insulin_free_shift: float = _p(-0.3, "%", f"{ASSUMPTION}",
                                         "HbA1c shift while insulin-free")
    hba1c_subject_sd: float = _p(0.7, "%", f"{ASSUMPTION}", "between-subject SD of HbA1c")
    hba1c_visit_sd: float = _p(0.3, "%", f"{ASSUMPTION}", "visit-to-visit SD of HbA1c")
    fpg_at_reference: float = _p(7.5, "mmol/L", f"{ASSUMPTION}", "fasting glucose at HbA1c 7 %")
    fpg_per_hba1c: float = _p(1.0, "mmol/L per %", f"{ASSUMPTION}", "fasting glucose per % HbA1c")
    fpg_sd: float = _p(1.2, "mmol/L", f"{ASSUMPTION}", "SD of fasting glucose at a visit")
    ppg_excess: float = _p(2.5, "mmol/L", f"{ASSUMPTION}", "mean 2-h glucose above fasting glucose")
    ppg_sd: float = _p(1.8, "mmol/L", f"{ASSUMPTION}", "SD of the 2-h glucose excess")
    # -- adverse events -------------------------------------------------------------
    ae_fever_per_infusion: float = _p(
        0.12, "probability", "seed study: no severe side effects; transient reactions an assumption",
        "probability of a transient fever after an infusion")
    ae_headache_per_infusion: float = _p(0.06, "probability", f"{ASSUMPTION}",
                                         "probability of a headache after an infusion")
    ae_rash_per_infusion: float = _p(0.03, "probability", f"{ASSUMPTION}",
                                     "probability of a rash after an infusion")
    ae_uri_per_year: float = _p(0.5, "events/year", f"{ASSUMPTION}",
                                "rate of upper respiratory tract infections (any arm)")
    ae_hypoglycaemia_per_year: float = _p(0.4, "events/year", f"{ASSUMPTION}",
                                          "rate of reported hypoglycaemia events (any arm)")
    ae_gastroenteritis_per_year: float = _p(0.1, "events/year", f"{ASSUMPTION}",
                                            "rate of gastroenteritis (any arm)")
    ae_moderate_probability: float = _p(0.1, "probability", f"{ASSUMPTION}",
                                        "probability that an adverse event is moderate")
    ae_severe_probability: float = _p(0.0, "probability", "seed study: no severe side effects",
                                      "probability that an adverse event is severe (and serious)")
    # -- conduct ------------------------------------------------------------------------
    dropout_per_year: float = _p(0.0, "1/year", "seed study: no dropout reported (twin default)",
                                 "rate of withdrawal or loss to follow-up after day 0")
    missed_visit_probability: float = _p(0.0, "probability", f"{ASSUMPTION}: twin default none",
                                         "probability that a post-baseline visit is missed")
    n_sites: float = _p(1, "sites", "seed study: single centre", "number of sites (S01, S02, ...)")
    recruitment_days: float = _p(730.0, "days", f"{ASSUMPTION}", "length of the recruitment period")
    recruitment_start_year: float = _p(2016, "year", f"{ASSUMPTION}",
                                       "year in which recruitment starts (1 March)")
    screening_to_infusion_max: float = _p(7.0, "days", f"{ASSUMPTION}",
                                          "most days from enrolment to the first infusion")

    # -- methods ---------------------------------------------------------------------------
    def replace(self, **values: float) -> "ModelParameters":
        """Return a copy with some values changed.

        Raises
        ------
        TypeError
            If a name is not a parameter.

        Examples
        --------
        >>> ModelParameters().replace(n_sites=2).n_sites
        2
        """
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise TypeError(f"ModelParameters.replace() got unknown parameter(s) {unknown}; "
                            f"expected names of ModelParameters fields")
        return dataclasses.replace(self, **values)

    def describe(self, name: str) -> dict[str, Any]:
        """Value, unit, source and description of one parameter.

        Examples
        --------
        >>> ModelParameters().describe("ae_severe_probability")["source"]
        'seed study: no severe side effects'
        """
        for f in dataclasses.fields(self):
            if f.name == name:
                return {"name": name, "value": getattr(self, name), **f.metadata}
        raise KeyError(f"unknown parameter {name!r}")

    def table(self) -> "pd.DataFrame":
        """All parameters as a tidy DataFrame (name, value, unit, source, description).

        Examples
        --------
        >>> t = ModelParameters().table()
        >>> bool((t["source"] != "").all())
        True
        """
        import pandas as pd

        return pd.DataFrame([self.describe(f.name) for f in dataclasses.fields(self)],
                            columns=["name", "value", "unit", "source", "description"])

    def assumptions(self) -> list[str]:
        """Names of parameters whose source is an assumption."""
        return [f.name for f in dataclasses.fields(self)
                if f.metadata["source"].startswith(ASSUMPTION)
                or "an assumption" in f.metadata["source"]]

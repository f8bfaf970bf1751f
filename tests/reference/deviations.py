"""Largest deviation between t1dtrial.stats and each committed reference.

Prints one markdown row a statistic: the reference, the number of values
compared and the largest relative deviation (absolute when the reference is
0). Run: ``python tests/reference/deviations.py``.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

from t1dtrial import stats as st

HERE = Path(__file__).parent
DEV: dict[str, list[float]] = defaultdict(list)
REF: dict[str, str] = {}


def records(name):
    def fix(v):
        if v is None:
            return math.nan
        if isinstance(v, str):
            return {"Inf": math.inf, "-Inf": -math.inf, "NaN": math.nan}.get(v, v)
        if isinstance(v, list):
            return [fix(x) for x in v]
        if isinstance(v, dict):
            return {k: fix(x) for k, x in v.items()}
        return v
    return [fix(r) for r in json.loads((HERE / "fixtures" / f"{name}.json").read_text())["records"]]


def data(name):
    return pd.read_csv(HERE / "data" / f"{name}.csv")


def add(stat, ref, got, expected):
    REF.setdefault(stat, ref)
    for g, e in zip(np.atleast_1d(np.asarray(got, float)), np.atleast_1d(np.asarray(expected, float))):
        if math.isnan(e) and math.isnan(g) or (math.isinf(e) and g == e):
            DEV[stat].append(0.0)
        elif math.isnan(e) or math.isnan(g):
            DEV[stat].append(math.inf)
        else:
            DEV[stat].append(abs(g - e) / abs(e) if e != 0 else abs(g - e))


def proportions():
    for r in records("proportions"):
        a = r["args"]
        args = (a["x1"], a["n1"], a["x2"], a["n2"])
        f = r["fun"]
        if f == "fisher_exact_tight":
            g = st.fisher_exact(*args).iloc[0]
            add("Fisher exact: conditional MLE OR, exact CI, p", "fisher.test algorithm, uniroot tol 1e-13",
                [g.ci_low, g.ci_high, g.p_value], [r["ci_low"], r["ci_high"], r["p_value"]])
        elif f == "fisher_exact":
            g = st.fisher_exact(*args).iloc[0]
            add("Fisher exact vs fisher.test itself", "fisher.test() (uniroot default tol)",
                [g.ci_low, g.ci_high], [r["ci_low"], r["ci_high"]])
        elif f == "chi_square":
            g = st.chi_square(*args, correct=a["correct"]).iloc[0]
            add("chi-square (with/without Yates)", "chisq.test()", [g.statistic, g.p_value],
                [r["statistic"], r["p_value"]])
        elif f == "risk_ratio":
            g = st.risk_ratio(*args).iloc[0]
            add("risk ratio, log (Katz) CI", "epitools::riskratio(method = 'wald'); 0.5-cell formula",
                [g.estimate, g.ci_low, g.ci_high], [r["estimate"], r["ci_low"], r["ci_high"]])
        elif f == "odds_ratio_woolf":
            g = st.odds_ratio(*args, method="woolf").iloc[0]
            add("odds ratio, Woolf CI", "epitools::oddsratio(method = 'wald'); 0.5-cell formula",
                [g.estimate, g.ci_low, g.ci_high], [r["estimate"], r["ci_low"], r["ci_high"]])
        elif f == "risk_difference_wald":
            g = st.risk_difference(*args, method="wald").iloc[0]
            add("risk difference, Wald", "formula in R", [g.ci_low, g.ci_high], [r["ci_low"], r["ci_high"]])
    for r in json.loads((HERE / "fixtures" / "newcombe1998_table2.json").read_text())["records"]:
        g = st.risk_difference(r["x1"], r["n1"], r["x2"], r["n2"], method=r["method"]).iloc[0]
        stat = f"risk difference, {r['method']} (absolute, vs 4-decimal table)"
        REF.setdefault(stat, "Newcombe 1998 Table II")
        DEV[stat] += [abs(g.ci_low - r["ci_low"]), abs(g.ci_high - r["ci_high"])]


def continuous():
    for r in records("continuous"):
        if r["fun"] == "welch_t":
            g = st.welch_t(r["x"], r["y"]).iloc[0]
            add("Welch t", "t.test()", [g.estimate, g.ci_low, g.ci_high, g.p_value],
                [r["estimate"], r["ci_low"], r["ci_high"], r["p_value"]])
        elif r["fun"] == "mann_whitney":
            g = st.mann_whitney(r["x"], r["y"]).iloc[0]
            add("Mann-Whitney p, HL estimate", "wilcox.test(); median(outer(x, y, '-'))",
                [g.p_value, g.estimate], [r["p_value"], r["hodges_lehmann"]])
            add("Hodges-Lehmann CI (exact and normal)", "wilcox.test(conf.int = TRUE)",
                [g.ci_low, g.ci_high], [r["ci_low"], r["ci_high"]])


def ancova():
    frames = {"twin": data("twin"), "small": data("small"), "packaged": data("packaged_twin")}
    frames["twin"]["LFCP12"] = np.log(frames["twin"]["FCP12"] + 1)
    for r in records("continuous"):
        if r["fun"] != "ancova":
            continue
        key = r["dataset"].split("_")[0]
        d = frames["packaged" if key == "packaged" else key]
        lhs, rhs = (x.strip() for x in r["formula"].split("~"))
        covs = [t.strip() for t in rhs.split("+")][1:]
        base = covs[0] if covs and covs[0] in ("BFCP", "BASE", "LBFCP") else None
        g = st.ancova(d, outcome=lhs, group="TRT01P", baseline=base,
                      covariates=[c for c in covs if c != base], reference="CONTROL")
        lsm = g[g.term == "lsmean"].set_index("group").loc[r["levels"]]
        dif = g[g.term == "difference"].iloc[0]
        add("ANCOVA least-squares means and difference", "lm() + emmeans()",
            list(lsm.estimate) + list(lsm.se) + [dif.estimate, dif.se, dif.ci_low, dif.ci_high, dif.p_value],
            list(r["lsmean"]) + list(r["lsmean_se"]) + [r["diff"], r["diff_se"], r["diff_ci_low"],
                                                       r["diff_ci_high"], r["diff_p"]])


def logistic():
    def frame(name):
        if name == "packaged_twin_msc":
            d = data("packaged_twin")
            return d[d.TRT01P == "MSC"]
        if name.startswith("twin"):
            d = data("twin")
            d["DOSE"] = d.CUMDOSE / 1e6
            return d[d.TRT01P == "MSC"] if name == "twin_msc" else d
        return data({"separation": "separation", "quasi_separation": "quasi", "small": "small"}[name])
    for r in records("logistic"):
        if r["fun"] not in ("logistic_ml", "logistic_firth"):
            continue
        lhs, rhs = (x.strip() for x in r["formula"].split("~"))
        ml = r["fun"] == "logistic_ml"
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g = st.logistic_regression(frame(r["dataset"]), outcome=lhs,
                                       predictors=[t.strip() for t in rhs.split("+")],
                                       method="ml" if ml else "firth")
        cols = ["estimate", "se", "ci_low", "ci_high", "p_value"]
        if ml:
            add("logistic ML: estimates, profile CI, LR p", "glm(); uniroot profile on offset glm.fit",
                g[cols].to_numpy().ravel(), np.column_stack([r[c] for c in cols]).ravel())
            add("logistic ML profile CI vs MASS confint", "confint(glm) (MASS spline profile)",
                list(g.ci_low) + list(g.ci_high), list(r["mass_confint_low"]) + list(r["mass_confint_high"]))
        else:
            add("Firth: estimates, penalised profile CI, penalised LR p",
                "brglm2 brglmFit AS_mean; global profile of the penalised likelihood in R (many-start BFGS)",
                g[cols].to_numpy().ravel(), np.column_stack([r[c] for c in cols]).ravel())


def mixed():
    six = ["S01", "S02", "S03", "S06", "S07", "S08"]
    for r in records("mixed"):
        if r["fun"] not in ("mmrm", "mmrm_lmer"):
            continue
        name = r["dataset"]
        if name.endswith("twin_long"):
            d, covs, visits = data(name), ["SEX"], ["M1", "M3", "M6", "M9", "M12"]
        elif name == "near_linear_long":
            d, covs, visits = data(name), [], ["M3", "M6", "M12"]
        else:
            d, covs, visits = data("small_long"), [], ["M3", "M6", "M12"]
            d = d[d.USUBJID.isin(six)] if name == "edge_six_subjects" else d
        g, fits = st.mmrm_fit(d, subject="USUBJID", visit="AVISIT", outcome="AVAL",
                              group="TRT01P", baseline="BASE", covariates=covs,
                              visit_order=visits, covariance=r["structure"], reference="CONTROL")
        dif = g[g.term == "difference"].set_index("visit").loc[r["diff_visit"]]
        if r["fun"] == "mmrm":
            lsm = g[g.term == "lsmean"].set_index(["visit", "group"])
            idx = list(zip(r["lsmean_visit"], r["lsmean_group"]))
            add("MMRM least-squares means, differences, SEs (5 covariance structures)",
                "nlme::gls (corSymm / corARMA / corAR1 / corCompSymm, + varIdent) + emmeans",
                list(lsm.loc[idx].estimate) + list(lsm.loc[idx].se) + list(dif.estimate) + list(dif.se),
                list(r["lsmean"]) + list(r["lsmean_se"]) + list(r["diff"]) + list(r["diff_se"]))
            add("MMRM REML log-likelihood and AIC", "logLik(gls), AIC(gls)",
                [fits.reml_loglik[0], fits.aic[0]], [r["reml_loglik"], r["aic"]])
            add("MMRM Satterthwaite df vs emmeans on gls", "emmeans(gls, mode = 'satterthwaite')",
                dif.df, r["diff_df"])
            add("MMRM p-values vs emmeans on gls", "emmeans(gls, mode = 'satterthwaite')",
                dif.p_value, r["diff_p"])
        else:
            add("MMRM Satterthwaite df", "lmerTest + emmeans(lmer.df = 'satterthwaite')", dif.df, r["diff_df"])


def survival():
    for r in records("survival"):
        times = r["times"] if isinstance(r["times"], list) else [r["times"]]
        g = st.kaplan_meier(r["time"], r["event"], times=times, conf_type=r["conf_type"])
        s = g[g.term == "survival"]
        lst = lambda v: v if isinstance(v, list) else [v]  # noqa: E731
        add("Kaplan-Meier median, survival and CIs", "survival::survfit(); quantile(); summary(times =)",
            list(g.iloc[0][["estimate", "ci_low", "ci_high"]]) + list(s.estimate) + list(s.ci_low) + list(s.ci_high),
            [r["median"], r["median_ci_low"], r["median_ci_high"]] + lst(r["surv"]) + lst(r["surv_ci_low"])
            + lst(r["surv_ci_high"]))


def interaction():
    for r in records("interaction"):
        import warnings
        if r["fun"] == "interaction_binomial":
            d = data("packaged_twin").assign(SUBGRP=lambda x: x.ONSETGR) if r["dataset"] == "packaged_twin" \
                else data("twin")
            if r["dataset"] == "twin_zero_cell":
                d.loc[(d.SUBGRP == "juvenile_onset") & (d.TRT01P == "CONTROL"), "REMISS"] = 0
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                g = st.interaction_test(d, outcome="REMISS", group="TRT01P", subgroup="SUBGRP",
                                        reference="CONTROL", method=r["method"])
            eff = g[g.term == "treatment effect"]
            w = g[g.test == "Wald"].iloc[0]
            lr = g[g.test == "LR"].iloc[0]
            add("interaction (logistic, ML and Firth): effects, Wald, LR", "glm / brglm2 + profiles (Firth: global, many-start); anova LRT",
                list(eff.estimate) + list(eff.ci_low) + list(eff.ci_high) + list(eff.p_value)
                + [w.statistic, lr.statistic, lr.p_value, lr.ci_low, lr.ci_high],
                list(r["effect"]) + list(r["effect_ci_low"]) + list(r["effect_ci_high"]) + list(r["effect_p"])
                + [r["wald"], r["lr"], r["lr_p"], r["lr_ci_low"], r["lr_ci_high"]])
        else:
            spec = {"small_sex": ("small", "AVAL", "SEX", ["BASE"]), "small_site_three_levels": ("small", "AVAL", "SITE", []),
                    "twin_fcp12": ("twin", "FCP12", "SUBGRP", ["BFCP"]),
                    "packaged_twin_lfcp12": ("packaged_twin", "LFCP12", "SUBGRP", ["LBFCP"])}[r["dataset"]]
            d = data(spec[0])
            if spec[0] == "packaged_twin":
                d["SUBGRP"] = d.ONSETGR
            g = st.interaction_test(d, outcome=spec[1], group="TRT01P", subgroup=spec[2], covariates=spec[3],
                                    family="gaussian", reference="CONTROL")
            eff = g[g.term == "treatment effect"]
            add("interaction (linear): effects, F, LR", "lm(); anova(); logLik()",
                list(eff.estimate) + list(eff.ci_low) + list(eff.p_value)
                + [g[g.test == "Wald"].statistic.iloc[0], g[g.test == "LR"].statistic.iloc[0]],
                list(r["effect"]) + list(r["effect_ci_low"]) + list(r["effect_p"]) + [r["f"], r["lr"]])


def imputation():
    for r in records("imputation"):
        if r["fun"] in ("pool_lm", "pool_glm"):
            p = len(r["terms"])
            q = np.asarray(r["q"], float).reshape(p, -1)
            u = np.asarray(r["u"], float).reshape(p, -1)
            for j in range(p):
                g = st.pool_rubin(q[j], u[j], df_complete=r["dfcom"][j]).iloc[0]
                add("Rubin's rules (pooled estimate, SE, df, CI, p, fmi)", "mice::pool() on fixed completed datasets",
                    [g.estimate, g.se, g.df, g.ci_low, g.ci_high, g.p_value, g.fmi],
                    [r[k][j] for k in ("estimate", "se", "df", "ci_low", "ci_high", "p_value", "fmi")])
        else:
            g = st.pool_rubin(r["q"], r["u"], df_complete=None if r["dfcom"] == "Inf" else r["dfcom"]).iloc[0]
            add("Rubin's rules, scalar", "mice::pool.scalar()", [g.estimate, g.total, g.df, g.fmi],
                [r["estimate"], r["t"], r["df"], r["fmi"]])


def weighting():
    for r in records("weighting"):
        name = r["dataset"]
        d = data("packaged_twin" if name == "packaged_twin" else "twin" if name.startswith("twin") else "small")
        d = d[d[r["outcome"]].notna()]
        g = st.iptw_difference(d, outcome=r["outcome"], group="TRT01P", covariates=r["covariates"],
                               reference="CONTROL", stabilized=r["stabilized"]).iloc[0]
        w = st.propensity_weights(d, group="TRT01P", covariates=r["covariates"], reference="CONTROL",
                                  stabilized=r["stabilized"]).weight
        b = st.standardized_differences(d, group="TRT01P", covariates=r["covariates"], weights=w,
                                        reference="CONTROL")
        add("IPTW weights, weighted difference, sandwich SE", "glm() propensity; survey::svyglm()",
            list(w) + [g.estimate, g.se], list(r["weight"]) + [r["estimate"], r["se"]])
        add("standardised mean differences", "formula in R (cobalt convention)",
            list(b.smd) + list(b.smd_weighted), list(r["smd"]) + list(r["smd_weighted"]))


def standardization():
    for r in records("standardization"):
        name = r["dataset"]
        d = data("packaged_twin" if name.startswith("packaged_twin") else
                 "twin" if name.startswith("twin") else "small")
        if name == "twin_separated":
            d.loc[d.TRT01P == "CONTROL", "REMISS"] = 0
        g = st.standardized_risks(d, outcome=r["outcome"], group="TRT01P",
                                  covariates=r["covariates"], reference="CONTROL",
                                  method="firth" if r["fit"] == "firth" else "ml",
                                  variance=r["variance"])
        add("standardised risks (RD, RR, OR), delta-method SE", "glm() / brglm2; numDeriv gradients",
            list(g.estimate) + list(g.se), list(r["estimate"]) + list(r["se"]))


def multiplicity():
    from t1dtrial.analysis.multiplicity import adjust
    for r in records("multiplicity"):
        add("Holm adjusted p-values", "p.adjust(method = 'holm')",
            adjust(r["p"], "holm", 0.05)[0], r["adjusted"])


def main():
    proportions()
    continuous()
    ancova()
    logistic()
    mixed()
    survival()
    interaction()
    imputation()
    weighting()
    standardization()
    multiplicity()
    print("| statistic | reference | values | largest deviation |")
    print("| --- | --- | --- | --- |")
    for stat, devs in DEV.items():
        print(f"| {stat} | {REF[stat]} | {len(devs)} | {max(devs):.2e} |")


if __name__ == "__main__":
    main()

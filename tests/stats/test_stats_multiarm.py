"""Three arms in one model against R: the MMRM (nlme::gls + emmeans) and the subgroup x arm
interaction (glm), from tests/reference/multiarm.R on tests/reference/data/multiarm*.csv."""

from __future__ import annotations

import pytest

from t1dtrial.errors import EstimationError
from t1dtrial.stats import interaction_test, mmrm

ITER = 1e-4


def _record(reference, fun):
    (r,) = [r for r in reference("multiarm") if r["fun"] == fun]
    return r


@pytest.fixture(scope="module")
def three_arm_mmrm(dataset):
    d = dataset("multiarm_long")
    return mmrm(d, subject="USUBJID", visit="AVISIT", outcome="AVAL", group="TRT01P",
                baseline="BASE", covariates=["SEX"], reference="CONTROL",
                visit_order=["M3", "M6", "M12"])


def test_three_arm_mmrm_contrasts_match_gls_and_emmeans(three_arm_mmrm, reference, close):
    r = _record(reference, "mmrm_three_arms")
    diff = three_arm_mmrm.loc[three_arm_mmrm.term == "difference"].set_index(["visit", "group"])
    assert len(diff) == 6
    for i, (visit, contrast) in enumerate(zip(r["diff_visit"], r["diff_contrast"])):
        row = diff.loc[(visit, contrast)]
        assert close(row["estimate"], r["diff"][i], ITER), (visit, contrast)
        assert close(row["se"], r["diff_se"][i], ITER), (visit, contrast)
        # Satterthwaite df rest on numerical Hessians on both sides
        assert close(row["df"], r["diff_df"][i], 2e-2), (visit, contrast, row["df"])
        assert close(row["p_value"], r["diff_p"][i], 1e-2), (visit, contrast)
        assert close(row["ci_low"], r["diff_ci_low"][i], 1e-3), (visit, contrast)


def test_three_arm_mmrm_least_squares_means_match_emmeans(three_arm_mmrm, reference, close):
    r = _record(reference, "mmrm_three_arms")
    ls = three_arm_mmrm.loc[three_arm_mmrm.term == "lsmean"].set_index(["visit", "group"])
    for visit, group, est, se in zip(r["lsmean_visit"], r["lsmean_group"], r["lsmean"],
                                     r["lsmean_se"]):
        assert close(ls.at[(visit, group), "estimate"], est, ITER), (visit, group)
        assert close(ls.at[(visit, group), "se"], se, ITER), (visit, group)


def test_three_arm_mmrm_rows_come_from_one_fit_in_a_fixed_order(three_arm_mmrm):
    at = three_arm_mmrm.loc[three_arm_mmrm.visit == "M3"]
    assert at["group"].tolist() == ["HIGH", "LOW", "CONTROL", "HIGH - CONTROL", "LOW - CONTROL"]
    assert three_arm_mmrm["method"].nunique() == 1


def test_mmrm_with_an_arm_absent_from_a_visit_says_so(dataset):
    d = dataset("multiarm_long")
    d = d.loc[~((d.TRT01P == "LOW") & (d.AVISIT == "M6"))]
    with pytest.raises(EstimationError, match="visit M6 has no subject of group LOW"):
        mmrm(d, subject="USUBJID", visit="AVISIT", outcome="AVAL", group="TRT01P",
             baseline="BASE", reference="CONTROL", visit_order=["M3", "M6", "M12"])


@pytest.fixture(scope="module")
def three_arm_interaction(dataset):
    return interaction_test(dataset("multiarm"), outcome="REMISS", group="TRT01P",
                            subgroup="SUBGRP", reference="CONTROL")


def test_three_arm_interaction_per_pair_tests_match_glm(three_arm_interaction, reference, close):
    r = _record(reference, "interaction_three_arms")
    inter = three_arm_interaction.loc[three_arm_interaction.term == "interaction"]
    for i, comparison in enumerate(["HIGH vs CONTROL", "LOW vs CONTROL"]):
        rows = inter.loc[inter.comparison == comparison].set_index("test")
        assert close(rows.at["Wald", "estimate"], r["interaction"][i], ITER)
        assert close(rows.at["Wald", "statistic"], r["wald"][i], ITER)
        assert close(rows.at["Wald", "p_value"], r["wald_p"][i], ITER)
        assert close(rows.at["LR", "statistic"], r["lr"][i], ITER)
        assert close(rows.at["LR", "p_value"], r["lr_p"][i], ITER)
        assert close(rows.at["LR", "ci_low"], r["lr_ci_low"][i], ITER)
        assert close(rows.at["LR", "ci_high"], r["lr_ci_high"][i], ITER)
        assert rows.at["LR", "n"] == 60 and rows.at["LR", "df"] == 1


def test_three_arm_interaction_joint_test_matches_anova_of_glm(three_arm_interaction,
                                                               reference, close):
    r = _record(reference, "interaction_three_arms")
    joint = three_arm_interaction.loc[three_arm_interaction.comparison
                                      == "HIGH, LOW vs CONTROL (joint)"].set_index("test")
    assert close(joint.at["LR", "statistic"], r["joint_lr"], ITER)
    assert close(joint.at["LR", "p_value"], r["joint_lr_p"], ITER)
    assert close(joint.at["Wald", "statistic"], r["joint_wald"], ITER)
    assert joint.at["LR", "df"] == r["joint_lr_df"] == 2
    assert joint.at["LR", "n"] == 90


def test_three_arm_interaction_effects_within_subgroups_match_glm(three_arm_interaction,
                                                                  reference, close):
    r = _record(reference, "interaction_three_arms")
    eff = three_arm_interaction.loc[three_arm_interaction.term == "treatment effect"]
    assert eff["comparison"].tolist() == ["HIGH vs CONTROL"] * 2 + ["LOW vs CONTROL"] * 2
    for col, key in (("estimate", "effect"), ("ci_low", "effect_ci_low"),
                     ("ci_high", "effect_ci_high"), ("p_value", "effect_p")):
        for got, want in zip(eff[col], r[key]):
            assert close(got, want, ITER), col


def test_two_arm_interaction_has_no_joint_row(dataset):
    d = dataset("multiarm")
    got = interaction_test(d.loc[d.TRT01P != "LOW"], outcome="REMISS", group="TRT01P",
                           subgroup="SUBGRP", reference="CONTROL")
    assert got.loc[got.term == "interaction", "comparison"].tolist() == ["HIGH vs CONTROL"] * 2


def test_three_arm_linear_interaction_matches_lm_and_anova(dataset, reference, close):
    r = _record(reference, "interaction_gaussian_three_arms")
    d = dataset("multiarm_long")
    got = interaction_test(d.loc[d.AVISIT == "M12"], outcome="AVAL", group="TRT01P",
                           subgroup="SEX", covariates=["BASE"], family="gaussian",
                           reference="CONTROL")
    f = got.loc[(got.term == "interaction") & (got.test == "Wald")].set_index("comparison")
    for i, comparison in enumerate(["HIGH vs CONTROL", "LOW vs CONTROL"]):
        assert close(f.at[comparison, "estimate"], r["interaction"][i], 1e-6)
        assert close(f.at[comparison, "statistic"], r["pair_f"][i], 1e-6)
        assert close(f.at[comparison, "p_value"], r["pair_f_p"][i], 1e-6)
    joint = f.loc["HIGH, LOW vs CONTROL (joint)"]
    assert close(joint["statistic"], r["joint_f"], 1e-6)
    assert close(joint["p_value"], r["joint_f_p"], 1e-6)
    assert joint["df"] == r["joint_f_df"] == 2
    eff = got.loc[got.term == "treatment effect"]
    for col, key in (("estimate", "effect"), ("p_value", "effect_p"),
                     ("ci_low", "effect_ci_low"), ("ci_high", "effect_ci_high")):
        for a, b in zip(eff[col], r[key]):
            assert close(a, b, 1e-6), col


def test_a_subgroup_without_one_of_three_arms_is_not_estimable_and_says_so(dataset):
    d = dataset("multiarm")
    d = d.loc[~((d.TRT01P == "LOW") & (d.SUBGRP == "adult_onset"))]
    with pytest.raises(EstimationError, match="a subgroup lacks one of the groups"):
        interaction_test(d, outcome="REMISS", group="TRT01P", subgroup="SUBGRP",
                         reference="CONTROL")

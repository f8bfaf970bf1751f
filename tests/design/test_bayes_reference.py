"""Bayesian decision rule and assurance against base R's numerical integration.

The R fixture (``tests/reference/design_bayes.R``) integrates ``P(p_t > p_c | x1, x2)`` for every
table with ``integrate()``, sums ``dbinom`` over the rule's region for power and type I error,
and integrates that power against the design prior with a nested ``integrate()``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from t1dtrial.design.bayes import (
    BetaPrior,
    assurance,
    decision_region,
    posterior_prob_greater,
    probability_of_success,
    success_region,
)

FIXTURE = Path(__file__).parents[1] / "reference" / "fixtures" / "design_bayes.json"
RECORDS = json.loads(FIXTURE.read_text())["records"]


def boundary(region: np.ndarray) -> list[int]:
    """For each x2, the smallest x1 in the region (n1 + 1 when none), as the R script writes it."""
    return [int(np.argmax(col)) if col.any() else region.shape[0] for col in region.T]


@pytest.mark.parametrize("record", [r for r in RECORDS if r["fun"] == "decision_region"],
                         ids=lambda r: f"{r['n1']}v{r['n2']}")
def test_decision_rule_matches_r(record):
    n1, n2 = record["n1"], record["n2"]
    treated, control = BetaPrior(*record["prior_treated"]), BetaPrior(*record["prior_control"])
    prob = posterior_prob_greater(n1, n2, treated, control)
    np.testing.assert_allclose(prob, np.array(record["posterior"]), rtol=0, atol=1e-10)
    rule = decision_region(n1, n2, record["threshold"], prior_treated=treated,
                           prior_control=control)
    assert boundary(rule) == record["boundary"]
    assert probability_of_success(rule, record["p1"], record["p2"]) == pytest.approx(
        record["power"], abs=1e-12)
    np.testing.assert_allclose(probability_of_success(rule, record["null_p"], record["null_p"]),
                               record["type_one_error"], rtol=0, atol=1e-12)
    design = BetaPrior(*record["design_treated"]), BetaPrior(*record["design_control"])
    assert assurance(rule, *design) == pytest.approx(record["assurance"], abs=1e-10)


@pytest.mark.parametrize("record", [r for r in RECORDS if r["fun"] == "success_region"],
                         ids=lambda r: f"{r['n1']}v{r['n2']}")
def test_fisher_success_and_its_assurance_match_r(record):
    region = success_region(record["n1"], record["n2"], test="fisher", alpha=record["alpha"])
    assert boundary(region) == record["boundary"]
    design = BetaPrior(*record["design_treated"]), BetaPrior(*record["design_control"])
    assert assurance(region, *design) == pytest.approx(record["assurance"], abs=1e-10)

"""Kaplan-Meier survival beyond the last observation."""

from __future__ import annotations

import math

from t1dtrial.stats import kaplan_meier


def test_survival_after_every_event_is_zero_not_unknown():
    # R: summary(survfit(Surv(c(147, 156, 160), c(1, 1, 1)) ~ 1), times = 180, extend = TRUE)$surv == 0
    r = kaplan_meier([147, 156, 160], [1, 1, 1], times=[150, 180])
    at = r.set_index("time").loc[180.0]
    assert at["estimate"] == 0.0
    assert math.isnan(at["ci_low"]) and math.isnan(at["ci_high"])
    assert r.set_index("time").loc[150.0, "estimate"] == 2 / 3


def test_survival_beyond_a_censored_end_stays_unknown():
    r = kaplan_meier([147, 156, 160], [1, 1, 0], times=[180])
    assert math.isnan(r.set_index("time").loc[180.0, "estimate"])

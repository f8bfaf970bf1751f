# Reference values for the dose-response (Cochran-Armitage) and time-to-event (Kaplan-Meier,
# log-rank) methods on the simulated three-arm trial of tests/analysis/protocols/dose_response_tte.yaml.
# Data: python tests/reference/data/make_dose_tte.py. Regenerate: Rscript tests/reference/dose_tte.R
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "_common.R"))
suppressPackageStartupMessages(library(survival))

tte <- read_data("dose_tte_adtte")
counts <- read_data("dose_tte_counts")
days <- c(M1 = 30, M3 = 91, M6 = 182, M9 = 273, M12 = 365)

# Kaplan-Meier of each arm: median (quantile) and survival at the planned visit days
for (arm in unique(tte$TRT01P)) {
  d <- tte[tte$TRT01P == arm, ]
  call <- sprintf("survfit(Surv(AVAL, 1 - CNSR) ~ 1, data = tte[tte$TRT01P == \"%s\", ], conf.type = \"log-log\")", arm)
  fit <- ev(call)
  q <- quantile(fit, probs = 0.5)
  sm <- summary(fit, times = days)
  rec("dose_tte_adtte", "kaplan_meier", call, arm = arm,
      median = q$quantile, median_ci_low = q$lower, median_ci_high = q$upper,
      times = sm$time, surv = sm$surv, surv_ci_low = sm$lower, surv_ci_high = sm$upper,
      n_risk = sm$n.risk, summary_call = "summary(fit, times = c(30, 91, 182, 273, 365))")
}

# log-rank test of each active arm against control
for (arm in c("LOW", "HIGH")) {
  call <- sprintf("survdiff(Surv(AVAL, 1 - CNSR) ~ TRT01P, data = tte[tte$TRT01P %%in%% c(\"%s\", \"CONTROL\"), ])", arm)
  sd <- ev(call)
  rec("dose_tte_adtte", "log_rank", call, comparison = paste(arm, "vs CONTROL"),
      chisq = sd$chisq, p_value = pchisq(sd$chisq, df = 1, lower.tail = FALSE))
}

# Cochran-Armitage trend test of remission at M12 by subgroup, scores = planned cumulative dose
for (sg in unique(counts$subgroup)) {
  d <- counts[counts$subgroup == sg, ]
  call <- sprintf("prop.trend.test(c(%s), c(%s), score = c(%s))", paste(d$responders, collapse = ", "),
                  paste(d$n, collapse = ", "), paste(d$score, collapse = ", "))
  t <- ev(call)
  # slope of the proportion on the score, least squares weighted by group size
  fit <- lm(p ~ score, weights = n, data = transform(d, p = responders / n))
  rec("dose_tte_counts", "cochran_armitage", call, subgroup = sg,
      statistic = unname(t$statistic), p_value = t$p.value, slope = unname(coef(fit)[2]),
      slope_call = "coef(lm(responders / n ~ score, weights = n))[2]")
}
# linear trend of the change in HbA1c at M12 on the dose score, adjusted for baseline
hba1c <- read_data("dose_tte_hba1c")
sets <- list(all = rep(TRUE, nrow(hba1c)), adult_onset = hba1c$SGADONFL == "Y",
             juvenile_onset = hba1c$SGADONFL != "Y")
for (sg in names(sets)) {
  call <- sprintf("lm(CHG ~ SCORE + BASE, data = hba1c[%s, ])", sg)
  fit <- lm(CHG ~ SCORE + BASE, data = hba1c[sets[[sg]], ])
  co <- summary(fit)$coefficients
  ci <- confint(fit, "SCORE", level = 0.95)
  rec("dose_tte_hba1c", "linear_trend", call, subgroup = sg, estimate = co["SCORE", 1],
      se = co["SCORE", 2], p_value = co["SCORE", 4], ci_low = ci[1], ci_high = ci[2],
      n = nobs(fit), confint_call = "confint(fit, \"SCORE\", level = 0.95)")
}
save_fixture("dose_tte")

# Reference values for t1dtrial.stats.survival (Kaplan-Meier).
# Regenerate: Rscript tests/reference/survival.R
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "_common.R"))
suppressPackageStartupMessages(library(survival))

km <- read_data("km")
ins <- read_data("packaged_twin_insfree")  # the packaged synthetic twin
sets <- list(
  packaged_twin_insfree = list(time = ins$TIME, event = ins$EVENT, times = c(90, 150, 158)),
  km_ties = list(time = km$TIME, event = km$EVENT, times = c(30, 100, 200, 365)),
  insulin_free_three = list(time = c(92, 181, 365), event = c(1, 1, 0), times = c(90, 180, 270)),
  small_handmade = list(time = c(9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161),
                        event = c(1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0), times = c(10, 20, 40)),
  edge_exact_half = list(time = c(1, 2, 3, 4), event = c(1, 1, 1, 1), times = c(2, 3.5)),
  edge_all_censored = list(time = c(30, 60, 90), event = c(0, 0, 0), times = c(45))
)
for (nm in names(sets)) {
  s <- sets[[nm]]
  vec <- function(v) paste0("c(", paste(v, collapse = ", "), ")")
  for (ct in c("log-log", "log", "plain")) {
    call <- sprintf("survfit(Surv(%s, %s) ~ 1, conf.type = \"%s\")", vec(s$time), vec(s$event), ct)
    fit <- ev(call)
    q <- quantile(fit, probs = 0.5)
    sm <- summary(fit, times = s$times[s$times <= max(s$time)])
    rec(nm, "kaplan_meier", call, time = s$time, event = s$event, conf_type = ct,
        median = q$quantile, median_ci_low = q$lower, median_ci_high = q$upper,
        median_call = "quantile(fit, probs = 0.5)",
        times = sm$time, surv = sm$surv, surv_ci_low = sm$lower, surv_ci_high = sm$upper,
        n_risk = sm$n.risk, std_err_cumhaz = sm$std.err / sm$surv,
        summary_call = sprintf("summary(fit, times = %s)", vec(s$times[s$times <= max(s$time)])))
  }
}
save_fixture("survival")

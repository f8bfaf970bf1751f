# Reference values for t1dtrial.stats.continuous.
# Regenerate: Rscript tests/reference/continuous.R
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "_common.R"))
suppressPackageStartupMessages(library(emmeans))

twin <- read_data("twin")
small <- read_data("small")
pt <- read_data("packaged_twin")  # the packaged synthetic twin
twin$LFCP12 <- log(twin$FCP12 + 1)
g <- function(d, v, lev) { x <- d[[v]][d$TRT01P == lev]; x[!is.na(x)] }

samples <- list(
  twin_fcp12 = list(x = g(twin, "FCP12", "MSC"), y = g(twin, "FCP12", "CONTROL")),
  twin_hba1c12_ties = list(x = g(twin, "HBA1C12", "MSC"), y = g(twin, "HBA1C12", "CONTROL")),
  packaged_twin_lfcp12 = list(x = g(pt, "LFCP12", "MSC"), y = g(pt, "LFCP12", "CONTROL")),
  small_aval = list(x = g(small, "AVAL", "MSC"), y = g(small, "AVAL", "CONTROL")),
  edge_ties_tiny = list(x = c(0.1, 0.1, 0.2, 0.4), y = c(0.1, 0.3, 0.3)),
  edge_two_each = list(x = c(1.5, 2.5), y = c(0.2, 0.4))
)

for (nm in names(samples)) {
  x <- samples[[nm]]$x; y <- samples[[nm]]$y
  vec <- function(v) paste0("c(", paste(format(v, digits = 15), collapse = ", "), ")")
  call <- sprintf("t.test(%s, %s)", vec(x), vec(y))
  t <- ev(call)
  rec(nm, "welch_t", call, x = x, y = y, estimate = unname(t$estimate[1] - t$estimate[2]),
      ci_low = t$conf.int[1], ci_high = t$conf.int[2], p_value = t$p.value,
      statistic = t$statistic, df = t$parameter)
  call <- sprintf("suppressWarnings(wilcox.test(%s, %s, conf.int = TRUE))", vec(x), vec(y))
  w <- ev(call)
  exact <- !grepl("continuity|normal", w$method) && length(unique(c(x, y))) == length(c(x, y))
  rec(nm, "mann_whitney", call, x = x, y = y, r_estimate = w$estimate, ci_low = w$conf.int[1],
      ci_high = w$conf.int[2], p_value = w$p.value, statistic = w$statistic, r_method = w$method,
      exact = exact, hodges_lehmann = median(outer(x, y, "-")),
      hodges_lehmann_call = "median(outer(x, y, \"-\"))")
}

# ANCOVA: lm + emmeans (covariates at their means, factors equally weighted)
anc <- function(nm, d, formula, group) {
  call <- sprintf("emmeans(lm(%s, data = d), \"%s\")", formula, group)
  fit <- lm(as.formula(formula), data = d)
  em <- emmeans(fit, group)
  s <- summary(em, infer = c(TRUE, TRUE))
  dif <- summary(contrast(em, list(diff = c(-1, 1))), infer = c(TRUE, TRUE))
  rec(nm, "ancova", call, formula = formula, group = group,
      levels = as.character(s[[group]]), lsmean = s$emmean, lsmean_se = s$SE,
      lsmean_ci_low = s$lower.CL, lsmean_ci_high = s$upper.CL, lsmean_p = s$p.value,
      df = s$df[1], diff = dif$estimate, diff_se = dif$SE, diff_ci_low = dif$lower.CL,
      diff_ci_high = dif$upper.CL, diff_p = dif$p.value,
      contrast_call = "contrast(em, list(diff = c(-1, 1)))  # second level minus first")
}
d <- twin
anc("twin", d, "FCP12 ~ TRT01P + BFCP + AGEONSET + SEX", "TRT01P")
anc("twin_log", d, "LFCP12 ~ TRT01P + BFCP + AGEONSET + SEX", "TRT01P")
anc("twin_nocov", d, "FCP12 ~ TRT01P", "TRT01P")
anc("packaged_twin", pt, "LFCP12 ~ TRT01P + LBFCP + AGEONSET + SEX", "TRT01P")
d <- small
anc("small", d, "AVAL ~ TRT01P + BASE + SEX", "TRT01P")
anc("small_three_level_factor", d, "AVAL ~ TRT01P + BASE + SITE + AGEONSET", "TRT01P")
save_fixture("continuous")

# Reference values for t1dtrial.stats.one_sample (within-arm change from baseline).
# Regenerate: Rscript tests/reference/one_sample.R
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "_common.R"))

# The packaged twin's changes from baseline at M12, within each arm
adlb <- read_data("plan_adlb")
adsl <- read_data("plan_adsl")
m12 <- merge(adlb[adlb$AVISIT == "M12", ], adsl[, c("USUBJID", "TRT01P")], by = "USUBJID")
m12 <- m12[order(m12$USUBJID), ]

samples <- list()
for (p in c("FCP", "PCP", "HBA1C")) for (v in c("CHG", "PCHG")) for (a in c("MSC", "CONTROL")) {
  x <- m12[[v]][m12$PARAMCD == p & m12$TRT01P == a]
  samples[[paste("packaged_twin", p, v, a, sep = "_")]] <- list(x = x[!is.na(x)], mu = 0, conf_level = 0.95)
}
samples$small <- list(x = c(0.12, -0.05, 0.30, 0.08, 0.21, 0.15, -0.02), mu = 0, conf_level = 0.95)
samples$small_mu <- list(x = c(7.9, 8.4, 6.1, 7.2, 9.3, 6.8, 7.5, 8.8, 6.6), mu = 7, conf_level = 0.90)
samples$edge_ties_zeros <- list(x = c(1, 1, 2, -3, 0, 2.5, 4, 4, 5, 0), mu = 0, conf_level = 0.95)
samples$edge_ties_zeros_mu <- list(x = c(0.4, 0.5, 0.5, 0.6, 0.5, 0.3, 0.7, 0.9, 0.1, 0.5, 0.45), mu = 0.5,
                                   conf_level = 0.95)
samples$edge_n2 <- list(x = c(0.3, 1.1), mu = 0, conf_level = 0.95)
samples$edge_n5_small_level <- list(x = c(-0.4, 0.6, 1.3, 2.2, 0.9), mu = 0, conf_level = 0.95)
samples$edge_n6_ties <- list(x = c(-0.4, 0.6, 0.6, 2.2, 0.9, 1.7), mu = 0, conf_level = 0.95)

# 17 significant digits: the calls reproduce the doubles exactly, and the fixture
# stores x as text so that ties are neither made nor lost by JSON's 15 digits
vec <- function(v) paste0("c(", paste(sprintf("%.17g", v), collapse = ", "), ")")
for (nm in names(samples)) {
  s <- samples[[nm]]; x <- s$x; mu <- s$mu; cl <- s$conf_level
  call <- sprintf("t.test(%s, mu = %.17g, conf.level = %.17g)", vec(x), mu, cl)
  t <- ev(call)
  rec(nm, "one_sample_t", call, x = sprintf("%.17g", x), mu = mu, conf_level = cl,
      estimate = unname(t$estimate), ci_low = t$conf.int[1], ci_high = t$conf.int[2],
      p_value = t$p.value, statistic = t$statistic, df = t$parameter)

  call <- sprintf("wilcox.test(%s, mu = %.17g, conf.level = %.17g, conf.int = TRUE)", vec(x), mu, cl)
  warned <- character(0)
  w <- withCallingHandlers(ev(call), warning = function(e) {
    warned <<- c(warned, conditionMessage(e)); invokeRestart("muffleWarning")
  })
  used <- x[x != mu]
  wa <- outer(used, used, "+")
  exact <- grepl("exact", w$method)
  rec(nm, "wilcoxon_signed_rank", call, x = sprintf("%.17g", x), mu = mu, conf_level = cl,
      r_estimate = unname(w$estimate), ci_low = w$conf.int[1], ci_high = w$conf.int[2],
      achieved_conf_level = attr(w$conf.int, "conf.level"), p_value = w$p.value,
      statistic = w$statistic, r_method = w$method, exact = exact, warnings = warned,
      hodges_lehmann = median(wa[!lower.tri(wa)] / 2),
      hodges_lehmann_call = "used <- x[x != mu]; w <- outer(used, used, \"+\"); median(w[!lower.tri(w)] / 2)")
}
save_fixture("one_sample")

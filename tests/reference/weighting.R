# Reference values for t1dtrial.stats.weighting (IPTW).
# Regenerate: Rscript tests/reference/weighting.R
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "_common.R"))
suppressPackageStartupMessages(library(survey))

twin <- read_data("twin"); twin$TRT <- as.integer(twin$TRT01P == "MSC")
small <- read_data("small"); small$TRT <- as.integer(small$TRT01P == "MSC")
pt <- read_data("packaged_twin"); pt$TRT <- as.integer(pt$TRT01P == "MSC")  # the packaged synthetic twin

smd <- function(x, t, w) {
  a <- x[t == 1]; b <- x[t == 0]
  bin <- all(x %in% c(0, 1))
  va <- if (bin) mean(a) * (1 - mean(a)) else var(a); vb <- if (bin) mean(b) * (1 - mean(b)) else var(b)
  s <- sqrt((va + vb) / 2)
  wa <- weighted.mean(a, w[t == 1]); wb <- weighted.mean(b, w[t == 0])
  c(mean(a), mean(b), (mean(a) - mean(b)) / s, wa, wb, (wa - wb) / s)
}

one <- function(nm, dname, y, ps_rhs, stabilized = TRUE) {
  d <- get(dname); d <- d[!is.na(d[[y]]), ]
  ps_call <- sprintf("glm(TRT ~ %s, family = binomial, data = d, control = glm.control(epsilon = 1e-14, maxit = 100))", ps_rhs)
  ps <- ev(ps_call)
  e <- fitted(ps)
  w <- if (stabilized) ifelse(d$TRT == 1, mean(d$TRT) / e, (1 - mean(d$TRT)) / (1 - e)) else
    ifelse(d$TRT == 1, 1 / e, 1 / (1 - e))
  d$w <- w
  call <- sprintf("svyglm(%s ~ TRT, design = svydesign(ids = ~1, weights = ~w, data = d))", y)
  fit <- ev(call)
  est <- unname(coef(fit)[2]); se <- unname(SE(fit)[2])
  # covariate balance by formula (unweighted pooled SD in the denominator, as cobalt)
  mm <- model.matrix(as.formula(paste("~ 0 +", ps_rhs)), d)
  covs <- all.vars(as.formula(paste("~", ps_rhs)))
  terms <- c(); bal <- c()
  for (v in covs) {
    if (is.character(d[[v]])) {
      for (lev in sort(unique(d[[v]]))) { terms <- c(terms, sprintf("%s[%s]", v, lev))
        bal <- rbind(bal, smd(as.numeric(d[[v]] == lev), d$TRT, w)) }
    } else { terms <- c(terms, v); bal <- rbind(bal, smd(d[[v]], d$TRT, w)) }
  }
  rec(nm, "iptw", call, outcome = y, covariates = covs, stabilized = stabilized, ps_call = ps_call,
      propensity = unname(e), weight = unname(w), estimate = est, se = se,
      ci_low = est - qnorm(0.975) * se, ci_high = est + qnorm(0.975) * se,
      p_value = 2 * pnorm(-abs(est) / se),
      ci_note = "normal interval coef +- qnorm(0.975) * SE(svyglm)",
      smd_terms = terms, mean_comparator = bal[, 1], mean_reference = bal[, 2], smd = bal[, 3],
      mean_comparator_weighted = bal[, 4], mean_reference_weighted = bal[, 5], smd_weighted = bal[, 6],
      smd_call = "(mean_1 - mean_0) / sqrt((var_1 + var_0) / 2), weighted.mean after weighting, unweighted SD")
}
one("twin", "twin", "REMISS", "BFCP + AGEONSET + SEX + DURDIAG")
one("twin_fcp12", "twin", "FCP12", "BFCP + AGEONSET + SEX + DURDIAG")
one("packaged_twin", "pt", "REMISS", "BFCP + AGEONSET + SEX + DURDIAG")
one("small", "small", "RESP", "BASE + AGEONSET")
one("small_unstabilised", "small", "AVAL", "BASE + AGEONSET + SEX", stabilized = FALSE)
save_fixture("weighting")

# Reference values for t1dtrial.stats.imputation: Rubin's rules (mice::pool,
# mice::pool.scalar) on FIXED completed datasets written by t1dtrial
# (data/mi_completed.csv): the imputations cannot match R's, the pooling must.
# Regenerate: Rscript tests/reference/imputation.R
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "_common.R"))
suppressPackageStartupMessages(library(mice))

mi <- read_data("mi_completed")
mi$TRT01P <- factor(mi$TRT01P, levels = c("CONTROL", "MSC"))
imps <- split(mi, mi$IMP)
m <- length(imps)

# 1. linear model coefficients pooled by mice::pool (Barnard-Rubin df, dfcom = n - p)
fits <- lapply(imps, function(d) lm(FCP12_MI ~ TRT01P + BFCP, data = d))
call <- "summary(pool(as.mira(lapply(imps, function(d) lm(FCP12_MI ~ TRT01P + BFCP, data = d)))), conf.int = TRUE)"
pl <- pool(as.mira(fits)); s <- summary(pl, conf.int = TRUE)
rec("twin_mi_completed", "pool_lm", call, terms = as.character(s$term),
    q = t(sapply(fits, coef)), u = t(sapply(fits, function(f) diag(vcov(f)))),
    dfcom = pl$pooled$dfcom, estimate = s$estimate, se = s$std.error, df = s$df, p_value = s$p.value,
    ci_low = s[["2.5 %"]], ci_high = s[["97.5 %"]], riv = pl$pooled$riv, lambda = pl$pooled$lambda,
    fmi = pl$pooled$fmi, ubar = pl$pooled$ubar, b = pl$pooled$b, t = pl$pooled$t)

# 2. logistic model coefficients (glm) pooled by mice::pool
fits <- lapply(imps, function(d) glm(REMISS_MI ~ TRT01P + BFCP, family = binomial, data = d,
                                     control = glm.control(epsilon = 1e-14, maxit = 100)))
call <- "summary(pool(as.mira(lapply(imps, function(d) glm(REMISS_MI ~ TRT01P + BFCP, binomial, data = d)))), conf.int = TRUE)"
pl <- pool(as.mira(fits)); s <- summary(pl, conf.int = TRUE)
rec("twin_mi_completed", "pool_glm", call, terms = as.character(s$term),
    q = t(sapply(fits, coef)), u = t(sapply(fits, function(f) diag(vcov(f)))),
    dfcom = pl$pooled$dfcom, estimate = s$estimate, se = s$std.error, df = s$df, p_value = s$p.value,
    ci_low = s[["2.5 %"]], ci_high = s[["97.5 %"]], fmi = pl$pooled$fmi)

# 3. the risk difference and the difference in means (closed-form per imputation)
for (v in c("REMISS_MI", "FCP12_MI")) {
  q <- sapply(imps, function(d) mean(d[[v]][d$TRT == 1]) - mean(d[[v]][d$TRT == 0]))
  u <- sapply(imps, function(d) {
    a <- d[[v]][d$TRT == 1]; b <- d[[v]][d$TRT == 0]
    if (v == "REMISS_MI") mean(a) * (1 - mean(a)) / length(a) + mean(b) * (1 - mean(b)) / length(b)
    else var(a) / length(a) + var(b) / length(b)
  })
  n <- nrow(imps[[1]])
  call <- sprintf("pool.scalar(Q = q, U = u, n = %d, k = 2)", n)
  ps <- ev(call)
  tq <- qt(0.975, ps$df)
  rec("twin_mi_completed", "pool_scalar", call, variable = v, q = q, u = u, dfcom = n - 2,
      estimate = ps$qbar, ubar = ps$ubar, b = ps$b, t = ps$t, df = ps$df, riv = ps$r, fmi = ps$fmi,
      ci_low = ps$qbar - tq * sqrt(ps$t), ci_high = ps$qbar + tq * sqrt(ps$t),
      p_value = 2 * pt(-abs(ps$qbar) / sqrt(ps$t), ps$df))
}
# 4. edge: no between-imputation variance, and large-sample (dfcom = Inf)
call <- "pool.scalar(Q = c(0.2, 0.2, 0.2), U = c(0.01, 0.012, 0.011), n = Inf)"
ps <- ev(call)
rec("edge_no_between", "pool_scalar", call, q = c(0.2, 0.2, 0.2), u = c(0.01, 0.012, 0.011), dfcom = "Inf",
    estimate = ps$qbar, t = ps$t, df = ps$df, fmi = ps$fmi, riv = ps$r)
call <- "pool.scalar(Q = c(1.1, 0.7, 1.6, 0.9, 1.3), U = c(0.2, 0.25, 0.18, 0.22, 0.21), n = Inf)"
ps <- ev(call)
rec("edge_large_sample", "pool_scalar", call, q = c(1.1, 0.7, 1.6, 0.9, 1.3), u = c(0.2, 0.25, 0.18, 0.22, 0.21),
    dfcom = "Inf", estimate = ps$qbar, t = ps$t, df = ps$df, fmi = ps$fmi, riv = ps$r)
save_fixture("imputation")

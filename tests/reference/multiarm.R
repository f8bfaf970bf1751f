# Reference values for more than two arms: the MMRM with a three-level treatment factor
# (nlme::gls + emmeans), the logistic subgroup x arm interaction (glm; joint and per-pair
# tests) and the Cochran-Armitage trend test (prop.trend.test and the formula by hand).
# Data: python tests/reference/data/make_multiarm.py
# Regenerate: Rscript tests/reference/multiarm.R
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "_common.R"))
source(file.path(ref_dir, "_profile.R"))
suppressPackageStartupMessages({library(nlme); library(emmeans)})
set.seed(20261127)  # emmeans' Satterthwaite df for gls vary slightly from run to run otherwise

# --- MMRM, unstructured covariance, one model of the three arms --------------------------
d <- read_data("multiarm_long")
visits <- c("M3", "M6", "M12")
d$AVISIT <- factor(d$AVISIT, levels = visits)
d$VIDX <- as.integer(d$AVISIT)
d$TRT01P <- factor(d$TRT01P, levels = c("CONTROL", "HIGH", "LOW"))
d <- d[order(d$USUBJID, d$VIDX), ]
ctrl <- glsControl(tolerance = 1e-12, msTol = 1e-12, maxIter = 500, msMaxIter = 500, returnObject = FALSE)
call <- paste("gls(AVAL ~ AVISIT * TRT01P + AVISIT * BASE + SEX, data = d,",
              "correlation = corSymm(form = ~ VIDX | USUBJID), weights = varIdent(form = ~ 1 | AVISIT),",
              "method = \"REML\", control = ctrl)")
fit <- ev(call)
em <- emmeans(fit, ~ TRT01P | AVISIT, mode = "satterthwaite", data = d)
s <- as.data.frame(summary(em, infer = c(TRUE, TRUE)))
dif <- as.data.frame(summary(contrast(em, "trt.vs.ctrl", ref = "CONTROL", adjust = "none"),
                             infer = c(TRUE, TRUE)))
rec("multiarm_long", "mmrm_three_arms", call,
    emmeans_call = paste("emmeans(fit, ~ TRT01P | AVISIT, mode = \"satterthwaite\");",
                         "contrast(em, \"trt.vs.ctrl\", ref = \"CONTROL\", adjust = \"none\")"),
    lsmean_visit = as.character(s$AVISIT), lsmean_group = as.character(s$TRT01P),
    lsmean = s$emmean, lsmean_se = s$SE,
    diff_visit = as.character(dif$AVISIT), diff_contrast = as.character(dif$contrast),
    diff = dif$estimate, diff_se = dif$SE, diff_df = dif$df,
    diff_ci_low = dif$lower.CL, diff_ci_high = dif$upper.CL, diff_p = dif$p.value,
    reml_loglik = as.numeric(logLik(fit)))

# --- logistic subgroup x arm interaction, three arms ---------------------------------------
b <- read_data("multiarm")
b$TRT01P <- factor(b$TRT01P, levels = c("CONTROL", "HIGH", "LOW"))
b$HIGH <- as.integer(b$TRT01P == "HIGH"); b$LOW <- as.integer(b$TRT01P == "LOW")
y <- b$REMISS
gc <- glm.control(epsilon = 1e-14, maxit = 100)
call <- "glm(REMISS ~ TRT01P * SUBGRP, family = binomial, data = b, control = gc)"
m1 <- ev(call)
m0 <- glm(REMISS ~ TRT01P + SUBGRP, family = binomial, data = b, control = gc)
an <- anova(m0, m1, test = "LRT")
Xs <- model.matrix(m1)
ii <- grep(":", colnames(Xs))  # TRT01PHIGH:SUBGRPjuvenile_onset, TRT01PLOW:SUBGRPjuvenile_onset
pr_s <- ml_profile(Xs, y)
V <- vcov(m1)
per_pair <- lapply(ii, function(j) {
  dev_drop <- glm.fit(Xs[, -j], y, family = binomial(), control = list(epsilon = 1e-14, maxit = 200))$deviance
  c(coef(m1)[j], sqrt(V[j, j]), coef(m1)[j]^2 / V[j, j], dev_drop - deviance(m1))
})
per_pair <- do.call(rbind, per_pair)
bj <- coef(m1)[ii]
# the effect of each active arm within each subgroup level (subgroup-specific parameters)
f_sub <- "REMISS ~ 0 + SUBGRP + SUBGRP:HIGH + SUBGRP:LOW"
Xg <- model.matrix(as.formula(f_sub), b)
ig <- grep(":", colnames(Xg))
pr_g <- ml_profile(Xg, y)
rec("multiarm", "interaction_three_arms", call,
    interaction_terms = colnames(Xs)[ii],
    interaction = per_pair[, 1], wald_se = per_pair[, 2], wald = per_pair[, 3],
    wald_p = pchisq(per_pair[, 3], 1, lower.tail = FALSE),
    wald_call = "coef(m1)[j]^2 / vcov(m1)[j, j] for each interaction column j",
    lr = per_pair[, 4], lr_p = pchisq(per_pair[, 4], 1, lower.tail = FALSE),
    lr_call = "deviance of glm.fit without interaction column j minus deviance(m1)",
    lr_ci_low = pr_s[ii, 1], lr_ci_high = pr_s[ii, 2],
    joint_lr = an$Deviance[2], joint_lr_df = an$Df[2], joint_lr_p = an[2, "Pr(>Chi)"],
    joint_lr_call = "anova(glm(REMISS ~ TRT01P + SUBGRP, binomial), m1, test = \"LRT\")",
    joint_wald = as.numeric(t(bj) %*% solve(V[ii, ii], bj)),
    joint_wald_call = "t(b) %*% solve(vcov(m1)[i, i], b)",
    effect_terms = colnames(Xg)[ig],
    effect = glm.fit(Xg, y, family = binomial())$coefficients[ig],
    effect_ci_low = pr_g[ig, 1], effect_ci_high = pr_g[ig, 2], effect_p = pr_g[ig, 3],
    effect_call = sprintf("glm(%s, binomial); exact profile by uniroot on offset fits", f_sub))

# --- linear subgroup x arm interaction, three arms (one visit of the long data) ---------------
g <- read_data("multiarm_long")
g <- g[g$AVISIT == "M12", ]
g$TRT01P <- factor(g$TRT01P, levels = c("CONTROL", "HIGH", "LOW"))
g$HIGH <- as.integer(g$TRT01P == "HIGH"); g$LOW <- as.integer(g$TRT01P == "LOW")
call <- "anova(lm(AVAL ~ TRT01P + SEX + BASE, data = g), lm(AVAL ~ TRT01P * SEX + BASE, data = g))"
l1 <- lm(AVAL ~ TRT01P * SEX + BASE, data = g); l0 <- lm(AVAL ~ TRT01P + SEX + BASE, data = g)
an <- ev(call)
Xl <- model.matrix(l1); il <- grep(":", colnames(Xl))
pair_f <- sapply(il, function(j) {
  l0j <- lm.fit(Xl[, -j], g$AVAL)
  (sum(l0j$residuals^2) - sum(l1$residuals^2)) / (sum(l1$residuals^2) / l1$df.residual)
})
lg <- lm(AVAL ~ 0 + SEX + SEX:HIGH + SEX:LOW + BASE, data = g)
cg <- summary(lg)$coefficients; ig <- grep(":", rownames(cg))
rec("multiarm_long_M12", "interaction_gaussian_three_arms", call,
    interaction_terms = colnames(Xl)[il], interaction = coef(l1)[il],
    pair_f = pair_f, pair_f_p = pf(pair_f, 1, l1$df.residual, lower.tail = FALSE),
    pair_f_call = "F of dropping interaction column j from lm(AVAL ~ TRT01P * SEX + BASE)",
    joint_f = an$F[2], joint_f_df = an$Df[2], joint_f_p = an[2, "Pr(>F)"],
    effect_terms = rownames(cg)[ig], effect = cg[ig, 1], effect_p = cg[ig, 4],
    effect_ci_low = confint(lg)[ig, 1], effect_ci_high = confint(lg)[ig, 2],
    effect_call = "summary(lm(AVAL ~ 0 + SEX + SEX:HIGH + SEX:LOW + BASE)); confint()")

# --- Cochran-Armitage trend test ------------------------------------------------------------
ca <- function(nm, r, n, score) {
  call <- sprintf("prop.trend.test(c(%s), c(%s), c(%s))", paste(r, collapse = ", "),
                  paste(n, collapse = ", "), paste(score, collapse = ", "))
  pt <- suppressWarnings(ev(call))
  N <- sum(n); p <- sum(r) / N; xbar <- sum(n * score) / N
  sxx <- sum(n * (score - xbar)^2); tt <- sum(r * (score - xbar))
  z <- tt / sqrt(p * (1 - p) * sxx)
  pi <- r / n
  se <- sqrt(sum(n * (score - xbar)^2 * pi * (1 - pi))) / sxx
  # the slope is the weighted least-squares slope of the proportions on the scores
  slope_lm <- unname(coef(lm(pi ~ score, weights = n))[2])
  rec(nm, "cochran_armitage", call, responders = r, n = n, scores = score,
      statistic = unname(pt$statistic), p_value = pt$p.value,
      z = z, p_increasing = pnorm(z, lower.tail = FALSE), p_decreasing = pnorm(z),
      z_call = "sum(r (x - xbar)) / sqrt(p (1 - p) sum(n (x - xbar)^2)); pnorm",
      estimate = tt / sxx, slope_lm = slope_lm, slope_lm_call = "coef(lm(r / n ~ score, weights = n))[2]",
      ci_low = tt / sxx - qnorm(0.975) * se, ci_high = tt / sxx + qnorm(0.975) * se)
}
ca("three_dose", c(5, 14, 17), c(30, 30, 30), c(0, 1e6, 2e6))
ca("unequal", c(2, 7, 9, 15), c(25, 31, 28, 40), c(0, 0.5, 1, 3))
ca("decreasing", c(12, 6, 1), c(20, 22, 18), c(0, 1, 2))
ca("multiarm_data", as.vector(tapply(b$REMISS, b$TRT01P, sum)[c("CONTROL", "LOW", "HIGH")]),
   as.vector(table(b$TRT01P)[c("CONTROL", "LOW", "HIGH")]), c(0, 1, 2))

save_fixture("multiarm")

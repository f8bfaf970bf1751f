# Reference values for t1dtrial.stats.interaction.
# Regenerate: Rscript tests/reference/interaction.R
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "_common.R"))
source(file.path(ref_dir, "_profile.R"))
suppressPackageStartupMessages(library(brglm2))

twin <- read_data("twin")
twin$TRT <- as.integer(twin$TRT01P == "MSC")
# edge: no responder among juvenile-onset controls (quasi-separation in the interaction model)
twin_zero <- twin
twin_zero$REMISS[twin_zero$SUBGRP == "juvenile_onset" & twin_zero$TRT01P == "CONTROL"] <- 0L
small <- read_data("small")
pt <- read_data("packaged_twin"); pt$TRT <- as.integer(pt$TRT01P == "MSC"); pt$SUBGRP <- pt$ONSETGR
small$TRT <- as.integer(small$TRT01P == "MSC")

wald <- function(b, V) as.numeric(t(b) %*% solve(V, b))

binom_case <- function(nm, dname, firth) {
  d <- get(dname)
  f_std <- "REMISS ~ TRT * SUBGRP"
  f_sub <- "REMISS ~ 0 + SUBGRP + SUBGRP:TRT"
  Xs <- model.matrix(as.formula(f_std), d); Xg <- model.matrix(as.formula(f_sub), d); y <- d$REMISS
  ii <- grep(":", colnames(Xs)); ig <- grep(":", colnames(Xg))
  if (!firth) {
    call <- sprintf("glm(%s, family = binomial, data = %s, control = glm.control(epsilon = 1e-14, maxit = 100))", f_std, dname)
    m1 <- ev(call)
    m0 <- glm(REMISS ~ TRT + SUBGRP, family = binomial, data = d, control = glm.control(epsilon = 1e-14, maxit = 100))
    lr_call <- "anova(glm(REMISS ~ TRT + SUBGRP, binomial), m1, test = \"LRT\")"
    an <- anova(m0, m1, test = "LRT")
    pr_g <- ml_profile(Xg, y); pr_s <- ml_profile(Xs, y)
    b <- coef(m1)[ii]; V <- vcov(m1)[ii, ii, drop = FALSE]
    rec(nm, "interaction_binomial", call, method = "ml", levels = sort(unique(d$SUBGRP)),
        effect = glm.fit(Xg, y, family = binomial())$coefficients[ig],
        effect_ci_low = pr_g[ig, 1], effect_ci_high = pr_g[ig, 2], effect_p = pr_g[ig, 3],
        effect_call = sprintf("glm(%s, binomial); exact profile by uniroot on offset fits", f_sub),
        interaction = b, wald = wald(b, V), wald_call = "t(b) %*% solve(vcov(m1)[i, i], b)",
        wald_ci_low = b - qnorm(0.975) * sqrt(diag(V)), wald_ci_high = b + qnorm(0.975) * sqrt(diag(V)),
        lr = an$Deviance[2], lr_p = an[2, "Pr(>Chi)"], lr_call = lr_call,
        lr_ci_low = pr_s[ii, 1], lr_ci_high = pr_s[ii, 2])
  } else {
    call <- sprintf("glm(%s, family = binomial, data = %s, method = \"brglmFit\", type = \"AS_mean\", epsilon = 1e-12, maxit = 500)", f_std, dname)
    m1 <- ev(call)
    mg <- glm(as.formula(f_sub), family = binomial, data = d, method = "brglmFit", type = "AS_mean", epsilon = 1e-12, maxit = 500)
    pr_g <- firth_profile(Xg, y, coef(mg)); pr_s <- firth_profile(Xs, y, coef(m1))
    b <- coef(m1)[ii]
    p <- plogis(drop(Xs %*% coef(m1))); V <- solve(crossprod(Xs * sqrt(p * (1 - p))))[ii, ii, drop = FALSE]
    lr <- firth_lr(Xs, y, coef(m1), ii)
    rec(nm, "interaction_binomial", call, method = "firth", levels = sort(unique(d$SUBGRP)),
        effect = coef(mg)[ig], effect_ci_low = pr_g[ig, 1], effect_ci_high = pr_g[ig, 2], effect_p = pr_g[ig, 3],
        effect_call = sprintf("glm(%s, binomial, method = \"brglmFit\", type = \"AS_mean\"); global penalised profile (firth_profile(), many starts at each point)", f_sub),
        interaction = b, wald = wald(b, V), wald_call = "t(b) %*% solve(solve(X' W X)[i, i], b) at the Firth estimate",
        wald_ci_low = b - qnorm(0.975) * sqrt(diag(V)), wald_ci_high = b + qnorm(0.975) * sqrt(diag(V)),
        lr = lr, lr_p = pchisq(lr, length(ii), lower.tail = FALSE),
        lr_call = "firth_lr(): 2 (max penll - max penll with interaction = 0), full-model penalty, constrained maximum from 32 starts",
        lr_ci_low = pr_s[ii, 1], lr_ci_high = pr_s[ii, 2])
  }
}
binom_case("twin", "twin", FALSE)
binom_case("twin_zero_cell", "twin_zero", TRUE)
binom_case("packaged_twin", "pt", TRUE)  # a zero cell (no juvenile-onset control in remission): Firth
binom_case("twin_firth", "twin", TRUE)

gauss_case <- function(nm, d, f1, f0, fsub, sub) {
  call <- sprintf("anova(lm(%s), lm(%s))", f0, f1)
  m1 <- lm(as.formula(f1), data = d); m0 <- lm(as.formula(f0), data = d)
  an <- anova(m0, m1)
  mg <- lm(as.formula(fsub), data = d)
  cg <- summary(mg)$coefficients; ig <- grep(":TRT", rownames(cg)); ci <- confint(mg)[ig, , drop = FALSE]
  ii <- grep("TRT:", names(coef(m1)))
  rec(nm, "interaction_gaussian", call, levels = sort(unique(d[[sub]])),
      effect = cg[ig, 1], effect_ci_low = ci[, 1], effect_ci_high = ci[, 2], effect_p = cg[ig, 4],
      effect_call = sprintf("summary(lm(%s)); confint()", fsub),
      interaction = if (length(ii) == 1) coef(m1)[ii] else NA,
      f = an$F[2], f_df = an$Df[2], f_p = an[2, "Pr(>F)"],
      lr = 2 * (as.numeric(logLik(m1)) - as.numeric(logLik(m0))),
      lr_call = "2 * (logLik(m1) - logLik(m0))",
      lr_p = pchisq(2 * (as.numeric(logLik(m1)) - as.numeric(logLik(m0))), an$Df[2], lower.tail = FALSE))
}
gauss_case("small_sex", small, "AVAL ~ TRT * SEX + BASE", "AVAL ~ TRT + SEX + BASE",
           "AVAL ~ 0 + SEX + SEX:TRT + BASE", "SEX")
gauss_case("small_site_three_levels", small, "AVAL ~ TRT * SITE", "AVAL ~ TRT + SITE",
           "AVAL ~ 0 + SITE + SITE:TRT", "SITE")
tw <- twin[!is.na(twin$FCP12), ]
gauss_case("twin_fcp12", tw, "FCP12 ~ TRT * SUBGRP + BFCP", "FCP12 ~ TRT + SUBGRP + BFCP",
           "FCP12 ~ 0 + SUBGRP + SUBGRP:TRT + BFCP", "SUBGRP")
gauss_case("packaged_twin_lfcp12", pt, "LFCP12 ~ TRT * SUBGRP + LBFCP", "LFCP12 ~ TRT + SUBGRP + LBFCP",
           "LFCP12 ~ 0 + SUBGRP + SUBGRP:TRT + LBFCP", "SUBGRP")
save_fixture("interaction")

# Reference values for t1dtrial.stats.mixed (MMRM).
# Regenerate: Rscript tests/reference/mixed.R
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "_common.R"))
suppressPackageStartupMessages({library(nlme); library(emmeans); library(lmerTest)})

ctrl <- glsControl(tolerance = 1e-12, msTol = 1e-12, maxIter = 500, msMaxIter = 500, returnObject = FALSE)
one <- function(nm, d, visits, formula, structure) {
  d$AVISIT <- factor(d$AVISIT, levels = visits)
  d$VIDX <- as.integer(d$AVISIT)
  d$TRT01P <- factor(d$TRT01P, levels = c("CONTROL", "MSC"))
  d <- d[order(d$USUBJID, d$VIDX), ]
  het <- "weights = varIdent(form = ~ 1 | AVISIT)"
  cor_txt <- switch(structure,
    "unstructured" = paste("correlation = corSymm(form = ~ VIDX | USUBJID),", het),
    "heterogeneous-toeplitz" = sprintf("correlation = corARMA(form = ~ VIDX | USUBJID, p = %d), %s",
                                       length(visits) - 1L, het),
    "heterogeneous-ar1" = paste("correlation = corAR1(form = ~ VIDX | USUBJID),", het),
    "heterogeneous-compound-symmetry" = paste("correlation = corCompSymm(form = ~ 1 | USUBJID),", het),
    "compound-symmetry" = "correlation = corCompSymm(form = ~ 1 | USUBJID)")
  call <- sprintf("gls(%s, data = d, %s, method = \"REML\", control = ctrl)", formula, cor_txt)
  fit <- tryCatch(ev(call), error = function(e) e)
  if (inherits(fit, "error")) {  # gls itself cannot fit this structure to these data
    rec(nm, "mmrm_fail", call, structure = structure, error = conditionMessage(fit))
    return(invisible(NULL))
  }
  # the fitted covariance of a subject observed at every visit
  full <- d$USUBJID[d$USUBJID %in% names(which(table(d$USUBJID) == length(visits)))][1]
  V <- getVarCov(fit, individual = full)
  em <- emmeans(fit, ~ TRT01P | AVISIT, mode = "satterthwaite", data = d)
  s <- as.data.frame(summary(em, infer = c(TRUE, TRUE)))
  dif <- as.data.frame(summary(contrast(em, list(diff = c(-1, 1))), infer = c(TRUE, TRUE)))
  rec(nm, "mmrm", call, structure = structure, formula = formula, visits = visits,
      sd = sqrt(diag(V)), correlation = as.vector(cov2cor(V)), aic = AIC(fit),
      emmeans_call = "emmeans(fit, ~ TRT01P | AVISIT, mode = \"satterthwaite\"); contrast(em, list(diff = c(-1, 1)))",
      lsmean_visit = as.character(s$AVISIT), lsmean_group = as.character(s$TRT01P),
      lsmean = s$emmean, lsmean_se = s$SE, lsmean_df = s$df,
      diff_visit = as.character(dif$AVISIT), diff = dif$estimate, diff_se = dif$SE, diff_df = dif$df,
      diff_ci_low = dif$lower.CL, diff_ci_high = dif$upper.CL, diff_p = dif$p.value,
      reml_loglik = as.numeric(logLik(fit)))
  if (!structure %in% c("unstructured", "compound-symmetry")) return(invisible(NULL))
  # Satterthwaite df from lmerTest (numDeriv Hessian): a subject random intercept for
  # compound symmetry; for unstructured, (0 + AVISIT | USUBJID) plus the residual
  # variance, whose marginal covariance is unstructured.
  re <- if (structure == "unstructured") "(0 + AVISIT | USUBJID)" else "(1 | USUBJID)"
  call <- sprintf(paste0("lmer(%s + %s, data = d, REML = TRUE, control = lmerControl(check.nobs.vs.nRE = \"ignore\", ",
                         "check.nobs.vs.nlev = \"ignore\", optimizer = \"bobyqa\", optCtrl = list(rhoend = 1e-12)))"), formula, re)
  lm4 <- suppressMessages(suppressWarnings(ev(call)))
  el <- emmeans(lm4, ~ TRT01P | AVISIT, lmer.df = "satterthwaite")
  dl <- as.data.frame(summary(contrast(el, list(diff = c(-1, 1)))))
  rec(nm, "mmrm_lmer", call, structure = structure, diff_visit = as.character(dl$AVISIT),
      diff = dl$estimate, diff_se = dl$SE, diff_df = dl$df,
      emmeans_call = "emmeans(fit, ~ TRT01P | AVISIT, lmer.df = \"satterthwaite\")",
      reml_loglik = as.numeric(logLik(lm4)))
  if (structure == "compound-symmetry") {
    # the same marginal model as a subject random intercept
    call <- sprintf("lme(%s, random = ~ 1 | USUBJID, data = d, method = \"REML\", control = lmeControl(tolerance = 1e-12, msTol = 1e-12, maxIter = 500, msMaxIter = 500, niterEM = 100))", formula)
    lf <- ev(call)
    el <- as.data.frame(summary(emmeans(lf, ~ TRT01P | AVISIT, data = d)))
    rec(nm, "mmrm_lme", call, lsmean_visit = as.character(el$AVISIT), lsmean_group = as.character(el$TRT01P),
        lsmean = el$emmean, lsmean_se = el$SE, reml_loglik = as.numeric(logLik(lf)))
  }
}

tl <- read_data("twin_long")
f_twin <- "AVAL ~ AVISIT * TRT01P + AVISIT * BASE + SEX"
one("twin_long", tl, c("M1", "M3", "M6", "M9", "M12"), f_twin, "unstructured")
one("twin_long", tl, c("M1", "M3", "M6", "M9", "M12"), f_twin, "compound-symmetry")
pl <- read_data("packaged_twin_long")  # the packaged synthetic twin, log(FCP + 1)
one("packaged_twin_long", pl, c("M1", "M3", "M6", "M9", "M12"), f_twin, "unstructured")
sl <- read_data("small_long")
f_small <- "AVAL ~ AVISIT * TRT01P + AVISIT * BASE"
one("small_long", sl, c("M3", "M6", "M12"), f_small, "unstructured")
# edge: six subjects cannot support an unstructured 3 x 3 covariance (6 parameters): the
# package falls back to compound symmetry
edge <- sl[sl$USUBJID %in% c("S01", "S02", "S03", "S06", "S07", "S08"), ]
one("edge_six_subjects", edge, c("M3", "M6", "M12"), f_small, "compound-symmetry")
# ... and the structures a fallback sequence may reach on it
for (st in c("heterogeneous-toeplitz", "heterogeneous-ar1"))
  one("edge_six_subjects", edge, c("M3", "M6", "M12"), f_small, st)
# every covariance structure on the packaged twin and on near-linear trajectories, whose
# unstructured covariance is nearly of rank one (SDs about 1 : 2 : 4, correlations > 0.9999)
structures <- c("unstructured", "heterogeneous-toeplitz", "heterogeneous-ar1",
                "heterogeneous-compound-symmetry", "compound-symmetry")
for (st in structures[-1])
  one("packaged_twin_long", pl, c("M1", "M3", "M6", "M9", "M12"), f_twin, st)
nl <- read_data("near_linear_long")
for (st in structures) one("near_linear_long", nl, c("M3", "M6", "M12"), f_small, st)
save_fixture("mixed")

# Reference values for t1dtrial.stats.logistic.
# Regenerate: Rscript tests/reference/logistic.R
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "_common.R"))
suppressPackageStartupMessages({library(MASS); library(brglm2)})

twin <- read_data("twin"); twin$DOSE <- twin$CUMDOSE / 1e6
msc <- twin[twin$TRT01P == "MSC", ]
small <- read_data("small")
pt <- read_data("packaged_twin"); pt_msc <- pt[pt$TRT01P == "MSC", ]  # the packaged synthetic twin
sep <- read_data("separation")
quasi <- read_data("quasi")

source(file.path(ref_dir, "_profile.R"))

cases <- list(
  list(nm = "twin_msc", d = "msc", f = "REMISS ~ BFCP + DOSE", ml = TRUE),
  list(nm = "packaged_twin_msc", d = "pt_msc", f = "REMISS ~ BFCP + DOSE", ml = TRUE),
  list(nm = "twin_all", d = "twin", f = "REMISS ~ TRT01P + BFCP + SEX", ml = TRUE),
  list(nm = "small", d = "small", f = "RESP ~ BASE + AGEONSET", ml = TRUE),
  list(nm = "separation", d = "sep", f = "RESP ~ DOSE + BFCP", ml = FALSE),
  list(nm = "quasi_separation", d = "quasi", f = "RESP ~ DOSE + BFCP", ml = FALSE)
)
for (cs in cases) {
  d <- get(cs$d)
  X <- model.matrix(as.formula(cs$f), d); y <- d[[all.vars(as.formula(cs$f))[1]]]
  terms <- colnames(X)
  # Separation by diverging coefficients (detectseparation is not packaged on
  # Debian): a term whose estimate keeps moving between 25 and 50 IRLS steps is infinite.
  call <- sprintf(paste0("suppressWarnings(list(glm(%s, family = binomial, data = %s, control = glm.control(epsilon = 1e-300, maxit = 25)), ",
                         "glm(%s, family = binomial, data = %s, control = glm.control(epsilon = 1e-300, maxit = 50))))"),
                  cs$f, cs$d, cs$f, cs$d)
  fits <- ev(call)
  moving <- abs(coef(fits[[2]]) - coef(fits[[1]])) > 1e-3 * pmax(1, abs(coef(fits[[1]])))
  rec(cs$nm, "detect_separation", call, formula = cs$f, separated = any(moving),
      infinite_terms = terms[moving], deviance_after_50 = deviance(fits[[2]]))
  if (cs$ml) {
    call <- sprintf("glm(%s, family = binomial, data = %s, control = glm.control(epsilon = 1e-14, maxit = 100))", cs$f, cs$d)
    fit <- ev(call)
    s <- summary(fit)$coefficients
    mass <- suppressMessages(confint(fit))
    pr <- ml_profile(X, y)
    rec(cs$nm, "logistic_ml", call, formula = cs$f, terms = terms, estimate = coef(fit),
        se = s[, 2], ci_low = pr[, 1], ci_high = pr[, 2], p_value = pr[, 3],
        profile_call = "uniroot on glm.fit(X[, -j], y, offset = b * X[, j]) deviance, tol 1e-12",
        mass_confint_low = mass[, 1], mass_confint_high = mass[, 2],
        mass_confint_call = "confint(fit)  # MASS profile with spline interpolation")
  }
  call <- sprintf("glm(%s, family = binomial, data = %s, method = \"brglmFit\", type = \"AS_mean\", epsilon = 1e-12, maxit = 500)", cs$f, cs$d)
  bf <- ev(call)
  pr <- firth_profile(X, y, coef(bf))
  rec(cs$nm, "logistic_firth", call, formula = cs$f, terms = terms, estimate = coef(bf),
      se = pr[, 4], ci_low = pr[, 1], ci_high = pr[, 2], p_value = pr[, 3],
      profile_call = paste("uniroot (tol 1e-11) on the global profile of penll(b) = loglik + 0.5 log det I(b) (full-model penalty):",
                           "at each b the best of BFGS fits from the estimate, zeros, 30 seeded random starts and the previous grid point;",
                           "outermost crossing on a grid of se/4"),
      profile_worst_score = attr(pr, "worst_score"),
      brglm2_se = summary(bf)$coefficients[, 2])
}
save_fixture("logistic")

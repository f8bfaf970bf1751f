# Reference values for t1dtrial.stats.logistic.
# Regenerate: Rscript tests/reference/logistic.R
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "_common.R"))
suppressPackageStartupMessages({library(MASS); library(brglm2)})

twin <- read_data("twin"); twin$DOSE <- twin$CUMDOSE / 1e6
msc <- twin[twin$TRT01P == "MSC", ]
small <- read_data("small")
sep <- read_data("separation")
quasi <- read_data("quasi")
q95 <- qchisq(0.95, 1)

# Maximum likelihood: exact profile by root finding on constrained fits (offset),
# likelihood-ratio p-values from the same constrained fits at 0.
ml_profile <- function(X, y) {
  full <- glm.fit(X, y, family = binomial(), control = list(epsilon = 1e-14, maxit = 200))
  dev0 <- full$deviance
  prof_dev <- function(j, b) glm.fit(X[, -j, drop = FALSE], y, offset = b * X[, j], family = binomial(),
                                    control = list(epsilon = 1e-14, maxit = 200))$deviance
  se <- sqrt(diag(summary.glm(structure(full, class = c("glm", "lm")))$cov.unscaled))
  out <- lapply(seq_len(ncol(X)), function(j) {
    b <- full$coefficients[j]
    f <- function(v) prof_dev(j, v) - dev0 - q95
    lo <- uniroot(f, c(b - 10 * se[j], b), tol = 1e-12)$root
    hi <- uniroot(f, c(b, b + 10 * se[j]), tol = 1e-12)$root
    c(lo, hi, pchisq(prof_dev(j, 0) - dev0, 1, lower.tail = FALSE))
  })
  do.call(rbind, out)
}

# Firth: penalised log-likelihood l(b) + 0.5 log det I(b), profiled with the
# full-model penalty (as logistf) by BFGS on the free coefficients.
penll <- function(beta, X, y) {
  eta <- drop(X %*% beta)
  ll <- sum(y * eta - ifelse(eta > 0, eta + log1p(exp(-eta)), log1p(exp(eta))))
  p <- plogis(eta); w <- p * (1 - p)
  ll + 0.5 * as.numeric(determinant(crossprod(X * sqrt(w)))$modulus)
}
pengrad <- function(beta, X, y) {
  p <- plogis(drop(X %*% beta)); w <- p * (1 - p)
  XW <- X * sqrt(w)
  h <- rowSums((XW %*% solve(crossprod(XW))) * XW)
  drop(crossprod(X, y - p + h * (0.5 - p)))
}
firth_profile <- function(X, y, beta_hat) {
  lmax <- penll(beta_hat, X, y)
  warm <- new.env()
  prof <- function(j, b) {
    obj <- function(bf) { be <- beta_hat; be[j] <- b; be[-j] <- bf; v <- -penll(be, X, y)
                          if (is.finite(v)) v else 1e100 }
    gr <- function(bf) { be <- beta_hat; be[j] <- b; be[-j] <- bf; -pengrad(be, X, y)[-j] }
    # start from the fit with the other coefficients moved along with b (warm start)
    st <- if (is.null(warm[[paste0("s", j)]])) beta_hat[-j] else warm[[paste0("s", j)]]
    if (!is.finite(obj(st))) st <- beta_hat[-j]
    o <- optim(st, obj, gr, method = "BFGS", control = list(reltol = 1e-15, maxit = 10000))
    o <- optim(o$par, obj, gr, method = "BFGS", control = list(reltol = 1e-15, maxit = 10000))
    assign(paste0("s", j), o$par, envir = warm)
    -o$value
  }
  V <- solve(crossprod(X * sqrt({p <- plogis(drop(X %*% beta_hat)); p * (1 - p)})))
  se <- sqrt(diag(V))
  out <- lapply(seq_len(ncol(X)), function(j) {
    b <- beta_hat[j]
    if (exists(paste0("s", j), envir = warm)) rm(list = paste0("s", j), envir = warm)
    f <- function(v) 2 * (lmax - prof(j, v)) - q95
    lo <- uniroot(f, c(b - 3 * se[j], b), tol = 1e-11, extendInt = "downX")$root
    hi <- uniroot(f, c(b, b + 3 * se[j]), tol = 1e-11, extendInt = "upX")$root
    c(lo, hi, pchisq(2 * (lmax - prof(j, 0)), 1, lower.tail = FALSE), se[j])
  })
  do.call(rbind, out)
}

cases <- list(
  list(nm = "twin_msc", d = "msc", f = "REMISS ~ BFCP + DOSE", ml = TRUE),
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
      profile_call = "uniroot on the profile of penll(b) = loglik + 0.5 log det I(b) (full-model penalty), BFGS reltol 1e-15, tol 1e-11",
      brglm2_se = summary(bf)$coefficients[, 2])
}
save_fixture("logistic")

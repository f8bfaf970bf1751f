# Profile-likelihood helpers shared by logistic.R and interaction.R.
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

# Penalised likelihood-ratio statistic for fixing the columns `fixed` at 0,
# keeping the full model's penalty (as logistf).
firth_lr <- function(X, y, beta_hat, fixed) {
  lmax <- penll(beta_hat, X, y)
  free <- setdiff(seq_len(ncol(X)), fixed)
  obj <- function(bf) { be <- numeric(ncol(X)); be[free] <- bf; v <- -penll(be, X, y); if (is.finite(v)) v else 1e100 }
  gr <- function(bf) { be <- numeric(ncol(X)); be[free] <- bf; -pengrad(be, X, y)[free] }
  st <- beta_hat[free]; if (!is.finite(obj(st))) st <- numeric(length(free))
  o <- optim(st, obj, gr, method = "BFGS", control = list(reltol = 1e-15, maxit = 10000))
  o <- optim(o$par, obj, gr, method = "BFGS", control = list(reltol = 1e-15, maxit = 10000))
  2 * (lmax + o$value)
}

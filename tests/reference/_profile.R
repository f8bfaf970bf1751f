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
# full-model penalty (as logistf). The penalised likelihood is not concave: a
# constrained fit from one start can stop at a local maximum. So the profile
# here is the GLOBAL one, found by brute force with no warm-start chain:
# at each value b of coefficient j the other coefficients are maximised by
# BFGS from many starts (the estimate, zeros, 30 seeded random starts at 1, 3
# and 10 standard errors around the estimate, and the solutions at the
# neighbouring grid points), keeping the best; the profile is evaluated on a
# grid of a quarter standard error outwards until it is above the target at
# two successive points and rising, and the limit is found by uniroot in the
# outermost grid interval where it crosses the target from below.
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
firth_se <- function(X, beta) {
  p <- plogis(drop(X %*% beta)); sqrt(diag(solve(crossprod(X * sqrt(p * (1 - p))))))
}
# maximum of penll over the coefficients `free`, the others held at `fixed`, from many starts
firth_max <- function(X, y, fixed, free, starts) {
  obj <- function(bf) { be <- fixed; be[free] <- bf; v <- -penll(be, X, y); if (is.finite(v)) v else 1e100 }
  gr <- function(bf) { be <- fixed; be[free] <- bf; g <- -pengrad(be, X, y)[free]
                       if (all(is.finite(g))) g else rep(0, length(bf)) }
  best <- list(value = Inf)
  for (st in starts) {
    if (obj(st) >= 1e100) next
    o <- tryCatch(optim(st, obj, gr, method = "BFGS", control = list(reltol = 1e-12, maxit = 5000)),
                  error = function(e) list(value = Inf))
    if (o$value < best$value) best <- o
  }
  for (k in 1:2) best <- optim(best$par, obj, gr, method = "BFGS", control = list(reltol = 1e-15, maxit = 10000))
  list(value = -best$value, par = best$par,
       score = max(abs(gr(best$par))))
}
firth_starts <- function(beta_hat, se, free, n_random = 30, seed = 20240601) {
  set.seed(seed)
  sc <- rep(c(1, 3, 10), length.out = n_random)
  c(list(beta_hat[free], numeric(length(free))),
    lapply(seq_len(n_random), function(i) beta_hat[free] + sc[i] * se[free] * rnorm(length(free))))
}
firth_profile <- function(X, y, beta_hat) {
  lmax <- penll(beta_hat, X, y)
  se <- firth_se(X, beta_hat)
  worst_score <- 0
  out <- lapply(seq_len(ncol(X)), function(j) {
    free <- setdiff(seq_len(ncol(X)), j)
    base <- firth_starts(beta_hat, se, free)
    sols <- list()  # solutions at the grid points, keyed by position
    gdrop <- function(b, near = list()) {
      fixed <- beta_hat; fixed[j] <- b
      m <- firth_max(X, y, fixed, free, c(base, near))
      worst_score <<- max(worst_score, m$score)
      list(drop = 2 * (lmax - m$value), par = m$par)
    }
    limit <- function(dir) {
      h <- se[j] / 4; grid <- beta_hat[j]; drops <- 0; prev <- list(beta_hat[free])
      for (k in 1:2000) {
        b <- beta_hat[j] + dir * k * h
        g <- gdrop(b, prev); prev <- list(g$par)
        grid <- c(grid, b); drops <- c(drops, g$drop)
        n <- length(drops)
        if (n >= 3 && drops[n] > q95 && drops[n - 1] > q95 && drops[n] > drops[n - 1]) break
      }
      if (drops[length(drops)] <= q95) return(dir * Inf)
      up <- max(which(drops[-1] > q95 & drops[-length(drops)] <= q95))
      lo_b <- grid[up]; hi_b <- grid[up + 1]
      near <- list()
      f <- function(v) gdrop(v, near)$drop - q95
      uniroot(f, sort(c(lo_b, hi_b)), tol = 1e-11)$root
    }
    lo <- limit(-1); hi <- limit(1)
    c(lo, hi, pchisq(gdrop(0)$drop, 1, lower.tail = FALSE), se[j])
  })
  res <- do.call(rbind, out)
  attr(res, "worst_score") <- worst_score
  res
}

# Penalised likelihood-ratio statistic for fixing the columns `fixed` at 0,
# keeping the full model's penalty (as logistf); the constrained maximum from many starts.
firth_lr <- function(X, y, beta_hat, fixed) {
  lmax <- penll(beta_hat, X, y)
  free <- setdiff(seq_len(ncol(X)), fixed)
  m <- firth_max(X, y, replace(beta_hat, fixed, 0), free, firth_starts(beta_hat, firth_se(X, beta_hat), free))
  2 * (lmax - m$value)
}

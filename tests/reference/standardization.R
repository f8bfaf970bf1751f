# Reference values for t1dtrial.stats.standardization (covariate-adjusted risks by
# standardisation, g-computation) with delta-method standard errors.
# The gradient of each contrast with respect to the logistic coefficients is computed
# numerically (numDeriv::grad on the whole standardisation), not by the analytic
# formula the package uses; the subject-level term of the unconditional variance is
# the numerical derivative of the contrast with respect to the subjects' averaging weights.
# Regenerate: Rscript tests/reference/standardization.R
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "_common.R"))
suppressPackageStartupMessages({library(numDeriv); library(brglm2)})

twin <- read_data("twin"); twin$TRT <- as.integer(twin$TRT01P == "MSC")
small <- read_data("small"); small$TRT <- as.integer(small$TRT01P == "MSC")
pt <- read_data("packaged_twin"); pt$TRT <- as.integer(pt$TRT01P == "MSC")  # the packaged synthetic twin
# no responder in the control arm: quasi-complete separation by the arm (Firth)
twin_sep <- twin; twin_sep$REMISS[twin_sep$TRT == 0] <- 0L

contrast <- function(r1, r0) c(rd = r1 - r0, log_rr = log(r1 / r0),
                               log_or = qlogis(r1) - qlogis(r0))

one <- function(nm, dname, y, rhs, firth = FALSE) {
  d <- get(dname); d <- d[complete.cases(d[, c(y, "TRT", all.vars(as.formula(paste("~", rhs))))]), ]
  f <- paste(y, "~", rhs)
  call <- if (firth) sprintf("glm(%s, family = binomial, data = d, method = \"brglmFit\", type = \"AS_mean\", epsilon = 1e-12, maxit = 500)", f) else
    sprintf("glm(%s, family = binomial, data = d, control = glm.control(epsilon = 1e-14, maxit = 100))", f)
  fit <- ev(call)
  b <- coef(fit); V <- vcov(fit)
  X <- model.matrix(fit); X1 <- X; X0 <- X; X1[, "TRT"] <- 1; X0[, "TRT"] <- 0
  n <- nrow(X)
  std <- function(beta, w = rep(1 / n, n))
    contrast(sum(w * plogis(X1 %*% beta)), sum(w * plogis(X0 %*% beta)))
  h <- std(b)
  G <- jacobian(function(beta) std(beta), b, method = "Richardson")          # 3 x p
  var_cond <- diag(G %*% V %*% t(G))
  Jw <- jacobian(function(w) std(b, w), rep(1 / n, n), method = "Richardson")  # 3 x n
  var_subj <- apply(Jw, 1, function(c) sum((c - mean(c))^2)) / n^2
  z <- qnorm(0.975)
  for (v in c("unconditional", "conditional")) {
    se <- sqrt(var_cond + if (v == "unconditional") var_subj else 0)
    lo <- h - z * se; hi <- h + z * se
    rec(nm, "standardized_risks", call, outcome = y, covariates = setdiff(all.vars(as.formula(paste("~", rhs))), "TRT"),
        variance = v, fit = if (firth) "firth" else "ml",
        risk_comparator = mean(plogis(X1 %*% b)), risk_reference = mean(plogis(X0 %*% b)),
        terms = c("risk difference", "risk ratio", "odds ratio"),
        estimate = c(h[1], exp(h[2:3])), se = se,
        ci_low = c(lo[1], exp(lo[2:3])), ci_high = c(hi[1], exp(hi[2:3])),
        p_value = 2 * pnorm(-abs(h) / se),
        numderiv_version = as.character(packageVersion("numDeriv")),
        se_call = paste("sqrt(diag(G V G') [+ sum((c - mean(c))^2) / n^2]); G = numDeriv::jacobian",
                        "of the standardised contrasts in the coefficients, V = vcov(fit),",
                        "c = numDeriv::jacobian of the contrasts in the averaging weights"))
  }
}
one("packaged_twin", "pt", "REMISS", "TRT + BFCP + AGEONSET + SEX + DURDIAG")
one("packaged_twin_crude", "pt", "REMISS", "TRT")
one("twin", "twin", "REMISS", "TRT + BFCP + AGEONSET + SEX + DURDIAG")
one("small", "small", "RESP", "TRT + BASE + AGEONSET")
one("twin_separated", "twin_sep", "REMISS", "TRT + BFCP + AGEONSET + SEX + DURDIAG", firth = TRUE)
save_fixture("standardization")

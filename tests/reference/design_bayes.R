# Reference values for Bayesian assurance and the operating characteristics of a Bayesian decision
# rule (t1dtrial.design.bayes), computed independently by numerical integration in base R:
# P(p_t > p_c | x1, x2) by integrate(dbeta(u, control) * pbeta(u, treated, lower.tail = FALSE))
# for every table; the rule's region (P > threshold) as its boundary (for each x2 the smallest x1
# in the region, n1 + 1 when none); power and type I error by dbinom sums over the region;
# assurance by a nested integrate() of that power times the two beta densities of the design
# prior. Fisher's success region: fisher.test p <= alpha and x1 / n1 > x2 / n2.
# Regenerate: Rscript tests/reference/design_bayes.R
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "_common.R"))

prob_greater <- function(a1, b1, a2, b2)
  integrate(function(u) dbeta(u, a2, b2) * pbeta(u, a1, b1, lower.tail = FALSE), 0, 1,
            rel.tol = 1e-12, abs.tol = 1e-14, subdivisions = 1000L)$value

posterior_table <- function(n1, n2, at, bt, ac, bc)
  outer(0:n1, 0:n2, Vectorize(function(x1, x2)
    prob_greater(at + x1, bt + n1 - x1, ac + x2, bc + n2 - x2)))

fisher_success <- function(n1, n2, alpha)
  outer(0:n1, 0:n2, Vectorize(function(x1, x2) {
    p <- fisher.test(matrix(c(x1, n1 - x1, x2, n2 - x2), 2))$p.value
    p <= alpha && x1 / n1 > x2 / n2
  }))

success_prob <- function(region, p1, p2) {
  n1 <- nrow(region) - 1; n2 <- ncol(region) - 1
  sum(outer(dbinom(0:n1, n1, p1), dbinom(0:n2, n2, p2)) * region)
}

assurance_by_integration <- function(region, dt, dc)
  integrate(function(p1) sapply(p1, function(q1)
    dbeta(q1, dt[1], dt[2]) * integrate(function(p2) sapply(p2, function(q2)
      dbeta(q2, dc[1], dc[2]) * success_prob(region, q1, q2)), 0, 1, rel.tol = 1e-10)$value),
    0, 1, rel.tol = 1e-10)$value

boundary <- function(region) apply(region, 2, function(col) if (any(col)) min(which(col)) - 1 else nrow(region))

design_prior <- list(treated = c(12, 17), control = c(4, 24))  # pilot 11/27 vs 3/26, Beta(1, 1) before
cases <- list(
  list(n1 = 27, n2 = 26, at = 1, bt = 1, ac = 1, bc = 1, threshold = 0.975, p1 = 0.40, p2 = 0.08),
  list(n1 = 40, n2 = 30, at = 0.5, bt = 0.5, ac = 0.5, bc = 0.5, threshold = 0.95, p1 = 0.35, p2 = 0.15)
)
null_p <- c(0.1, 0.3, 0.5, 0.7)
for (cs in cases) {
  post <- posterior_table(cs$n1, cs$n2, cs$at, cs$bt, cs$ac, cs$bc)
  region <- post > cs$threshold
  call <- sprintf("posterior_table(%d, %d, %g, %g, %g, %g) > %g", cs$n1, cs$n2, cs$at, cs$bt,
                  cs$ac, cs$bc, cs$threshold)
  rec("binomial outcomes", "decision_region", call, n1 = cs$n1, n2 = cs$n2,
      prior_treated = c(cs$at, cs$bt), prior_control = c(cs$ac, cs$bc), threshold = cs$threshold,
      posterior = lapply(seq_len(nrow(post)), function(i) post[i, ]),
      boundary = boundary(region), p1 = cs$p1, p2 = cs$p2,
      power = success_prob(region, cs$p1, cs$p2), null_p = null_p,
      type_one_error = sapply(null_p, function(p) success_prob(region, p, p)),
      design_treated = design_prior$treated, design_control = design_prior$control,
      assurance = assurance_by_integration(region, design_prior$treated, design_prior$control),
      assurance_call = "nested integrate() of success_prob(region, p1, p2) * dbeta * dbeta")
}
for (n in list(c(27, 26), c(40, 35))) {
  region <- fisher_success(n[1], n[2], 0.05)
  rec("binomial outcomes", "success_region", sprintf("fisher_success(%d, %d, 0.05)", n[1], n[2]),
      n1 = n[1], n2 = n[2], test = "fisher", alpha = 0.05, boundary = boundary(region),
      design_treated = design_prior$treated, design_control = design_prior$control,
      assurance = assurance_by_integration(region, design_prior$treated, design_prior$control),
      assurance_call = "nested integrate() of success_prob(region, p1, p2) * dbeta * dbeta")
}
save_fixture("design_bayes")

# Reference values for the exact power of two-proportion tests (t1dtrial.design.exact), by an
# independent enumeration: every table (x1, x2) of n1 vs n2 participants, its probability
# dbinom(x1, n1, p1) * dbinom(x2, n2, p2), and its p-value from one fisher.test or prop.test
# call per table; power = the probability of the tables with p <= alpha (a table without a
# statistic, NaN, is not rejected). Regenerate: Rscript tests/reference/design_exact.R
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "_common.R"))

p_value <- function(x1, n1, x2, n2, test, alternative) {
  if (test == "fisher") {
    m <- matrix(c(x1, n1 - x1, x2, n2 - x2), 2)
    return(fisher.test(m, alternative = alternative)$p.value)
  }
  suppressWarnings(prop.test(c(x1, x2), c(n1, n2), alternative = alternative,
                             correct = test == "chisq_cc")$p.value)
}

exact_power <- function(n1, n2, p1, p2, alpha, test, alternative) {
  power <- 0
  for (x1 in 0:n1) for (x2 in 0:n2) {
    p <- p_value(x1, n1, x2, n2, test, alternative)
    if (!is.nan(p) && p <= alpha) power <- power + dbinom(x1, n1, p1) * dbinom(x2, n2, p2)
  }
  power
}

cases <- list(
  list(n1 = 27, n2 = 26, p1 = 0.40, p2 = 0.08, alpha = 0.05),  # the reference study's sizes
  list(n1 = 10, n2 = 12, p1 = 0.60, p2 = 0.20, alpha = 0.05),
  list(n1 = 30, n2 = 15, p1 = 0.50, p2 = 0.20, alpha = 0.10),  # 2:1 allocation
  list(n1 = 40, n2 = 40, p1 = 0.30, p2 = 0.30, alpha = 0.05)   # size under the null
)
for (cs in cases) for (test in c("fisher", "chisq", "chisq_cc")) for (alt in c("two.sided", "greater")) {
  call <- sprintf("exact_power(%d, %d, %g, %g, %g, \"%s\", \"%s\")", cs$n1, cs$n2, cs$p1, cs$p2,
                  cs$alpha, test, alt)
  rec("binomial outcomes", "exact_power", call, n1 = cs$n1, n2 = cs$n2, p1 = cs$p1, p2 = cs$p2,
      alpha = cs$alpha, test = test, alternative = if (alt == "two.sided") "two-sided" else alt,
      power = ev(call))
}
save_fixture("design_exact")

# Reference values for t1dtrial.stats.proportions.
# Regenerate: Rscript tests/reference/proportions.R
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "_common.R"))
suppressPackageStartupMessages(library(epitools))

twin <- read_data("twin")
small <- read_data("small")
pt <- read_data("packaged_twin")  # the packaged synthetic twin (src/t1dtrial/datasets/lu2021)
tab <- function(d, y, g, lev1) c(sum(d[[y]][d[[g]] == lev1]), sum(d[[g]] == lev1),
                                 sum(d[[y]][d[[g]] != lev1]), sum(d[[g]] != lev1))
sets <- list(
  twin = tab(twin, "REMISS", "TRT01P", "MSC"),
  twin_adult = tab(twin[twin$SUBGRP == "adult_onset", ], "REMISS", "TRT01P", "MSC"),
  twin_juvenile = tab(twin[twin$SUBGRP == "juvenile_onset", ], "REMISS", "TRT01P", "MSC"),
  packaged_twin = tab(pt, "REMISS", "TRT01P", "MSC"),
  packaged_twin_adult = tab(pt[pt$ONSETGR == "adult", ], "REMISS", "TRT01P", "MSC"),
  packaged_twin_juvenile = tab(pt[pt$ONSETGR == "juvenile", ], "REMISS", "TRT01P", "MSC"),
  small = tab(small, "RESP", "TRT01P", "MSC"),
  zero_5_56_0_29 = c(5, 56, 0, 29),
  zero_10_10_0_20 = c(10, 10, 0, 20),
  zero_0_10_0_20 = c(0, 10, 0, 20),
  zero_2_9_0_8 = c(2, 9, 0, 8)
)

# fisher.test's own algorithm (R stats, 2 x 2 case) with the root finder's
# tolerance tightened: fisher.test itself stops at uniroot's default tol
# (about 1.2e-4 on its scale), which moves the interval limits by up to 1 %.
fisher_tight <- function(x1, n1, x2, n2, conf.level = 0.95) {
  m <- x1 + x2; n <- (n1 - x1) + (n2 - x2); k <- n1; x <- x1
  lo <- max(0L, k - n); hi <- min(k, m); support <- lo:hi
  logdc <- dhyper(support, m, n, k, log = TRUE)
  dnhyper <- function(lncp) { d <- logdc + lncp * support; d <- exp(d - max(d)); d / sum(d) }
  mnhyper <- function(lncp) sum(support * dnhyper(lncp))
  pnhyper <- function(q, lncp, upper.tail = FALSE) {
    d <- dnhyper(lncp); if (upper.tail) sum(d[support >= q]) else sum(d[support <= q]) }
  root <- function(f) uniroot(f, c(-60, 60), tol = 1e-13, extendInt = "yes")$root
  alpha <- (1 - conf.level) / 2
  est <- if (x == lo) 0 else if (x == hi) Inf else exp(root(function(t) mnhyper(t) - x))
  lcl <- if (x == lo) 0 else exp(root(function(t) pnhyper(x, t, TRUE) - alpha))
  ucl <- if (x == hi) Inf else exp(root(function(t) pnhyper(x, t) - alpha))
  c(est, lcl, ucl)
}

for (nm in names(sets)) {
  s <- sets[[nm]]; x1 <- s[1]; n1 <- s[2]; x2 <- s[3]; n2 <- s[4]
  args <- list(x1 = x1, n1 = n1, x2 = x2, n2 = n2)
  mat <- sprintf("matrix(c(%d, %d, %d, %d), 2)", x1, x2, n1 - x1, n2 - x2)

  call <- sprintf("fisher.test(%s)", mat)
  f <- ev(call)
  rec(nm, "fisher_exact", call, args = args, estimate = f$estimate, ci_low = f$conf.int[1],
      ci_high = f$conf.int[2], p_value = f$p.value, precision = "uniroot default tol")
  call2 <- sprintf("fisher_tight(%d, %d, %d, %d)  # fisher.test algorithm, uniroot tol 1e-13", x1, n1, x2, n2)
  ft <- fisher_tight(x1, n1, x2, n2)
  rec(nm, "fisher_exact_tight", call2, args = args, estimate = ft[1], ci_low = ft[2],
      ci_high = ft[3], p_value = f$p.value)

  for (corr in c(TRUE, FALSE)) {
    call <- sprintf("suppressWarnings(chisq.test(%s, correct = %s))", mat, corr)
    ch <- ev(call)
    rec(nm, "chi_square", call, args = c(args, correct = corr), statistic = ch$statistic,
        p_value = ch$p.value)
  }

  # epitools: rows = exposure (control first, then MSC), columns = (no event, event)
  et <- sprintf("matrix(c(%d, %d, %d, %d), 2, byrow = TRUE)", n2 - x2, x2, n1 - x1, x1)
  if (x1 > 0 && x2 > 0) {
    call <- sprintf("riskratio(%s, method = \"wald\")", et)
    rr <- ev(call)
    rec(nm, "risk_ratio", call, args = args, estimate = rr$measure[2, 1], ci_low = rr$measure[2, 2],
        ci_high = rr$measure[2, 3])
  } else if (x1 + x2 > 0) {
    # zero events in a group: 0.5 added to each cell (x + 0.5 of n + 1), by formula
    call <- sprintf(paste0("local({a <- %d + 0.5; m <- %d + 1; c <- %d + 0.5; n <- %d + 1; ",
                           "l <- log((a / m) / (c / n)); se <- sqrt(1/a - 1/m + 1/c - 1/n); ",
                           "c(exp(l), exp(l + c(-1, 1) * qnorm(0.975) * se), 2 * pnorm(-abs(l) / se))})"),
                    x1, n1, x2, n2)
    v <- ev(call)
    rec(nm, "risk_ratio", call, args = args, estimate = v[1], ci_low = v[2], ci_high = v[3],
        p_value = v[4])
  }
  if (all(c(x1, n1 - x1, x2, n2 - x2) > 0)) {
    call <- sprintf("oddsratio(%s, method = \"wald\")", et)
    or <- ev(call)
    rec(nm, "odds_ratio_woolf", call, args = args, estimate = or$measure[2, 1],
        ci_low = or$measure[2, 2], ci_high = or$measure[2, 3])
  } else {
    call <- sprintf(paste0("local({v <- c(%d, %d, %d, %d) + 0.5; l <- log(v[1] * v[4] / (v[2] * v[3])); ",
                           "se <- sqrt(sum(1 / v)); c(exp(l), exp(l + c(-1, 1) * qnorm(0.975) * se), ",
                           "2 * pnorm(-abs(l) / se))})"), x1, n1 - x1, x2, n2 - x2)
    v <- ev(call)
    rec(nm, "odds_ratio_woolf", call, args = args, estimate = v[1], ci_low = v[2], ci_high = v[3],
        p_value = v[4])
  }
  # Wald risk difference and its z test: prop.test gives the same estimate; the
  # interval by formula (prop.test's interval is the continuity-corrected Wald)
  call <- sprintf(paste0("local({p1 <- %d / %d; p2 <- %d / %d; se <- sqrt(p1 * (1 - p1) / %d + p2 * (1 - p2) / %d); ",
                         "c(p1 - p2, p1 - p2 + c(-1, 1) * qnorm(0.975) * se)})"), x1, n1, x2, n2, n1, n2)
  v <- ev(call)
  rec(nm, "risk_difference_wald", call, args = args, estimate = v[1], ci_low = v[2], ci_high = v[3])
}
save_fixture("proportions")

# Reference values for the Hodges-Lehmann intervals of t1dtrial.stats on large samples
# with ties (mann_whitney, wilcoxon_signed_rank): the normal-approximation limits that
# wilcox.test finds by uniroot on its tie- and continuity-corrected statistic.
# Data: python tests/reference/data/make_hl_large.py (writes data/hl_large.csv)
# Regenerate: Rscript tests/reference/hl_large.R
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "_common.R"))

d <- read.csv(file.path(data_dir, "hl_large.csv"), colClasses = c("character", "character"))
s <- lapply(split(d$VALUE, d$SAMPLE), as.numeric)  # each sample in file order
x <- s$x; y <- s$y; z <- s$z; u <- s$u; v <- s$v

two <- function(nm, a, b, args) {
  call <- sprintf("wilcox.test(%s, %s, conf.int = TRUE%s)", a, b, args)
  w <- ev(call)
  xa <- get(a); yb <- get(b)
  rec(nm, "mann_whitney", call, x = a, y = b, args = args, r_estimate = w$estimate,
      ci_low = w$conf.int[1], ci_high = w$conf.int[2], conf_level = attr(w$conf.int, "conf.level"),
      statistic = w$statistic, p_value = w$p.value, r_method = w$method,
      hodges_lehmann = median(outer(xa, yb, "-")),
      hodges_lehmann_call = sprintf("median(outer(%s, %s, \"-\"))", a, b))
}
one <- function(nm, a, mu, args) {
  call <- sprintf("wilcox.test(%s, mu = %s, conf.int = TRUE%s)", a, mu, args)
  w <- ev(call)
  xa <- get(a)
  used <- xa[xa != mu]
  wa <- outer(used, used, "+")
  rec(nm, "wilcoxon_signed_rank", call, x = a, mu = mu, args = args, r_estimate = w$estimate,
      ci_low = w$conf.int[1], ci_high = w$conf.int[2], conf_level = attr(w$conf.int, "conf.level"),
      statistic = w$statistic, p_value = w$p.value, r_method = w$method, n_zero = sum(xa == mu),
      hodges_lehmann = median(wa[!lower.tri(wa)] / 2),
      hodges_lehmann_call = sprintf("used <- %s[%s != %s]; w <- outer(used, used, \"+\"); median(w[!lower.tri(w)] / 2)", a, a, mu))
}

two("x_y_ties", "x", "y", "")
two("x_y_ties_uncorrected_90", "x", "y", ", correct = FALSE, conf.level = 0.9")
two("u_v_no_ties", "u", "v", "")
one("z_ties_zeros", "z", 0, "")
one("z_ties_mu_uncorrected_90", "z", 0.1, ", correct = FALSE, conf.level = 0.9")
one("u_no_ties", "u", 0, "")
save_fixture("hl_large")

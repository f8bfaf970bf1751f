# Reference values for the descriptive tables of t1dtrial.analysis:
#   baseline characteristics (t1dtrial.analysis.baseline) and the Kaplan-Meier
#   of the duration of insulin independence (t1dtrial.analysis.insulin.insulin_free_km).
#
# Regenerate: Rscript tests/reference/descriptive.R
#
# Inputs (tests/reference/fixtures/):
#   descriptive_adsl_<dataset>.csv      ADSL columns of the baseline table
#   descriptive_episodes_<dataset>.csv  insulin-free episodes (USUBJID, TRT01P, EPISODE, AVAL, CNSR)
# Datasets: "twin" (the packaged synthetic twin lu2021, written by
# `python tests/analysis/test_baseline.py`), "small" (hand-made: missing
# values, subjects outside the FAS, an unknown subgroup, ties) and "edge"
# (hand-made: one subject in an arm, a variable missing for everyone, equal values,
# all episodes censored).
# Outputs (tests/reference/fixtures/):
#   descriptive_baseline.csv  dataset, variable, level, statistic, arm, value, n, r_call
#   descriptive_km.csv        dataset, conf_level, arm, statistic, time, estimate, ci_low,
#                             ci_high, n, events, n_risk, r_call
# Numbers are written with 17 significant digits.
suppressPackageStartupMessages(library(survival))

ref_dir <- local({
  f <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
  if (length(f)) dirname(normalizePath(f)) else "tests/reference"
})
fixture <- function(name) file.path(ref_dir, "fixtures", name)
read_fixture <- function(name) {
  read.csv(fixture(name), stringsAsFactors = FALSE, na.strings = c("", "NA"))
}

continuous <- c("AGEDEC", "AGEONSET", "WEIGHTBL", "DURDIAG", "BFCP", "BPCP", "BHBA1C",
                "BINSDOSE", "BIDAA1C")
subgroups <- c(adult_onset = "SGADONFL", juvenile_onset = "SGJUONFL")
arms <- c("MSC", "CONTROL", "all")

row <- function(dataset, variable, level, statistic, arm, value, n, call) {
  data.frame(dataset = dataset, variable = variable, level = level, statistic = statistic,
             arm = arm, value = as.numeric(value), n = n, r_call = call,
             stringsAsFactors = FALSE)
}

baseline <- function(dataset) {
  adsl <- read_fixture(sprintf("descriptive_adsl_%s.csv", dataset))
  fas <- adsl[adsl$FASFL == "Y", ]
  out <- list()
  for (arm in arms) {
    d <- if (arm == "all") fas else fas[fas$TRT01P == arm, ]
    out[[length(out) + 1]] <- row(dataset, "SUBJECTS", "", "n", arm, nrow(d), nrow(d), "nrow(d)")
    for (v in continuous) {
      x <- d[[v]]
      x <- x[!is.na(x)]
      n <- length(x)
      q <- if (n) quantile(x, c(0.25, 0.5, 0.75), type = 7, names = FALSE) else rep(NA, 3)
      stat <- list(
        n = list(n, "length(x[!is.na(x)])"),
        mean = list(if (n) mean(x) else NA, "mean(x)"),
        sd = list(if (n > 1) sd(x) else NA, "sd(x)"),
        median = list(if (n) median(x) else NA, "median(x)"),
        q1 = list(q[1], "quantile(x, 0.25, type = 7)"),
        q3 = list(q[3], "quantile(x, 0.75, type = 7)"),
        min = list(if (n) min(x) else NA, "min(x)"),
        max = list(if (n) max(x) else NA, "max(x)"),
        missing = list(sum(is.na(d[[v]])), "sum(is.na(x))"))
      for (s in names(stat)) {
        out[[length(out) + 1]] <- row(dataset, v, "", s, arm, stat[[s]][[1]],
                                      if (s == "missing") nrow(d) else n, stat[[s]][[2]])
      }
    }
    sex <- d$SEX
    known <- !is.na(sex) & sex != ""
    levels <- union(c("F", "M"), sort(unique(sex[known])))
    for (lv in levels) {
      k <- sum(sex[known] == lv)
      out[[length(out) + 1]] <- row(dataset, "SEX", lv, "n", arm, k, sum(known),
                                    sprintf("sum(SEX == '%s')", lv))
      out[[length(out) + 1]] <- row(dataset, "SEX", lv, "percent", arm,
                                    if (sum(known)) 100 * k / sum(known) else NA, sum(known),
                                    sprintf("100 * mean(SEX[known] == '%s')", lv))
    }
    out[[length(out) + 1]] <- row(dataset, "SEX", "", "missing", arm, sum(!known), nrow(d),
                                  "sum(is.na(SEX))")
    flags <- as.data.frame(lapply(subgroups, function(col) d[[col]]), stringsAsFactors = FALSE)
    sg_known <- if (nrow(d)) {
      apply(flags, 1, function(f) all(!is.na(f) & f %in% c("Y", "N")))
    } else logical(0)
    for (sg in names(subgroups)) {
      k <- sum(flags[[sg]][sg_known] == "Y")
      out[[length(out) + 1]] <- row(dataset, "SUBGROUP", sg, "n", arm, k, sum(sg_known),
                                    sprintf("sum(%s == 'Y')", subgroups[[sg]]))
      out[[length(out) + 1]] <- row(dataset, "SUBGROUP", sg, "percent", arm,
                                    if (sum(sg_known)) 100 * k / sum(sg_known) else NA,
                                    sum(sg_known),
                                    sprintf("100 * mean(%s[known] == 'Y')", subgroups[[sg]]))
    }
    out[[length(out) + 1]] <- row(dataset, "SUBGROUP", "", "missing", arm, sum(!sg_known),
                                  nrow(d), "sum(!known)")
  }
  do.call(rbind, out)
}

km <- function(dataset, conf_level = 0.95, times = c(90, 180, 365)) {
  ep <- read_fixture(sprintf("descriptive_episodes_%s.csv", dataset))
  ep <- ep[order(ep$USUBJID, ep$EPISODE), ]
  first <- ep[!duplicated(ep$USUBJID), ]  # first episode of each subject
  out <- list()
  for (arm in arms) {
    d <- if (arm == "all") first else first[first$TRT01P == arm, ]
    if (!nrow(d)) next
    call <- sprintf(paste0("survfit(Surv(AVAL, 1 - CNSR) ~ 1, data = d, ",
                           "conf.type = \"log-log\", conf.int = %s)"), conf_level)
    fit <- survfit(Surv(AVAL, 1 - CNSR) ~ 1, data = d, conf.type = "log-log", conf.int = conf_level)
    q <- quantile(fit, 0.5)
    out[[length(out) + 1]] <- data.frame(
      dataset = dataset, conf_level = format(conf_level), arm = arm, statistic = "median",
      time = NA,
      estimate = unname(q$quantile), ci_low = unname(q$lower), ci_high = unname(q$upper),
      n = nrow(d), events = sum(1 - d$CNSR), n_risk = NA,
      r_call = paste0(call, "; quantile(fit, 0.5)"), stringsAsFactors = FALSE)
    # extend = FALSE (R's default): no value beyond the last observation; beyond it
    # the curve is known only when it has reached 0 (summary(..., extend = TRUE))
    inside <- times[times <= max(d$AVAL)]
    s <- if (length(inside)) summary(fit, times = inside) else list(time = numeric(0))
    ext <- summary(fit, times = times, extend = TRUE)
    for (t in times) {
      i <- match(t, s$time)
      j <- match(t, ext$time)
      if (is.na(i) && t > max(d$AVAL) && !is.na(j) && ext$surv[j] == 0) {
        out[[length(out) + 1]] <- data.frame(
          dataset = dataset, conf_level = format(conf_level), arm = arm, statistic = "survival",
          time = t, estimate = 0, ci_low = NA, ci_high = NA, n = nrow(d),
          events = sum((1 - d$CNSR)[d$AVAL <= t]), n_risk = NA,
          r_call = paste0(call, sprintf("; summary(fit, times = %s, extend = TRUE)", t)),
          stringsAsFactors = FALSE)
        next
      }
      out[[length(out) + 1]] <- data.frame(
        dataset = dataset, conf_level = format(conf_level), arm = arm, statistic = "survival",
        time = t,
        estimate = if (is.na(i)) NA else s$surv[i], ci_low = if (is.na(i)) NA else s$lower[i],
        ci_high = if (is.na(i)) NA else s$upper[i], n = nrow(d),
        events = sum((1 - d$CNSR)[d$AVAL <= t]), n_risk = if (is.na(i)) NA else s$n.risk[i],
        r_call = paste0(call, sprintf("; summary(fit, times = %s)", t)), stringsAsFactors = FALSE)
    }
  }
  do.call(rbind, out)
}

write <- function(df, name) {
  num <- vapply(df, is.numeric, logical(1))
  df[num] <- lapply(df[num], function(x) ifelse(is.na(x), NA, sprintf("%.17g", x)))
  write.csv(df, fixture(name), row.names = FALSE, na = "")
  cat("wrote", fixture(name), "(", nrow(df), "rows )\n")
}

write(do.call(rbind, lapply(c("twin", "small", "edge"), baseline)), "descriptive_baseline.csv")
write(rbind(km("twin"), km("small"), km("small", conf_level = 0.9), km("edge")),
      "descriptive_km.csv")

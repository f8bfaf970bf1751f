# Reference values for t1dtrial.analysis.multiplicity (Holm's step-down adjusted p-values).
# Regenerate: Rscript tests/reference/multiplicity.R
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "_common.R"))

families <- list(
  three = c(0.01, 0.04, 0.03),
  ties = c(0.02, 0.02, 0.5, 0.001),
  one = c(0.3),
  all_small = c(0.001, 0.002, 0.003, 0.004, 0.005),
  over_one = c(0.4, 0.6, 0.45, 0.9),
  lu2021_key = c(0.028451, 0.073875, 0.784553, 0.027608)
)
vec <- function(v) paste0("c(", paste(sprintf("%.17g", v), collapse = ", "), ")")
for (nm in names(families)) {
  p <- families[[nm]]
  call <- sprintf("p.adjust(%s, method = \"holm\")", vec(p))
  rec(nm, "holm", call, p = as.list(p), adjusted = as.list(ev(call)))
}
save_fixture("multiplicity")

# Helpers shared by the reference scripts: records with the exact R call beside
# each value, written as JSON with full precision.
suppressPackageStartupMessages(library(jsonlite))

ref_dir <- local({
  args <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", args[grep("^--file=", args)])
  if (length(f)) dirname(normalizePath(f)) else "tests/reference"
})
data_dir <- file.path(ref_dir, "data")
read_data <- function(name) read.csv(file.path(data_dir, paste0(name, ".csv")), stringsAsFactors = FALSE)

.records <- new.env()
.records$list <- list()

# rec(dataset, fun, call, values = list(...)) stores one reference record.
# (dotted formals: a value named e.g. `f` must not partially match them)
rec <- function(.dataset, .fun, .call, ...) {
  dataset <- .dataset; fun <- .fun; call <- .call
  vals <- list(...)
  vals <- lapply(vals, .encode)
  .records$list[[length(.records$list) + 1]] <- c(list(dataset = dataset, fun = fun, r_call = call), vals)
  invisible(NULL)
}

# JSON has no Inf or NaN: write them as the strings "Inf", "-Inf", "NaN" (NA as null)
.encode <- function(v) {
  if (is.list(v)) return(lapply(v, .encode))
  if (!is.numeric(v)) return(v)
  v <- unname(as.numeric(v))
  out <- as.list(v)
  out[is.infinite(v) & v > 0] <- "Inf"
  out[is.infinite(v) & v < 0] <- "-Inf"
  out[is.nan(v)] <- "NaN"
  if (length(v) == 1) out[[1]] else out
}

save_fixture <- function(name) {
  out <- list(
    generated_by = paste0("Rscript tests/reference/", name, ".R"),
    r_version = R.version.string,
    packages = lapply(.pkgs_used(), function(p) as.character(packageVersion(p))),
    records = .records$list
  )
  path <- file.path(ref_dir, "fixtures", paste0(name, ".json"))
  write_json(out, path, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null")
  cat("wrote", path, "(", length(.records$list), "records )\n")
}

.pkgs_used <- function() {
  p <- setdiff(loadedNamespaces(), c("base", "methods", "utils", "grDevices", "graphics",
                                     "datasets", "compiler", "tools", "grid", "parallel", "splines"))
  p <- intersect(p, c("stats", "survival", "nlme", "lme4", "brglm2", "emmeans", "mice", "epitools",
                      "exactRankTests", "survey", "coin", "MASS", "sandwich", "jsonlite"))
  setNames(as.list(sort(p)), sort(p))
}

# evaluate an R call given as text, and return list(value, text)
ev <- function(text, env = parent.frame()) eval(parse(text = text), envir = env)

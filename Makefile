# One command installs and runs each job on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test install system-deps bench reference clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/t1dtrial demo --overwrite

test: $(STAMP) system-deps
	$(BIN)/python -m pytest -q

# Debian packages the tests need besides PyPI: Chromium for the report's browser
# test (driven by Playwright, no browser download) and the Pango libraries of
# WeasyPrint for the PDF. Installed once, quietly, only when missing; sudo
# only when not root. Elsewhere than Debian/Ubuntu, install them yourself.
SYSTEM_PACKAGES := chromium libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
system-deps:
	@if ! command -v dpkg >/dev/null 2>&1; then \
	  echo "system-deps: not a Debian system; install Chromium (/usr/bin/chromium) and Pango yourself" >&2; \
	elif ! dpkg -s $(SYSTEM_PACKAGES) >/dev/null 2>&1; then \
	  echo "system-deps: installing $(SYSTEM_PACKAGES)" >&2; \
	  $(SUDO) apt-get update -qq >/dev/null && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    $(SYSTEM_PACKAGES) >/dev/null; \
	fi

bench: $(STAMP)
	for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f; done

# Regenerate the R reference fixtures of tests/reference/ (double programming).
R_PACKAGES := r-base-core r-cran-survival r-cran-nlme r-cran-lme4 r-cran-lmertest r-cran-brglm2 \
              r-cran-emmeans r-cran-mice r-cran-epitools r-cran-exactranktests r-cran-survey \
              r-cran-coin r-cran-jsonlite
reference: $(STAMP)
	dpkg -s $(R_PACKAGES) >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq $(R_PACKAGES))
	for f in tests/reference/data/make_*.py; do $(BIN)/python $$f; done
	for f in tests/reference/*.R; do case $$f in */_*) ;; *) Rscript $$f ;; esac; done

clean:
	rm -rf $(VENV) t1dtrial-demo .pytest_cache .hypothesis

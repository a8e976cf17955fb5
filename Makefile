# fazhi-nlp: `make report` runs the study on the bundled corpus, `make test` runs the tests.
# Each creates .venv when missing and installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: report test lint bench install clean

$(STAMP): setup.cfg setup.py pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,notebooks,dask]"
	touch $(STAMP)

install: $(STAMP)

report: $(STAMP)
	$(BIN)/fazhi report corpus -o outputs

lint: $(STAMP)
	$(BIN)/ruff check nlp tests bench

# the report's screenshot test needs Debian's chromium; install it when missing
CHROMIUM := /usr/bin/chromium

test: lint
	test -x $(CHROMIUM) || (apt-get update && apt-get install -y chromium)
	$(BIN)/python -m pytest

# every benchmark prints its figures and the ratios measured in the same run;
# the scaled corpora are built in a temporary folder and removed afterwards.
# Without ../shared/corpora (the State Council reports, kept outside the repository)
# each script runs the parts that need only the repository and prints a [SKIP] line,
# with the reason, for every part it leaves out.
BENCH_SCRIPTS := bench/tokenize.py bench/pipeline.py bench/classify.py bench/lda.py \
                 bench/fuzz.py bench/distributed.py bench/own_codebook.py

bench: $(STAMP)
	@set -e; for f in $(BENCH_SCRIPTS); do \
	  if [ -f $$f ]; then echo; echo "### $$f"; $(BIN)/python $$f; \
	  else echo; echo "### $$f: not in this checkout, skipped"; fi; \
	done

clean:
	rm -rf outputs .pytest_cache .ruff_cache

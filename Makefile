# fazhi-nlp: `make report` runs the study on the bundled corpus, `make test` runs the tests.
# Each creates .venv when missing and installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: report test lint bench install clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,notebooks,dask]"
	touch $(STAMP)

install: $(STAMP)

report: $(STAMP)
	$(BIN)/fazhi report corpus -o outputs

lint: $(STAMP)
	$(BIN)/ruff check nlp tests bench

test: lint
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/lda.py

clean:
	rm -rf outputs .pytest_cache .ruff_cache

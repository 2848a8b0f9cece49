# Two commands do all set-up on a machine with Python 3.11 and make:
#   make build   virtualenv from pinned dependencies, then dbt build on the sample
#   make test    the whole test suite, linters included
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_PROJECT_DIR := $(CURDIR)

.PHONY: build test lint format unit integration sample docs bench bench-smoke clean browser venv

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

build: $(STAMP)
	$(BIN)/dbt build
	$(BIN)/segments report --out output/report

test: $(STAMP) lint browser
	$(BIN)/pytest

# Chromium for the report's browser test (tests/integration/test_report.py), from Debian's
# packages. Without root or apt-get it is not installed and that test is skipped.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
	  || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	       && apt-get update -qq \
	       && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
	  || echo "chromium not installed (needs root and apt-get): the browser test will be skipped"

# The dbt templater compiles every model, and compiling reads the warehouse
# (input columns, top categories): build the inputs and the category ranking
# into a throw-away database first.
LINT_DB := target/lint.duckdb
lint: $(STAMP)
	$(BIN)/ruff check src tests python_models bench
	$(BIN)/ruff format --check src tests python_models bench
	DBT_DUCKDB_PATH=$(LINT_DB) $(BIN)/dbt run --quiet --target ci --select +int_categories_ranked
	DBT_DUCKDB_PATH=$(LINT_DB) $(BIN)/sqlfluff lint models snapshots tests/dbt

format: $(STAMP)
	$(BIN)/ruff format src tests python_models bench
	$(BIN)/ruff check --fix src tests python_models bench
	DBT_DUCKDB_PATH=$(LINT_DB) $(BIN)/dbt run --quiet --target ci --select +int_categories_ranked
	DBT_DUCKDB_PATH=$(LINT_DB) $(BIN)/sqlfluff fix models snapshots tests/dbt

unit: $(STAMP)
	$(BIN)/pytest tests/unit

integration: $(STAMP)
	$(BIN)/pytest tests/integration

sample: $(STAMP)
	$(BIN)/python -m segments.sample small --out seeds/sample

docs: $(STAMP)
	$(BIN)/dbt docs generate

# Benchmarks (see BENCHMARKS.md): the CI check; the three-way comparison on 1M and 10M
# generated lines and Online Retail x20, then 100M lines for the project (one command: bench)
bench-smoke: $(STAMP)
	$(BIN)/python bench/run.py --smoke

bench: $(STAMP)
	$(BIN)/python bench/run.py --sizes 1m 10m online-retail-x20 --runs 1 --seeds-time-cap 300
	$(BIN)/python bench/run.py --sizes 100m --methods project --runs 1

clean:
	rm -rf $(VENV) target logs *.duckdb *.duckdb.wal

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

.PHONY: build test lint format unit integration sample docs bench-smoke clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

build: $(STAMP)
	$(BIN)/dbt build

test: $(STAMP) lint
	$(BIN)/pytest

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

clean:
	rm -rf $(VENV) target logs *.duckdb *.duckdb.wal

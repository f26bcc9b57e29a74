# Roundtrip's front door. Every target bootstraps .venv on first use, then calls the CLI.
# `make load transform` on a fresh clone sets everything up and runs the main job on the sandbox.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
RT     := $(BIN)/roundtrip
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install load transform sync docs report test test-quick bench sandbox lint format clean clean-all

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@echo "==> creating $(VENV) and installing roundtrip with its dev tools (first run only)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the project (done by every target on first use)

load: $(STAMP) ## Load every enabled system into the warehouse (roundtrip load)
	@echo "==> roundtrip load"
	@$(RT) load

transform: $(STAMP) ## Build the dbt models and publish the read-only warehouse (roundtrip transform)
	@echo "==> roundtrip transform"
	@$(RT) transform

sync: $(STAMP) ## Push computed fields back to the CRM and MAP (roundtrip sync)
	@echo "==> roundtrip sync"
	@$(RT) sync

docs: $(STAMP) ## Build the data dictionary, integration map, status page and report (roundtrip docs)
	@echo "==> roundtrip docs"
	@$(RT) docs

report: $(STAMP) ## Write docs/report.html, the marketing performance report (roundtrip report)
	@echo "==> roundtrip report"
	@$(RT) report

sandbox: $(STAMP) ## Generate the sandbox world if missing and start the vendor stand-ins
	@echo "==> roundtrip sandbox up"
	@$(RT) sandbox up

# Three workers on two cores: the end-to-end tests spend much of their time waiting on other
# processes (stand-ins, dbt, vendors' backoff), so a third keeps both cores busy.
test: $(STAMP) ## Run the whole test suite, slow end-to-end tests included
	@echo "==> pytest"
	@$(BIN)/pytest -n 3 --dist loadfile --durations=15 $(PYTEST_ARGS)

test-quick: $(STAMP) ## Run the tests not marked slow
	@$(BIN)/pytest -m "not slow" $(PYTEST_ARGS)

bench: $(STAMP) ## Run the benchmarks; results go to bench/results/ and docs/benchmarks.md
	@echo "==> benchmarks"
	@$(BIN)/python -m bench

lint: $(STAMP) ## ruff check and format check, mypy on connectors/, reverse/, realtime/ and warehouse/
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@$(BIN)/mypy

format: $(STAMP) ## Apply ruff's fixes and formatting
	@$(BIN)/ruff check --fix .
	@$(BIN)/ruff format .

clean: ## Remove the warehouse (published, previous, working copies, dlt and sync state, logs) and dbt output
	@test ! -x $(RT) || $(RT) sandbox down
	rm -rf warehouse/*.duckdb warehouse/*.duckdb.wal warehouse/*.duckdb.prev warehouse/.*.tmp \
		warehouse/work warehouse/state dbt_project/target dbt_project/logs

clean-all: clean ## Also remove the sandbox world (keeps .venv)
	rm -rf .sandbox

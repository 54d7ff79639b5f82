# Two commands on a fresh machine: `make demo` (the main job through Airflow) and `make test`.
# Both create the environment in .venv/ from requirements.lock when it is missing or out of date.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench bench-smoke bench-1m sources clean-demo airflow

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install -qq --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/qcredit demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m qcredit.dbt_sources --check
	$(BIN)/python -m qcredit.docs --check
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python bench/run_bench.py --enterprises 100000

bench-smoke: $(STAMP)
	$(BIN)/python bench/run_bench.py --enterprises 100000 --smoke

bench-1m: $(STAMP)
	$(BIN)/python bench/run_bench.py --enterprises 1000000 --readme

sources: $(STAMP)
	$(BIN)/python -m qcredit.dbt_sources

# Airflow's UI on the demo home (standalone, SQLite): prints the URL, where the password is, how to trigger.
airflow: $(STAMP)
	$(BIN)/qcredit airflow standalone

clean-demo:
	rm -rf demo_home .airflow

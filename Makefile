# gospublic-rating: every target sets up what it needs (virtual environment from the pins,
# Airflow home inside the project, Airflow metadata database) before it runs.
#
#   make run    [PERIOD=YYYY-MM] [SOURCE=demo|files|live] [INPUT_DIR=folder] [REGISTRY_DIR=folder]
#               [SCALE=orgs] [SEED=n] [METHODOLOGY=v1|v2 (default: the newest)]
#   make test   the whole test suite (what CI runs)
#   make ui     [UI_PORT=8080]  the Airflow UI on the project's Airflow home and database
#   make bench  [SCALE=orgs] benchmark figures per step (time, peak memory, rows/s) into data/bench/
#   make lint   ruff
#   make clean  remove caches and the Airflow home (never the lake or the published snapshots)
#   make clean-data CONFIRM=yes   delete the data folder: the lake AND the warehouse of snapshots

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

SOURCE ?= demo
PERIOD ?=
INPUT_DIR ?=
REGISTRY_DIR ?=
SCALE ?=
SEED ?=
METHODOLOGY ?=
PYTEST_ARGS ?=
UI_PORT ?= 8080

# Airflow: home inside the project, metadata in PostgreSQL (the local server, trust auth).
AIRFLOW_DB ?= gospublic_airflow
PGHOST ?= 127.0.0.1
PGPORT ?= 5432
PGUSER ?= postgres
export AIRFLOW_HOME := $(CURDIR)/.airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__UNIT_TEST_MODE := False
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN ?= postgresql+psycopg2://$(PGUSER)@$(PGHOST):$(PGPORT)/$(AIRFLOW_DB)
export AIRFLOW__LOGGING__LOGGING_LEVEL ?= INFO
export NO_COLOR := 1

# A value reaches the shell single-quoted (a quote inside it is closed, escaped and reopened),
# so PERIOD='2026-10"; touch X' stays one argument and never becomes a second command.
quote = '$(subst ','\'',$(1))'
RUN_ARGS = --source $(call quote,$(SOURCE)) --period $(call quote,$(PERIOD)) \
	--input-dir $(call quote,$(INPUT_DIR)) --registry-dir $(call quote,$(REGISTRY_DIR)) \
	--scale $(call quote,$(SCALE)) --seed $(call quote,$(SEED)) --methodology $(call quote,$(METHODOLOGY))
DATA_DIR := $(or $(GOSPUBLIC_DATA_DIR),data)

.PHONY: help setup chromium airflow-db preflight run test test-fast bench lint clean clean-data ui

# The help is the comment block at the top of this file.
help:
	@sed -n '/^#/!q; s/^# \{0,1\}//p' $(firstword $(MAKEFILE_LIST))

# The project is installed editable into the venv (the `gospublic` command; no PYTHONPATH needed).
$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

setup: $(STAMP) chromium

# The browser of the report's browser tests (Debian's package; Playwright's own download is not used).
chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

# Creates the database, migrates it and sets the pools only when needed (log: .airflow/db-setup.log);
# marks failed the DAG runs a killed `make run` left running.
airflow-db: $(STAMP)
	@mkdir -p "$(AIRFLOW_HOME)"
	@PGHOST=$(call quote,$(PGHOST)) PGPORT=$(call quote,$(PGPORT)) PGUSER=$(call quote,$(PGUSER)) \
	  $(BIN)/gospublic airflow-setup $(call quote,$(AIRFLOW_DB))

preflight: $(STAMP)
	@$(BIN)/gospublic preflight $(RUN_ARGS)

# Settings are checked first: a bad period fails in a second, before Airflow is touched.
run: preflight
	@$(MAKE) --no-print-directory airflow-db
	$(BIN)/gospublic run-dag $(RUN_ARGS)

test: airflow-db chromium
	$(BIN)/pytest $(PYTEST_ARGS)

# The API server with the UI, in the foreground; it prints the address and the admin's password.
ui: airflow-db
	$(BIN)/gospublic ui --port $(call quote,$(UI_PORT))

bench: airflow-db
	$(BIN)/gospublic bench --scale $(call quote,$(or $(SCALE),150000))
	PYTHONPATH="$(CURDIR)/tests" $(BIN)/python tests/benchmarks/bench_extract.py
	PYTHONPATH="$(CURDIR)/tests" $(BIN)/python tests/benchmarks/bench_report.py --build

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Published snapshots are immutable: `clean` never touches the data folder (lake, warehouse).
clean:
	rm -rf .airflow .pytest_cache .ruff_cache "$(DATA_DIR)/tmp"
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

clean-data:
	@if [ $(call quote,$(CONFIRM)) != yes ]; then \
	  echo "clean-data deletes $(DATA_DIR)/: every run's lake and the warehouse of published snapshots." >&2; \
	  echo "Run 'make clean-data CONFIRM=yes' to do it." >&2; exit 1; fi
	rm -rf "$(DATA_DIR)"

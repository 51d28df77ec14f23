# gospublic-rating: every target sets up what it needs (virtual environment from the pins,
# Airflow home inside the project, Airflow metadata database) before it runs.
#
#   make run    [PERIOD=YYYY-MM] [SOURCE=demo|files|live] [INPUT_DIR=folder] [REGISTRY_DIR=folder]
#               [SCALE=orgs] [SEED=n]
#   make test   the whole test suite (what CI runs)
#   make bench  the benchmark figures (national scale)
#   make lint   ruff

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
PYTEST_ARGS ?=

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
export PYTHONPATH := $(CURDIR)/include
export NO_COLOR := 1

RUN_ARGS = --source "$(SOURCE)" --period "$(PERIOD)" --input-dir "$(INPUT_DIR)" \
	--registry-dir "$(REGISTRY_DIR)" --scale "$(SCALE)" --seed "$(SEED)"

.PHONY: help setup chromium airflow-db run test test-fast bench lint clean

help:
	@sed -n '2,10p' Makefile | sed 's/^# \{0,1\}//'

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

setup: $(STAMP) chromium

# The browser of the report's browser tests (Debian's package; Playwright's own download is not used).
chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

airflow-db: $(STAMP)
	@mkdir -p $(AIRFLOW_HOME)
	@PGHOST=$(PGHOST) PGPORT=$(PGPORT) PGUSER=$(PGUSER) $(BIN)/python -m gospublic_rating ensure-database $(AIRFLOW_DB)
	@$(BIN)/airflow db migrate > $(AIRFLOW_HOME)/db-migrate.log 2>&1 \
	  || { cat $(AIRFLOW_HOME)/db-migrate.log; exit 1; }
	@for pool in vk_api ok_api tgstat_api; do \
	  $(BIN)/airflow pools set $$pool 1 "one API account: batches call it one at a time" >> $(AIRFLOW_HOME)/db-migrate.log 2>&1; \
	done

run: airflow-db
	@$(BIN)/python -m gospublic_rating preflight $(RUN_ARGS)
	$(BIN)/python -m gospublic_rating run-dag $(RUN_ARGS)

test: airflow-db chromium
	$(BIN)/pytest $(PYTEST_ARGS)

bench: airflow-db
	$(BIN)/python -m gospublic_rating bench
	PYTHONPATH=$(CURDIR)/include:$(CURDIR)/tests $(BIN)/python tests/benchmarks/bench_vk_extract.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf data .airflow

# portalnews: two commands on a fresh machine (Python 3.10-3.13, no Docker, no root needed).
#   make run    embedded PostgreSQL + Airflow with one DAG per portal, UI on http://127.0.0.1:8080
#   make test   lint + the whole test suite (real PostgreSQL, Scrapy, trafilatura, Airflow)

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install run demo test lint bench clean-state

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,server]"
	@rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP)

run: install
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/portalnews up

# Airflow on the recorded fixture portals served locally: working DAGs without reaching the internet.
demo: install
	@mkdir -p var
	$(BIN)/portalnews mirror tests/fixtures/sites/* --port 8701 --write-registry var/demo-registry.toml & \
	  MIRROR=$$!; trap "kill $$MIRROR" EXIT INT TERM; sleep 2; \
	  PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/portalnews up --registry var/demo-registry.toml

lint: install
	$(BIN)/ruff check .

test: install
	$(BIN)/ruff check .
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest -q -p no:cacheprovider --durations=8 tests

bench: install
	$(BIN)/python bench/extraction.py --jobs 2 --speed
	$(BIN)/python bench/unseen.py

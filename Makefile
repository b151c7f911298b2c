# portalnews: two commands on a fresh machine (Python 3.11-3.13, no Docker, no root needed).
#   make run    embedded PostgreSQL + Airflow with one DAG per portal, UI on http://127.0.0.1:8080
#   make test   lint + the whole test suite (real PostgreSQL, Scrapy, trafilatura, Airflow)
#   make test-fast  lint (ruff, import layers, mypy) + tests/unit (pure: no server, crawl or Airflow)

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
# The Airflow UI's port (make run PORT=8081) and the first of the demo mirror's ports (one per site).
PORT ?= 8080
MIRROR_PORT ?= 8701
# Where `portalnews` is linked for the user's shell, as pipx does (its PIPX_BIN_DIR default).
USER_BIN ?= $(HOME)/.local/bin
# Test processes (pytest-xdist), a test module to one process so its module fixtures start once.
PARALLEL ?= -n 3 --dist loadfile
# pywb (the Wayback-compatible server the web-archive tests replay from) pins redis==2.10.6, which the
# server extra's Celery cannot use: it lives in its own venv, found by tests/support/archives.py.
PYWB_VENV  ?= .venv-pywb
PYWB_STAMP  = $(PYWB_VENV)/.installed-pywb-2

.PHONY: install cli-link run demo test test-fast screenshots lint bench clean-state

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,server]"
	@rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP) cli-link $(PYWB_STAMP)

$(PYWB_STAMP):
	@test -x $(PYWB_VENV)/bin/python || $(PYTHON) -m venv $(PYWB_VENV)
	$(PYWB_VENV)/bin/python -m pip install --quiet "pywb>=2.8,<3"
	@touch $(PYWB_STAMP)

# Link .venv/bin/portalnews into $(USER_BIN), never replacing another file there (a link left by a
# checkout that is gone is replaced); say which checkout a link there runs when it is not this one, and
# how to put $(USER_BIN) on PATH when it is not.
cli-link:
	@target="$(CURDIR)/$(BIN)/portalnews"; link="$(USER_BIN)/portalnews"; mkdir -p "$(USER_BIN)"; \
	if [ -L "$$link" ] && [ ! -e "$$link" ]; then rm -f "$$link"; fi; \
	if [ ! -e "$$link" ]; then ln -s "$$target" "$$link"; fi; \
	if [ "$$(readlink "$$link")" = "$$target" ]; then linked=yes; \
	elif [ -L "$$link" ]; then \
	  echo "$$link runs another checkout ($$(readlink -f "$$link")): left as it is; this checkout's is $$target"; \
	else echo "$$link is another program's file: left as it is; this checkout's is $$target"; fi; \
	case ":$$PATH:" in *":$(USER_BIN):"*) ;; \
	  *) if [ -n "$$linked" ]; then echo "portalnews is linked in $(USER_BIN), which is not on PATH: add it, e.g. export PATH=\"$(USER_BIN):\$$PATH\" in ~/.profile"; \
	     else echo "$(USER_BIN) is not on PATH either: run $$target"; fi;; esac

run: install
	@PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/portalnews up --port $(PORT)

# Airflow on the recorded fixture portals served locally: working DAGs without reaching the internet.
# Only those portals (not the real ones, unreachable offline), their DAGs running at once, their dates
# moved to today so health is judged as on live portals; fx_liferay (liferay_danang) went silent 10 days
# ago: the one portal in alert.
demo: install
	@mkdir -p var
	@$(BIN)/portalnews mirror tests/fixtures/sites/* --port $(MIRROR_PORT) --write-registry var/demo-registry.toml \
	  --dates-to-today --silent-for liferay_danang=10 & \
	  MIRROR=$$!; trap "kill $$MIRROR" EXIT INT TERM; sleep 2; kill -0 $$MIRROR || exit 1; \
	  PATH="$(CURDIR)/$(BIN):$$PATH" PORTALNEWS_BUILTIN_PORTALS=0 AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION=False \
	  $(BIN)/portalnews up --port $(PORT) --registry var/demo-registry.toml

lint: install
	$(BIN)/ruff check .
	$(BIN)/python .ci/lint_imports.py --no-logo
	$(BIN)/python .ci/typecheck.py

test: install
	$(BIN)/ruff check .
	$(BIN)/python .ci/lint_imports.py --no-logo
	$(BIN)/python .ci/typecheck.py
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest -q -p no:cacheprovider $(PARALLEL) --durations=8 tests

# Seconds, not minutes: lint and the pure tier (no server, no crawl, no Airflow).
test-fast: install
	$(BIN)/ruff check .
	$(BIN)/python .ci/lint_imports.py --no-logo
	$(BIN)/python .ci/typecheck.py
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest -q -p no:cacheprovider $(PARALLEL) tests/unit

# Refresh the UI pictures the guides show (tests write them to a temporary directory only).
screenshots: install
	PORTALNEWS_SCREENSHOTS_DIR="$(CURDIR)/docs" PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest -q \
	  -p no:cacheprovider tests/system/test_ui_health_page.py tests/system/test_ui_timezone.py

bench: install
	$(BIN)/python bench/extraction.py --jobs 2 --speed
	$(BIN)/python bench/unseen.py

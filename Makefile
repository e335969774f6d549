# The two commands: `make run` (the demo portal) and `make test` (the whole suite). Both set up everything.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format migrate demo system-deps bench audit clean

$(PY):
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "TecnoSign needs Python 3.11, found " + sys.version' 
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(PY)
	$(PIP) install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime

migrate: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo
	$(PY) manage.py ca_init

run: demo
	$(PY) manage.py runserver $(HOST):$(PORT)

# System packages the suite drives for real (a PKCS#11 token, a browser); installed when missing.
system-deps:
	@scripts/system-deps.sh

# axe-core for the browser tests' accessibility checks (package.json, pinned by package-lock.json).
node_modules/.package-lock.json: package.json package-lock.json | system-deps
	npm ci --no-audit --no-fund --loglevel=error

test: $(VENV)/.dev system-deps node_modules/.package-lock.json
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) manage.py makemigrations --check --dry-run

# Known vulnerabilities in the pinned dependencies (runtime, with what they pull in; then the npm lock file): the
# production pipeline's step before a release. It needs the vulnerability services on the network (PyPI's
# per-version JSON API, npm's audit endpoint), so neither `make test` nor CI runs it. --strict: a dependency that
# could not be checked fails the step instead of passing unseen.
audit: $(VENV)/.dev
	$(VENV)/bin/pip-audit -r requirements.txt --strict --progress-spinner off
	npm audit --package-lock-only --audit-level=moderate

format: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache node_modules

# The two commands: `make run` (the demo portal) and `make test` (the whole suite). Both set up everything.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format migrate demo system-deps npm bench audit clean

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

# The address served: the links printed and e-mailed and the local CA's CRL/OCSP/AIA addresses name it. An explicit
# SITE_URL wins; runserver derives the same from its own address (tecnosign/served.py).
SERVED_URL = $(or $(SITE_URL),http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT))

# The CA first, so the demo's summary (URLs, accounts, passwords) is the last thing printed before the server starts.
demo: migrate
	SITE_URL=$(SERVED_URL) $(PY) manage.py ca_init
	SITE_URL=$(SERVED_URL) $(PY) manage.py load_demo

run: static/vendor/pki.js demo
	$(PY) manage.py runserver $(HOST):$(PORT)

# System packages the suite drives for real (a PKCS#11 token, a browser); installed when missing.
system-deps:
	@scripts/system-deps.sh

npm:
	@scripts/system-deps.sh npm

# The JavaScript from npm (package.json, pinned by package-lock.json): PKI.js, which the A1 issuance page uses to
# make the key, the request and the .pfx in the customer's browser, the browser tests' axe-core, and Prism (the API Pix
# specification's validating proxy in orders/tests/test_api_pix.py).
node_modules/.package-lock.json: package.json package-lock.json | npm
	npm ci --no-audit --no-fund --loglevel=error

# PKI.js bundled into one file the page loads from the portal itself (js/pki.js; no CDN). Git-ignored.
static/vendor/pki.js: node_modules/.package-lock.json js/pki.js
	npm run --silent build

# The whole suite in two runs: the tests that keep to one process (each test its own database transaction, caches
# per process, Celery on a queue of its own) two at a time with pytest-xdist, as this machine has 2 cores; then the
# browser, fault-injection and cluster tests one after another (they start servers, kill processes and measure
# waits). PYTEST_ARGS runs just what it names, in one run.
SERIAL_MARKERS := browser or faults or cluster
test: $(VENV)/.dev system-deps node_modules/.package-lock.json static/vendor/pki.js
ifeq ($(strip $(PYTEST_ARGS)),)
	$(PY) -m pytest -n 2 -m "not ($(SERIAL_MARKERS))"
	$(PY) -m pytest -m "$(SERIAL_MARKERS)"
else
	$(PY) -m pytest $(PYTEST_ARGS)
endif

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
	rm -rf $(VENV) var .pytest_cache .ruff_cache node_modules static/vendor

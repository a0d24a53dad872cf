# The two commands a newcomer needs: `make run` (whole platform, embedded) and `make test`.
# Python 3.11 or newer; python3.11 when the machine has it (the version CI runs).
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev
# The lock (uv.lock, exported to requirements/*.txt by `make lock`); pip installs it with hashes.
UV_VERSION := 0.13.8

# Debian packages the suite drives, as command:package; `debian-deps` installs the missing ones.
DEBIAN_TOOLS := chromium:chromium faketime:faketime nginx:nginx-light promtool:prometheus \
	kubectl:kubernetes-client

.PHONY: run test test-dates debian-deps lint operator migrate locales bench clean-data lock topology

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The runtime and the embedded tools, at the locked versions (the project itself adds nothing).
$(RUNTIME): pyproject.toml requirements/embedded.txt | $(BIN)/python
	$(BIN)/python deploy/lockfile.py check
	$(BIN)/pip install --quiet --require-hashes -r requirements/embedded.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(DEV): pyproject.toml requirements/dev.txt | $(BIN)/python
	$(BIN)/python deploy/lockfile.py check
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@ $(RUNTIME)

## After any dependency change in pyproject.toml: resolve again (PyPI), then commit uv.lock and
## requirements/. `make lock UPGRADE=1` also moves every package to its newest allowed version.
lock: | $(BIN)/python
	$(BIN)/pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv lock $(if $(UPGRADE),--upgrade)
	$(BIN)/python deploy/lockfile.py export

## Compile the gettext catalogs (servicekit/locale/*/LC_MESSAGES/*.po -> .mo); also done at first use.
locales: $(RUNTIME)
	$(BIN)/python -c "from servicekit.i18n import compile_catalogs; compile_catalogs()"

migrate: $(RUNTIME) locales
	$(BIN)/python -m servicekit.migrate identity subscriptions payments
	$(BIN)/python -m services.subscriptions.seed

## Start everything on embedded defaults; Ctrl-C stops it all.
run: migrate
	@echo ""
	@echo "  Portail (web)          http://localhost:8000"
	@echo "  Identity API           http://127.0.0.1:8001/docs"
	@echo "  Subscriptions API      http://127.0.0.1:8002/docs"
	@echo "  Payments API           http://127.0.0.1:8003/docs"
	@echo "  Temporal Web UI        http://localhost:8000/temporal/  (operators)"
	@echo "                         http://127.0.0.1:8233/temporal/  (administrators)"
	@echo "  Courriels (mail)       http://127.0.0.1:8025  (SMTP 127.0.0.1:1025)"
	@echo "  Metrics                /metrics on each port above; worker http://127.0.0.1:9464/metrics"
	@echo "  Worker health          http://127.0.0.1:8004/healthz  /readyz"
	@echo ""
	$(BIN)/python deploy/embedded/supervisor.py -f Procfile

## Run the whole suite (PostgreSQL when TEST_DATABASE_URL is set).
test: $(DEV) debian-deps
	$(BIN)/python -m pytest

## The whole suite at the next 1st, 15th and 31st, the clock moved by libfaketime.
test-dates: $(DEV) debian-deps
	$(BIN)/python -m tests.support.dates

## Install the Debian packages the suite needs, only those missing (as root; else says how).
debian-deps:
	@bash deploy/embedded/debian_deps.sh $(DEBIAN_TOOLS)

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/mypy servicekit services workflows web mailcatcher

## Create an operator account: make operator EMAIL=agent@example.org (asks for the password)
operator: migrate
	$(BIN)/python -m services.identity.cli create-operator "$(EMAIL)"

## Benchmarks (figures in the README); the plate check uses wrk when it can install it.
bench: $(DEV)
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" -eq 0 ] && { apt-get install -y wrk || { apt-get update && apt-get install -y wrk; }; }; } || echo "bench: wrk missing (as root: apt-get install -y wrk); the plate check uses the raw asyncio generator"
	$(BIN)/python bench/memory.py
	$(BIN)/python bench/accounts.py
	$(BIN)/python bench/subscriptions.py
	$(BIN)/python bench/billing.py

## Two replicas of every component behind nginx, on PostgreSQL (docs/topology.md); Ctrl-C stops.
topology: $(DEV) debian-deps
	$(BIN)/python -m tests.support.topology_run

clean-data:
	rm -rf .data

# The two commands of the README: `make run` and `make test`. Everything else is their plumbing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# The settings read PORT too (SITE_URL's default), so mail links point at the port being served.
export PORT
PYTEST_ARGS ?=
# `make test` runs the suite in parallel processes (pytest-xdist; each has its own test database,
# Redis and browser: conftest.py). 2 pays on a 2-core machine; PYTEST_WORKERS=0 runs it in one.
# The tests marked `paced` time Slack's pace to the millisecond: they run after, in one process,
# with no other test beside them to steal the CPU (two 429s instead of at most one, otherwise).
PYTEST_WORKERS ?= 2

.PHONY: setup run test bench lint check test-deps messages

# Development installs everything the image runs (requirements/production.txt) plus the tools;
# a change to any requirements file reinstalls.
$(VENV)/.installed: $(wildcard requirements/*.txt)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.installed node_modules/.installed
	mkdir -p var

# What the tests need from Debian: Chromium and a Japanese font for the browser tests
# (Playwright cannot download browsers here), and the redis-server program (the tests also start
# a private one, to restart it under a running burst).
test-deps:
	@{ command -v chromium >/dev/null 2>&1 && fc-list :lang=ja 2>/dev/null | grep -q .; } || { \
		echo "Installing Debian's chromium and a Japanese font for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			$$SUDO apt-get install -y -qq chromium fonts-ipafont-gothic; }
	@command -v redis-server >/dev/null 2>&1 || { \
		echo "Installing Debian's redis-server for the worker tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			$$SUDO apt-get install -y -qq redis-server; }

run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	$(PY) -m workers.devstack --port $(PORT)

test: setup test-deps
	# Exit status 5: none of PYTEST_ARGS' tests is in this part (e.g. only paced ones asked for).
	$(PY) -m pytest -n $(PYTEST_WORKERS) -m "not paced" $(PYTEST_ARGS) || [ $$? = 5 ]
	$(PY) -m pytest -m paced $(PYTEST_ARGS) || [ $$? = 5 ]

bench: setup
	$(PY) -m bench

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

check: setup
	$(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=incubator.settings.production \
	DJANGO_SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
		$(PY) manage.py check --deploy --fail-level WARNING

messages: setup
	$(PY) manage.py makemessages -l ja --ignore=.venv --ignore=node_modules
	$(PY) manage.py compilemessages --ignore=.venv

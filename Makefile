# The two commands of the README: `make run` and `make test`. Everything else is their plumbing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: setup run test bench lint check browser-deps messages

$(VENV)/.installed: requirements/lock.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/lock.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.installed node_modules/.installed
	mkdir -p var

# Debian's Chromium drives the browser tests (Playwright cannot download browsers here).
browser-deps:
	@{ command -v chromium >/dev/null 2>&1 && fc-list :lang=ja 2>/dev/null | grep -q .; } || { \
		echo "Installing Debian's chromium and a Japanese font for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			$$SUDO apt-get install -y -qq chromium fonts-ipafont-gothic; }

# Web, a Celery worker and beat together (workers/devstack.py); Ctrl-C stops all three.
# Without REDIS_URL the broker is Kombu's filesystem transport under var/broker: nothing to install.
run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	$(PY) -m workers.devstack --port $(PORT)

test: setup browser-deps
	$(PY) -m pytest $(PYTEST_ARGS)

bench: setup
	$(PY) -m bench

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

check: setup
	$(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=incubator.settings.production \
	DJANGO_SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
		$(PY) manage.py check --deploy --fail-level WARNING

messages: setup
	$(PY) manage.py makemessages -l ja --ignore=.venv --ignore=node_modules
	$(PY) manage.py compilemessages --ignore=.venv

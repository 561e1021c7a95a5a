# Two commands for a fresh Debian/Ubuntu machine (both safe to run twice):
#   make run    install, migrate, load the demo city, serve on 127.0.0.1:$(PORT)
#   make test   install (with test tools and Chromium) and run the whole suite
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Debian's python3: its sqlite3 can load the SpatiaLite extension.
SYSTEM_PYTHON ?= /usr/bin/python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
RUN_PACKAGES := python3-venv gdal-bin libsqlite3-mod-spatialite gettext
TEST_PACKAGES := $(RUN_PACKAGES) chromium fonts-wqy-microhei

.PHONY: help run test lint messages system-deps system-deps-test demo

help:
	@echo "make run   - serve the app with demo data at http://127.0.0.1:$(PORT)/"
	@echo "make test  - run the test suite (DATABASE_URL selects SpatiaLite or PostGIS)"
	@echo "make lint  - ruff, migrations check"

system-deps:
	@scripts/system-deps.sh $(RUN_PACKAGES)

system-deps-test:
	@scripts/system-deps.sh $(TEST_PACKAGES)
	@scripts/ensure-redis.sh

$(VENV)/.runtime: requirements.txt
	@test -x $(PY) || $(SYSTEM_PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# Translations are compiled again only when a catalogue changed (two test runs side by side must not
# rewrite the .mo files the other is reading).
PO_FILES := $(shell find . -path ./.venv -prune -o -name django.po -print)

messages: $(VENV)/.messages

$(VENV)/.messages: $(PO_FILES) $(VENV)/.runtime
	@cd $(CURDIR) && DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv -v0
	@touch $@

run: export DEBUG ?= 1
run: system-deps $(VENV)/.runtime messages
	@mkdir -p var
	$(PY) manage.py migrate --no-input -v0
	$(PY) manage.py seed_demo
	@echo
	@echo "  Open      http://127.0.0.1:$(PORT)/"
	@echo "  Log in    admin / Demo@2026   (also inspector1-3, manager, company01-company28,"
	@echo "            patrol01-03 on /field/, contractor1-2)"
	@echo
	@echo "  Jobs      a Celery worker with the beat runs beside the server (log: var/celery.log)"
	@echo
	@$(VENV)/bin/celery -A pipeline_safety worker --beat --loglevel INFO --concurrency 1 \
		> var/celery.log 2>&1 & \
	worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: system-deps-test $(VENV)/.dev messages
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: system-deps $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

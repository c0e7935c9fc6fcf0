# E-DEM — two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
WEB_ADDR ?= 127.0.0.1:8000
DEVIDP_PORT ?= 8001
DEVIDP_ADDR := 127.0.0.1:$(DEVIDP_PORT)
PYTEST_ARGS ?=

.PHONY: run test setup deps assets migrate seed devidp web lint benchmarks clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

deps: $(VENV)/.installed

node_modules/.package-lock.json: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

assets: node_modules/.package-lock.json

setup: deps assets
	mkdir -p var
	$(PY) manage.py migrate --no-input
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0
	$(PY) manage.py seed_demo

## Set everything up and start the demo platform with the development identity provider.
run: setup
	@echo ""
	@echo "  E-DEM:                      http://$(WEB_ADDR)/"
	@echo "  Wagtail admin (staff):      http://$(WEB_ADDR)/cms/"
	@echo "  API documentation:          http://$(WEB_ADDR)/api/docs/"
	@echo "  Development identity provider (personas): http://$(DEVIDP_ADDR)/"
	@echo "  Citizens: 'Увійти' -> pick a persona (resident, non-resident, 15-year-old, ...)."
	@echo "  Staff logins (username / password): printed by seed_demo above."
	@echo ""
	@trap 'kill 0' INT TERM EXIT; \
	$(PY) -m devidp.manage devidp_serve --port $(DEVIDP_PORT) --platform-url http://$(WEB_ADDR) & \
	$(PY) manage.py runserver $(WEB_ADDR)

## Run the whole test suite (unit, services, browser journeys).
test: deps assets
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0
	@# Lint and tests both run so one failure does not hide the other; either fails the target.
	@status=0; \
	$(VENV)/bin/ruff check . || status=1; \
	$(VENV)/bin/pytest -n auto $(PYTEST_ARGS) || status=1; \
	exit $$status

lint: deps
	$(VENV)/bin/ruff check .

benchmarks: deps
	$(PY) -m benchmarks

clean:
	rm -rf var/edem.sqlite3* var/devidp.sqlite3* var/test-media

# Rapport: `make run` sets up and serves the site with demo data; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed

.PHONY: setup run test lint format translations db clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

translations: $(STAMP)
	$(BIN)/pybabel -q compile -d app/translations

setup: $(STAMP) translations

db: setup
	$(FLASK) db upgrade
	$(FLASK) content import
	$(FLASK) demo

run: db
	$(FLASK) run --host 127.0.0.1 --port 5000

lint: setup
	$(BIN)/ruff check app tests migrations wsgi.py
	$(BIN)/ruff format --check app tests wsgi.py

format: setup
	$(BIN)/ruff format app tests wsgi.py
	$(BIN)/ruff check --fix app tests migrations wsgi.py

test: setup lint
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) instance .pytest_cache

# Rapport: `make run` sets up and serves the site with demo data; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: setup dev-setup run test lint format translations db clean

# requirements.txt: what the app needs at run time; requirements-dev.txt adds the test and dev tools.
$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(DEV_STAMP)

translations: $(STAMP)
	$(BIN)/pybabel -q compile -d app/translations

setup: $(STAMP) translations

dev-setup: setup $(DEV_STAMP)

db: setup
	$(FLASK) db upgrade
	$(FLASK) content import
	$(FLASK) demo

run: db
	$(FLASK) run --host 127.0.0.1 --port 5000

lint: dev-setup
	$(BIN)/ruff check app demo bench tests migrations wsgi.py
	$(BIN)/ruff format --check app demo bench tests wsgi.py

format: dev-setup
	$(BIN)/ruff format app demo bench tests wsgi.py
	$(BIN)/ruff check --fix app demo bench tests migrations wsgi.py

# Bytecode kept even where the environment says not to (PYTHONDONTWRITEBYTECODE): each pytest worker
# otherwise rewrites and compiles every test module again on every run (about 4 s of CPU each).
test: dev-setup lint
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) instance .pytest_cache

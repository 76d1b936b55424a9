# Gonghui — `make demo` runs the platform with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo test test-pg lint format messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,prod]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/gonghui migrate --noinput
	$(BIN)/gonghui demo
	$(BIN)/gonghui runserver $(HOST):$(PORT)

# The whole suite, on SQLite unless DATABASE_URL says otherwise; the browser tests need
# Debian's chromium, installed here when missing.
test: install
	@bash scripts/ensure-system-packages.sh
	$(BIN)/pytest

test-pg: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/gonghui} $(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	GONGHUI_DATA_DIR=$$(mktemp -d) $(BIN)/gonghui makemigrations --check --dry-run
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: install
	cd src/gonghui && ../../$(BIN)/gonghui makemessages -l en --no-obsolete && ../../$(BIN)/gonghui compilemessages -l en

clean:
	rm -rf $(VENV) var .pytest_cache

# Gonghui — `make demo` runs the platform with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo test test-pg lint format messages clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,prod]'
	touch $@

install: $(VENV)/.installed

# The address the demo serves; links in texts and the member card's QR code follow it unless
# GONGHUI_SITE_URL is set (e.g. `make demo HOST=0.0.0.0 PORT=8101 GONGHUI_SITE_URL=http://192.168.1.5:8101`).
SITE_URL = $(or $(GONGHUI_SITE_URL),http://$(HOST):$(PORT))

demo: install
	$(BIN)/gonghui migrate --noinput
	GONGHUI_SITE_URL=$(SITE_URL) $(BIN)/gonghui demo
	@echo "Serving on $(HOST):$(PORT); open $(SITE_URL)/"
	GONGHUI_SITE_URL=$(SITE_URL) $(BIN)/gonghui runserver $(HOST):$(PORT)

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

# Benchmarks (docs/benchmarks.md): SCALE=smoke|small|1m|10m. SCALE=smoke runs on a temporary SQLite;
# the others use DATABASE_URL when set, else PostgreSQL on 127.0.0.1:5432 (database
# gonghui_bench_$(SCALE), created when missing; the dataset is seeded once per database),
# else SQLite under var/bench-$(SCALE).
SCALE ?= small
PGHOST_BENCH ?= 127.0.0.1
bench: install
	@set -e; \
	if [ "$(SCALE)" = smoke ]; then \
		env -u DATABASE_URL $(BIN)/python -m bench --scale smoke; \
	elif [ -n "$$DATABASE_URL" ]; then \
		$(BIN)/python -m bench --scale $(SCALE); \
	elif command -v pg_isready >/dev/null && pg_isready -q -h $(PGHOST_BENCH) -p 5432; then \
		db=gonghui_bench_$(SCALE); \
		psql -h $(PGHOST_BENCH) -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$$db'" | grep -q 1 \
			|| psql -h $(PGHOST_BENCH) -U postgres -qc "CREATE DATABASE $$db"; \
		DATABASE_URL=postgres://postgres@$(PGHOST_BENCH):5432/$$db $(BIN)/python -m bench --scale $(SCALE); \
	else \
		echo "PostgreSQL is not running: benchmarking SQLite under var/bench-$(SCALE)"; \
		GONGHUI_DATA_DIR=var/bench-$(SCALE) $(BIN)/python -m bench --scale $(SCALE); \
	fi

clean:
	rm -rf $(VENV) var .pytest_cache

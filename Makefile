# Tenure — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: run test venv lint fmt messages messages-check worker clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/tenure serve --host $(HOST) --port $(PORT)

# The whole suite on SQLite; again on PostgreSQL when TENURE_TEST_DATABASE_URL is set.
test: $(STAMP)
	$(BIN)/pytest
	@if [ -n "$$TENURE_TEST_DATABASE_URL" ]; then \
	  echo "== PostgreSQL run ($$TENURE_TEST_DATABASE_URL)"; \
	  DATABASE_URL="$$TENURE_TEST_DATABASE_URL" $(BIN)/pytest -m "not e2e"; \
	else \
	  echo "== PostgreSQL run SKIPPED: set TENURE_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/tenure to run the suite on PostgreSQL too"; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check tenure bench
	$(BIN)/ruff format --check tenure bench
	$(BIN)/python -m tenure makemigrations --check --dry-run
	$(MAKE) -s messages-check

fmt: $(STAMP)
	$(BIN)/ruff format tenure bench
	$(BIN)/ruff check --fix tenure bench

# Refresh the catalogues from the source (then translate the new zh_Hans entries and compile).
messages: $(STAMP)
	cd tenure && ../$(BIN)/python -m tenure makemessages -l zh_Hans -l en --ignore=static --no-obsolete --no-location --no-wrap -v0
	cd tenure && ../$(BIN)/python -m tenure compilemessages -v0

# CI: every user-facing string in the source is in the catalogues (and tenure/core/tests/test_i18n.py
# checks each is translated and compiled).
messages-check: $(STAMP)
	cd tenure && ../$(BIN)/python -m tenure makemessages -l zh_Hans -l en --ignore=static --no-obsolete --no-location --no-wrap -v0
	@git diff --quiet -I'POT-Creation-Date' -- tenure/locale || { git diff --stat -- tenure/locale; \
	  echo "Translations are out of date: run 'make messages', translate the new zh_Hans entries, commit."; exit 1; }
	msgfmt --check-format -o /dev/null tenure/locale/zh_Hans/LC_MESSAGES/django.po

worker: $(STAMP)
	$(BIN)/tenure worker

clean:
	rm -rf $(VENV) var/*.sqlite3* var/queue staticfiles

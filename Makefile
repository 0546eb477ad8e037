# CX Academy: `make run` to try it, `make test` to test it. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
BENCH_STAMP := $(VENV)/.installed-bench
BENCH_DATABASE_URL ?= postgresql://cxacademy:cxacademy-ci@127.0.0.1:5432/cxacademy_bench
TRANSLATIONS := cxacademy/translations

.PHONY: run test bench install install-test install-bench translations translations-extract translations-update db-upgrade content-import demo clean

run: install translations db-upgrade content-import demo
	@echo "CX Academy on http://127.0.0.1:5000  (Ctrl+C to stop)"
	$(FLASK) run --host 127.0.0.1 --port 5000

test: install-test translations
	$(BIN)/python -m pytest
	@if [ -n "$$PG_TEST_DATABASE_URL" ]; then \
	  echo "== the suite again on PostgreSQL (browser journeys ran above) =="; \
	  TEST_DATABASE_URL="$$PG_TEST_DATABASE_URL" $(BIN)/python -m pytest -m "not e2e" -p no:cacheprovider; \
	fi

# Load benchmarks by hand (not part of `make test`): reseeds BENCH_DATABASE_URL from scratch. bench/README.md
bench: install-bench translations
	BENCH_DATABASE_URL="$(BENCH_DATABASE_URL)" $(BIN)/python bench/load/run.py

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(TEST_STAMP): requirements.txt requirements-test.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-test.txt
	@touch $@ $(STAMP)

$(BENCH_STAMP): requirements.txt requirements-bench.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	@touch $@ $(STAMP)

install: $(STAMP)
install-test: $(TEST_STAMP)
install-bench: $(BENCH_STAMP)

translations: install
	$(BIN)/pybabel -q compile -d $(TRANSLATIONS)

translations-extract: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location -o $(TRANSLATIONS)/messages.pot .

translations-update: translations-extract
	$(BIN)/pybabel update --ignore-obsolete --no-fuzzy-matching -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)

db-upgrade: install
	$(FLASK) db upgrade

content-import: install
	@# Not fatal: a content problem (or a lesson edited in the browser that the files would overwrite)
	@# is printed, and the app still starts with what the database already holds.
	-$(FLASK) content import

demo: install
	$(FLASK) demo accounts

clean:
	rm -rf $(VENV) .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# The two commands of the README: `make run` (platform with demo data on the embedded default)
# and `make test` (the whole suite on the embedded default). Both set up .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: run test install install-test browser-deps lint ci clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(STAMP_RUN)

install: $(STAMP_RUN)
install-test: $(STAMP_TEST)

run: $(STAMP_RUN)
	$(BIN)/plumbline migrate --no-input
	$(BIN)/plumbline load_demo
	$(BIN)/plumbline run_embedded

# The browser tests drive Debian's chromium (never a downloaded browser); CJK fonts make their
# screenshots readable. Installed when missing and we may (root with apt-get).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium and fonts-noto-cjk for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else echo "chromium is missing: the browser tests will be skipped here and fail under CI=true"; fi; }

test: $(STAMP_TEST) browser-deps
	$(BIN)/python -m pytest -m "not integration" $(PYTEST_ARGS)

lint: $(STAMP_TEST)
	$(BIN)/ruff check .

ci:
	bash .ci/run

clean:
	rm -rf var/test-*

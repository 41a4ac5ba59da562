# Two commands on a fresh machine: `make demo` serves the API with demo data; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install lock schema bench chromium graphiql-assets

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Townhall needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/townhall serve --demo --worker

# The Firebase Auth emulator the tests sign citizens in with, and graphql-http's GraphQL-over-HTTP
# audit (package-lock.json pins both).
# --ignore-scripts skips re2's native build (used by Hosting, not Auth), which tries GitHub for a
# prebuilt binary and then compiles for a minute or more; the other install script only prints warnings.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	@touch $@

# Debian's Chromium for the GraphiQL browser test: installed when missing in CI or as root (CI
# machines start without it); elsewhere that test is skipped with a message.
chromium:
	@if ! command -v chromium >/dev/null; then \
	  if [ "$$CI" = true ] || [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is missing: the GraphiQL browser test will be skipped (apt-get install chromium)"; fi; \
	fi

test: $(STAMP) node_modules/.installed chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

# Re-pin every dependency after changing pyproject.toml (then commit requirements.lock).
lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^townhall' > requirements.lock

# Rewrite the committed schema after an intended schema change.
schema: $(STAMP)
	$(BIN)/townhall export-schema > mobile-contract/schema.graphql

# Re-vendor GraphiQL's scripts and styles (api/static/graphiql) after a Strawberry upgrade: from npm,
# at the versions Strawberry's page pins, checked against its integrity hashes.
graphiql-assets: $(STAMP)
	$(BIN)/python -m api.graphiql

bench: $(STAMP)
	$(BIN)/python bench/graphql_throughput.py

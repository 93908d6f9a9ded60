# dialoog — the two commands a newcomer needs: `make run` and `make test`.
# Everything installs into .venv and node_modules; stamps make a second run fast.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DEBUG ?= 1
# Links in e-mails point at the server that `make run` starts.
export SITE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run serve test pytest bench lint typecheck format install static migrate seed messages lock clean

# Every command that needs the database runs through scripts/devdb.py: with DATABASE_URL set
# it just runs; without, it starts a private PostgreSQL (data in var/postgres) for as long
# as the command runs. Nested commands see DATABASE_URL and share that server.
DB := $(BIN)/python scripts/devdb.py --

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv

# Reinstall only when the lock file changes. Compiled as pip compiles them in the Docker image:
# otherwise every worker compiles the libraries it imports at start, and holds the compiler's
# garbage (some 10 MiB per gunicorn worker).
$(VENV)/.installed: requirements-dev.lock | $(BIN)/python
	$(BIN)/uv pip install --python $(BIN)/python --quiet --compile-bytecode -r requirements-dev.lock
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/vendor/.built: node_modules/.installed scripts/build-static.mjs
	npm run --silent build
	touch $@

install: $(VENV)/.installed static/vendor/.built

static: install
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0

migrate: install
	mkdir -p var
	$(DB) $(BIN)/python manage.py migrate --noinput --verbosity 0

seed: migrate
	$(DB) $(BIN)/python manage.py seed_demo

# One server for the whole run: migrate, seed and the three processes share it, and Ctrl-C
# stops it after them.
run: static
	$(DB) $(MAKE) --no-print-directory serve

serve: seed
	@echo ""
	@echo "  dialoog runs on http://127.0.0.1:$(PORT)  (stop with Ctrl-C)"
	@echo ""
	PATH="$(CURDIR)/$(BIN):$$PATH" PORT=$(PORT) $(BIN)/honcho start -f Procfile

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy .

test: install lint typecheck
	$(DB) $(MAKE) --no-print-directory pytest

pytest:
	$(BIN)/python manage.py makemigrations --check --dry-run --verbosity 0
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Speed is measured here, never in the test suite (bench/; see bench/RESULTS.md when present).
bench: migrate
	@command -v wrk >/dev/null || { echo "make bench needs wrk: apt-get install wrk"; exit 1; }
	$(DB) $(BIN)/python bench/run.py --write

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Regenerate the Dutch and English message catalogues (needs GNU gettext).
messages: install
	$(BIN)/python manage.py makemessages --locale nl --locale en --no-location --ignore '.venv/*' --ignore 'node_modules/*' --ignore 'staticfiles/*'
	$(BIN)/python manage.py compilemessages --ignore '.venv/*' --ignore 'node_modules/*'

# Re-pin the dependencies from pyproject.toml.
lock: | $(BIN)/python
	$(BIN)/uv pip compile --quiet --python-version 3.11 pyproject.toml -o requirements.lock
	$(BIN)/uv pip compile --quiet --python-version 3.11 --extra dev pyproject.toml -o requirements-dev.lock

clean:
	rm -rf $(VENV) node_modules static/vendor staticfiles var

# TEIS — two commands: `make run` and `make test` (both install what is missing first).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
PORT ?= 8000
export PORT

.PHONY: install run test lint typecheck test-sqlite test-postgres bench debs clean-test

install: $(STAMP) debs

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	@echo "==> 安装 Python 依赖 (pyproject.toml)"
	@$(VENV)/bin/pip install -q --disable-pip-version-check -e '.[test]' 2>&1 | grep -v "^WARNING: Location" || true
	@$(PY) -c "import django, channels, huey, gmssl_pyx, playwright" 
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

debs:
	@bash scripts/install_debs.sh

run: install
	@bash scripts/run.sh

lint: install
	@echo "==> ruff"
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check --quiet . || (echo "ruff format: 请运行 .venv/bin/ruff format ." && exit 1)
	@echo "==> import-linter"
	@$(VENV)/bin/lint-imports --no-cache
	@echo "==> mypy (strict: teis/core and every app's services)"
	@bash scripts/typecheck.sh

typecheck: install
	@bash scripts/typecheck.sh

# The whole suite on PostgreSQL (production's database), then the `embedded` subset on the SQLite default.
test: install lint test-postgres test-sqlite

test-sqlite:
	@echo "==> pytest (SQLite, embedded subset)"
	@env -u DATABASE_URL $(VENV)/bin/pytest -n 2 --dist loadgroup -q --durations=20 -m embedded

test-postgres:
	@bash scripts/test_postgres.sh

bench: install
	@$(PY) -m bench --all --quick

#!/usr/bin/env bash
# Strict mypy on teis/core and every app's services package (pyproject.toml, [tool.mypy]).
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(teis/core)
for path in teis/*/services teis/*/services.py; do
  [[ "$path" == teis/core/* ]] && continue
  targets+=("$path")
done
exec .venv/bin/mypy "${targets[@]}" "$@"

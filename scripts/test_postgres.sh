#!/usr/bin/env bash
# The suite on PostgreSQL: with DATABASE_URL, or the local server at 127.0.0.1:5432 when it answers.
# TEIS_REQUIRE_POSTGRES=1 (CI) makes a missing server a failure instead of a skip.
set -euo pipefail
url="${DATABASE_URL:-}"
if [ -z "$url" ]; then
  if .venv/bin/python - <<'PY'
import socket, sys
s = socket.socket(); s.settimeout(1)
sys.exit(0 if s.connect_ex(("127.0.0.1", 5432)) == 0 else 1)
PY
  then url="postgres://postgres@127.0.0.1:5432/test"
  fi
fi
if [ -z "$url" ]; then
  if [ "${TEIS_REQUIRE_POSTGRES:-0}" = "1" ]; then echo "PostgreSQL 不可达，但 CI 要求在 PostgreSQL 上测试" >&2; exit 1; fi
  echo "==> 跳过 PostgreSQL：未设置 DATABASE_URL 且 127.0.0.1:5432 无响应"; exit 0
fi
echo "==> pytest (PostgreSQL)"
DATABASE_URL="$url" .venv/bin/pytest -n 2 --dist loadgroup -q --durations=20

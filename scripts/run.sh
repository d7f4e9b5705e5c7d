#!/usr/bin/env bash
# Embedded mode: migrate, load demo data on first start, then run the web server (uvicorn) and the job
# worker (huey) under one supervisor (honcho). Ctrl-C stops every child.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
$PY manage.py migrate --noinput -v 0
$PY manage.py createcachetable
$PY manage.py collectstatic --noinput -v 0
if [ ! -f var/.demo_loaded ]; then
  echo "==> 首次启动：载入演示数据"
  $PY manage.py seed_demo && touch var/.demo_loaded
fi
$PY manage.py teis_banner --port "${PORT:-8000}"
exec .venv/bin/honcho -f Procfile start

#!/usr/bin/env bash
# Embedded mode: migrate, load demo data on first start, then run the web server (uvicorn), the job worker
# (huey) and the device gateways under one supervisor (scripts/supervise.py): a child that dies is restarted
# with backoff while the others keep running; its state is on the operations page. Ctrl-C stops every child.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
$PY manage.py migrate --noinput -v 0
$PY manage.py sync_roles  # an upgrade's new permissions for the standard roles (adds only)
$PY manage.py workflow_load >/dev/null  # the shipped BPMN definitions: a new version only when a file changed
$PY manage.py createcachetable
$PY manage.py collectstatic --noinput -v 0
if [ ! -f var/.demo_loaded ]; then
  echo "==> 首次启动：载入演示数据"
  $PY manage.py seed_demo  # under `set -e` a failed load stops here instead of starting an empty system
  touch var/.demo_loaded
fi
$PY manage.py teis_banner --port "${PORT:-8000}"
# The embedded demo also runs the vehicle and ship simulators so the live maps move on first start;
# TEIS_DEMO_SIMULATORS=0 runs only the four production processes of the Procfile. The supervisor restarts a
# simulator that finished its scenario or started before the gateway listened.
procfile=Procfile
if [ "${TEIS_DEMO_SIMULATORS:-1}" = "1" ]; then
  mkdir -p var
  procfile=var/Procfile.demo
  cp Procfile "$procfile"
  cat >>"$procfile" <<EOF
sim808: $PY manage.py jt808_simulate --vehicles 30 --interval 3 --leave-area 2 --duration 3600 -v 0
simais: $PY manage.py ais_simulate --target tcp://127.0.0.1:${TEIS_AIS_PORT:-10110} --rate 20 -v 0
EOF
fi
exec $PY scripts/supervise.py "$procfile" --state "${TEIS_SUPERVISOR_STATE:-var/supervisor.json}"

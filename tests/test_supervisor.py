"""The embedded supervisor (scripts/supervise.py): kill -9 of one child restarts it while the others keep
serving; backoff; state on the operations page."""

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("supervise", ROOT / "scripts" / "supervise.py")
supervise = importlib.util.module_from_spec(_spec)
sys.modules["supervise"] = supervise  # dataclasses look their module up
_spec.loader.exec_module(supervise)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return None


def _state(path):
    try:
        return {c["name"]: c for c in json.loads(path.read_text())["children"]}
    except (OSError, ValueError, KeyError):
        return {}


def _get(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as resp:  # noqa: S310 (local test server)
        return resp.status


def test_procfile_is_parsed_like_honcho():
    procs = supervise.parse_procfile("# comment\nweb: uvicorn x:y --port 1\n\nworker:  huey run\n")
    assert procs == {"web": "uvicorn x:y --port 1", "worker": "huey run"}
    assert set(supervise.parse_procfile((ROOT / "Procfile").read_text())) == {"web", "worker", "ais", "jt808"}


def test_backoff_doubles_up_to_the_maximum_and_resets_after_a_stable_run(tmp_path):
    sup = supervise.Supervisor({"flaky": "exit 3"}, tmp_path / "state.json")
    child = sup.children["flaky"]
    now = 1000.0
    sup.step(now)  # started
    delays = []
    for _ in range(7):
        child.proc.wait()
        sup.step(now)  # reaped, waiting
        assert child.state == "restarting" and child.last_exit_code == 3
        delays.append(child.next_start_at - now)
        now = child.next_start_at
        sup.step(now)  # started again
    assert delays == [1, 2, 4, 8, 16, 30, 30]
    assert child.restarts == 7
    child.proc.wait()
    sup.step(now + supervise.STABLE_AFTER)  # it had been up for a minute: back to 1 s
    assert child.next_start_at - (now + supervise.STABLE_AFTER) == 1
    sup.stop_all()


def test_kill_9_of_one_child_restarts_it_while_the_web_server_keeps_answering(tmp_path):
    port = _free_port()
    py = sys.executable
    procfile = tmp_path / "Procfile"
    procfile.write_text(
        f"web: {py} -m http.server {port} --bind 127.0.0.1 --directory {tmp_path}\n"
        f'ais: {py} -c "import time; time.sleep(3600)"\n'
        f'jt808: {py} -c "import time; time.sleep(3600)"\n'
    )
    state = tmp_path / "supervisor.json"
    sup = subprocess.Popen(
        [py, str(ROOT / "scripts" / "supervise.py"), str(procfile), "--state", str(state)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert _wait(lambda: all(c["state"] == "running" for c in _state(state).values()) and len(_state(state)) == 3)
        assert _wait(lambda: _try_get(port) == 200)
        before = _state(state)
        os.kill(before["ais"]["pid"], signal.SIGKILL)
        answers = []
        restarted = _wait(
            lambda: (answers.append(_try_get(port)), _state(state)["ais"])[1]["restarts"] == 1
            and _state(state)["ais"]["state"] == "running"
        )
        assert restarted, _state(state)
        after = _state(state)
        assert after["ais"]["pid"] != before["ais"]["pid"]
        assert after["ais"]["last_exit_code"] == -signal.SIGKILL
        # the others were never touched, and the web server answered all along
        assert after["web"]["pid"] == before["web"]["pid"] and after["web"]["restarts"] == 0
        assert after["jt808"]["pid"] == before["jt808"]["pid"]
        assert answers and set(answers) == {200}
    finally:
        sup.send_signal(signal.SIGTERM)
        sup.wait(timeout=20)
    final = _state(state)
    assert {c["state"] for c in final.values()} == {"stopped"}
    for child in (before["web"], before["jt808"]):
        with pytest.raises(ProcessLookupError):
            os.kill(child["pid"], 0)


def _try_get(port):
    try:
        return _get(port)
    except OSError:
        return None


@pytest.mark.django_db
def test_process_state_is_on_the_operations_page(client, make_user, settings, tmp_path):
    from django.urls import reverse

    settings.TEIS_SUPERVISOR_STATE = tmp_path / "supervisor.json"
    settings.TEIS_SUPERVISOR_STATE.write_text(
        json.dumps(
            {
                "children": [
                    {"name": "web", "state": "running", "pid": 101, "restarts": 0, "started_at": time.time()},
                    {
                        "name": "ais",
                        "state": "restarting",
                        "pid": None,
                        "restarts": 3,
                        "last_exit_code": -9,
                        "last_exit_at": time.time(),
                    },
                ]
            }
        )
    )
    ops = make_user("operations", "corps", username="ops1")
    client.force_login(ops)
    page = client.get(reverse("core:jobs")).content.decode()
    assert "进程状态" in page and "AIS 接收" in page and "等待重启" in page and "退出码 -9" in page

#!/usr/bin/env python3
"""A small process supervisor for the embedded mode (`make run`): runs the processes of a Procfile, restarts a
child that exits with exponential backoff, and keeps the others running.

    python scripts/supervise.py Procfile [--state var/supervisor.json]

Why not honcho: honcho stops every process when one exits (kill -9 of the AIS listener stopped the web
server). Why not circus or supervisord: circus needs ZeroMQ and Tornado, supervisord an INI file and an
XML-RPC server; this needs neither, only the standard library, and is tested by tests/test_supervisor.py.
Production runs each process as a systemd unit instead (docs/deploy.md).

Behaviour:
- each child runs in its own process group (`sh -c`, so Procfile lines may use shell syntax), its output
  prefixed with its name;
- a child that exits, for any reason, is started again after a delay that doubles from 1 s up to 30 s;
  the delay goes back to 1 s once the child has stayed up for 60 s;
- the state of every child (running / restarting, pid, restarts, last exit code and time) is written as JSON
  to the state file after every change, atomically; the operations page reads it;
- SIGINT / SIGTERM stop every child (SIGTERM to its group, SIGKILL after 10 s) and end the supervisor.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field, fields
from pathlib import Path

BACKOFF_START = 1.0
BACKOFF_MAX = 30.0
STABLE_AFTER = 60.0
STOP_GRACE = 10.0


def parse_procfile(text: str) -> dict[str, str]:
    """`name: command` lines; blank lines and comments ignored."""
    procs: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or ":" not in line:
            continue
        name, command = line.split(":", 1)
        procs[name.strip()] = command.strip()
    return procs


@dataclass
class Child:
    name: str
    command: str
    state: str = "starting"  # running | restarting | stopped
    pid: int | None = None
    restarts: int = 0
    started_at: float | None = None
    last_exit_code: int | None = None
    last_exit_at: float | None = None
    next_start_at: float | None = None
    backoff: float = BACKOFF_START
    proc: subprocess.Popen | None = field(default=None, repr=False)

    def public(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("proc", "command")}


class Supervisor:
    def __init__(self, procs: dict[str, str], state_path: Path | None = None, cwd: str | None = None):
        self.children = {name: Child(name, command) for name, command in procs.items()}
        self.state_path = state_path
        self.cwd = cwd
        self.stopping = threading.Event()
        self.started_at = time.time()

    # --- children ---------------------------------------------------------------------------------

    def _start(self, child: Child, now: float) -> None:
        child.proc = subprocess.Popen(  # noqa: S603 (the operator's own Procfile)
            ["/bin/sh", "-c", child.command],
            cwd=self.cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: a stop reaches the command's children too
        )
        child.pid = child.proc.pid
        child.state = "running"
        child.started_at = now
        child.next_start_at = None
        threading.Thread(target=self._pump, args=(child, child.proc), daemon=True).start()

    @staticmethod
    def _pump(child: Child, proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        for line in iter(proc.stdout.readline, b""):
            sys.stdout.write(f"{child.name:>8} | {line.decode(errors='replace')}")
            sys.stdout.flush()

    def _reap(self, child: Child, now: float) -> None:
        code = child.proc.returncode if child.proc else None
        uptime = now - (child.started_at or now)
        child.backoff = BACKOFF_START if uptime >= STABLE_AFTER else child.backoff
        child.last_exit_code = code
        child.last_exit_at = now
        child.pid = None
        child.proc = None
        child.state = "restarting"
        child.next_start_at = now + child.backoff
        print(f"{'supervise':>8} | {child.name} exited ({code}); restart in {child.backoff:.0f} s", flush=True)
        child.backoff = min(child.backoff * 2, BACKOFF_MAX)

    def step(self, now: float | None = None) -> bool:
        """One pass: reap exited children, start those due. True when anything changed."""
        now = time.time() if now is None else now
        changed = False
        for child in self.children.values():
            if child.proc is not None and child.proc.poll() is not None:
                self._reap(child, now)
                changed = True
            if child.proc is None and child.state != "stopped" and (child.next_start_at or 0) <= now:
                if child.state == "restarting":
                    child.restarts += 1
                self._start(child, now)
                changed = True
        return changed

    def run(self, poll: float = 0.2) -> None:
        try:
            self.step()
            self.write_state()
            while not self.stopping.wait(poll):
                if self.step():
                    self.write_state()
        finally:  # whatever happens to the supervisor, no child is left behind
            self.stop_all()

    def stop_all(self) -> None:
        for child in self.children.values():
            child.state = "stopped"
            if child.proc is not None and child.proc.poll() is None:
                _signal_group(child.proc.pid, signal.SIGTERM)
        deadline = time.time() + STOP_GRACE
        for child in self.children.values():
            if child.proc is None:
                continue
            try:
                child.proc.wait(timeout=max(deadline - time.time(), 0.1))
            except subprocess.TimeoutExpired:
                _signal_group(child.proc.pid, signal.SIGKILL)
                child.proc.wait()
            child.last_exit_code = child.proc.returncode
            child.pid = None
        self.write_state()

    # --- state file -------------------------------------------------------------------------------

    def write_state(self) -> None:
        if self.state_path is None:
            return
        data = {
            "supervisor_pid": os.getpid(),
            "started_at": self.started_at,
            "updated_at": time.time(),
            "children": [c.public() for c in self.children.values()],
        }
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False))
        tmp.replace(self.state_path)


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run a Procfile; restart children that exit.")
    parser.add_argument("procfile", type=Path)
    parser.add_argument("--state", type=Path, default=None, help="JSON state file for the operations page")
    args = parser.parse_args(argv)
    sup = Supervisor(parse_procfile(args.procfile.read_text()), args.state)

    def stop(signum, frame):
        sup.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sup.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Periodic jobs that record each run, so the operations page can show last run, next run and result."""

from __future__ import annotations

import datetime as dt
import functools
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.utils import timezone
from huey import crontab  # noqa: F401  (re-exported for apps)
from huey.contrib.djhuey import periodic_task

T = TypeVar("T")

PERIODIC: dict[str, PeriodicJob] = {}


@dataclass
class PeriodicJob:
    name: str
    label: str
    validate_datetime: Callable[[dt.datetime], bool]

    def next_run(self, now: dt.datetime | None = None) -> dt.datetime | None:
        """The next minute at which huey's crontab would fire (searched up to 8 days ahead)."""
        now = timezone.localtime(now or timezone.now()).replace(second=0, microsecond=0, tzinfo=None)
        probe = now + dt.timedelta(minutes=1)
        for _ in range(8 * 24 * 60):
            if self.validate_datetime(probe):
                return timezone.make_aware(probe)
            probe += dt.timedelta(minutes=1)
        return None


def recorded_periodic(
    schedule: Callable[[dt.datetime], bool], *, label: str
) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Like huey's `periodic_task`, recording a `JobRun` with the outcome of every run."""

    def decorator(func: Callable[[], object]) -> Callable[[], object]:
        name = f"{func.__module__}.{func.__name__}"

        @functools.wraps(func)
        def wrapper() -> object:
            return run_recorded(name, func)

        task: Callable[[], object] = periodic_task(schedule)(wrapper)  # huey names it module.function, like `name`
        PERIODIC[name] = PeriodicJob(name=name, label=label, validate_datetime=schedule)
        return task

    return decorator


def run_recorded(name: str, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    from .models import JobRun

    run = JobRun.objects.create(name=name)
    try:
        result = func(*args, **kwargs)
    except Exception:
        run.ok = False
        run.result = traceback.format_exc()[-2000:]
        run.finished_at = timezone.now()
        run.save(update_fields=["ok", "result", "finished_at"])
        raise
    run.ok = True
    run.result = str(result)[:2000] if result is not None else "完成"
    run.finished_at = timezone.now()
    run.save(update_fields=["ok", "result", "finished_at"])
    return result

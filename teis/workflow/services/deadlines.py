"""The deadline job: reminders before and escalation (督办) after a task's working-day deadline."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core import notify as todo
from teis.core.workdays import add_workdays

from ..choices import ACTIVE_TASK_STATUSES
from ..models import WorkTask

if TYPE_CHECKING:
    from teis.org.models import Unit
from .offering import TODO_CATEGORY, _todo_title
from .people import role_holders

# Who is escalated to when a task of a role runs past its deadline (督办).
LEADER_ROLE = {
    "field_officer": "squad_leader",
    "squad_leader": "brigade_leader",
    "brigade_leader": "leadership",
    "legal_reviewer": "leadership",
    "evidence_admin": "brigade_leader",
    "command_center": "leadership",
}

# --- deadlines job ----------------------------------------------------------------------------------------------


def _users_of(wt: WorkTask) -> list[Any]:
    if wt.assignee_id:
        return [wt.assignee]
    return role_holders(wt.role, wt.candidate_unit)


def escalation_targets(wt: WorkTask) -> list[Any]:
    """Holders of the leader role of the task's role, in its unit or the nearest unit above that has one."""
    leader = LEADER_ROLE.get(wt.role, "leadership")
    node: Unit | None = wt.candidate_unit or wt.instance.unit
    while node is not None:
        users = role_holders(leader, node)
        if users:
            return users
        node = node.parent
    return []


def check_deadlines(now: dt.datetime | None = None) -> dict[str, int]:
    """Remind one working day before a task's deadline; escalate (督办) to the leader role once it has passed."""
    from teis.core.workdays import is_workday

    now = now or timezone.now()
    today = timezone.localtime(now).date()
    reminded = escalated = 0
    base = WorkTask.objects.filter(status__in=ACTIVE_TASK_STATUSES, due_at__isnull=False).select_related(
        "instance", "candidate_unit", "assignee", "instance__unit"
    )
    for wt in base.filter(reminded_at__isnull=True, due_at__gte=now):
        due_day = timezone.localtime(wt.due_at).date()
        if today < add_workdays(due_day, -1) or (today != due_day and not is_workday(today) and today < due_day):
            continue
        with transaction.atomic():
            for user in _users_of(wt):
                todo.notify(
                    user,
                    f"即将到期：{_todo_title(wt)}",
                    f"办理期限 {timezone.localtime(wt.due_at):%Y-%m-%d %H:%M}",
                    level="warning",
                    url=f"/workflow/tasks/{wt.pk}/",
                )
            WorkTask.objects.filter(pk=wt.pk).update(reminded_at=now)
        reminded += 1
    for wt in base.filter(escalated_at__isnull=True, due_at__lt=now):
        with transaction.atomic():
            for user in escalation_targets(wt):
                todo.post_todo(
                    user,
                    f"督办：{_todo_title(wt)}（已超期）"[:200],
                    category=TODO_CATEGORY,
                    url=f"/workflow/tasks/{wt.pk}/",
                    source_key=f"wf:{wt.pk}:escalation",
                )
                todo.notify(user, f"超期督办：{_todo_title(wt)}", level="alarm", url=f"/workflow/tasks/{wt.pk}/")
            WorkTask.objects.filter(pk=wt.pk).update(escalated_at=now)
            audit.record(None, AuditAction.UPDATE, wt, detail={"operation": "workflow.escalate"})
        escalated += 1
    return {"reminded": reminded, "escalated": escalated}

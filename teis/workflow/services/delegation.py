"""委派 (delegate) as opposed to 转办 (reassign).

转办 (`actions.reassign`) hands the task over for good: the new assignee completes it and the process moves on.
委派 follows Flowable's delegate / resolve: the owner keeps the task, a colleague in the owner's scope works it
(an extra history row of kind 委派 with their decision and opinion) and, when the colleague completes it
(`actions.complete_task` on that row = resolve), the task comes back to the owner, who confirms it by completing
it; only the owner's completion moves the process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.db import transaction

from teis.core.services import ServiceError

from ..choices import TaskKind, TaskStatus
from ..models import WorkTask

if TYPE_CHECKING:
    from teis.org.models import Officer
from .engine import _audit_step, _check_active, _lock_task, _save_instance
from .offering import _cancel_todos, _post
from .people import _acting_for, _check_target_user, _officer


def delegate(actor: Any, worktask: WorkTask, user: Any, note: str = "") -> WorkTask:
    """委派: `user` (in the actor's data scope) works the task; it then comes back to the actor to confirm.
    An open role task is taken by the actor first. Returns the delegate's task row. One transaction; audited."""
    with transaction.atomic():
        instance, wt = _lock_task(worktask)
        _check_active(instance, wt)
        principal = _acting_for(actor, wt)
        if wt.kind not in (TaskKind.NORMAL, TaskKind.AFTER):
            raise ServiceError("cannot_delegate", "加签或委派产生的任务不能再委派")
        target = _check_target_user(actor, user)
        if target.pk == principal.pk:
            raise ServiceError("invalid_user", "不能委派给自己", {"user": ["不能委派给自己"]})
        added = WorkTask(
            instance=instance,
            spiff_task_id=wt.spiff_task_id,
            spec_name=wt.spec_name,
            name=f"{wt.name}（委派）",
            role="",
            candidate_unit=cast("Officer", _officer(target)).unit,  # checked by `_check_target_user`
            assignee=target,
            status=TaskStatus.CLAIMED,
            kind=TaskKind.DELEGATE,
            due_at=wt.due_at,
            added_by=principal,
            parent_task=wt,
            group_id=wt.group_id,
            sign_mode=wt.sign_mode,
        )
        wt.assignee = principal
        wt.status = TaskStatus.SUSPENDED
        wt.save(update_fields=["assignee", "status", "updated_at"])
        _cancel_todos(wt)
        added.save()
        _post(added, [target])
        instance.assignee_user = target
        _save_instance(instance, ["assignee_user"])
        _audit_step(
            actor, wt, "workflow.delegate", to_user=target.pk, owner=principal.pk, delegated_task=added.pk, note=note
        )
    return added


def delegated_back(wt: WorkTask) -> WorkTask | None:
    """The delegate's completed row when `wt` came back from a 委派 and waits for its owner to confirm."""
    if wt.kind == TaskKind.DELEGATE or wt.status != TaskStatus.CLAIMED:
        return None
    return (
        wt.added_tasks.filter(kind=TaskKind.DELEGATE, status=TaskStatus.COMPLETED)
        .select_related("completed_by")
        .order_by("-completed_at", "-pk")
        .first()
    )

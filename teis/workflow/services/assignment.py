"""Who holds a task: 认领 (claim), 释放 (release), 转办 (reassign) and 加签 (add an approver before or after
oneself). One transaction each, audited; 委派 (delegate and resolve) is `delegation`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.db import transaction
from django.utils import timezone

from teis.core.models import TodoStatus
from teis.core.services import ServiceError

from ..choices import Decision, TaskKind, TaskStatus
from ..models import WorkTask

if TYPE_CHECKING:
    from teis.org.models import Officer
from .engine import _audit_step, _check_active, _lock_task, _save_instance
from .offering import _cancel_todos, _close_todos, _finish_row, _post
from .people import _acting_for, _check_target_user, _officer, role_holders


def claim(actor: Any, worktask: WorkTask) -> WorkTask:
    """认领: take an open role task. Other candidates' todos are cancelled."""
    with transaction.atomic():
        instance, wt = _lock_task(worktask)
        _check_active(instance, wt, (TaskStatus.OPEN,))
        principal = _acting_for(actor, wt)
        wt.assignee = principal
        wt.status = TaskStatus.CLAIMED
        wt.claimed_at = timezone.now()
        wt.save(update_fields=["assignee", "status", "claimed_at", "updated_at"])
        _cancel_todos(wt, keep_user=principal)
        instance.assignee_user = principal
        _save_instance(instance, ["assignee_user"])
        _audit_step(actor, wt, "workflow.claim")
    return wt


def release(actor: Any, worktask: WorkTask) -> WorkTask:
    """释放: give a claimed role task back to the candidates."""
    with transaction.atomic():
        instance, wt = _lock_task(worktask)
        _check_active(instance, wt, (TaskStatus.CLAIMED,))
        principal = _acting_for(actor, wt)
        if wt.kind != TaskKind.NORMAL or wt.group_id or not wt.role:
            raise ServiceError("cannot_release", "指定人员办理的任务不能释放，请使用转办")
        wt.assignee = None
        wt.status = TaskStatus.OPEN
        wt.claimed_at = None
        wt.save(update_fields=["assignee", "status", "claimed_at", "updated_at"])
        _cancel_todos(wt)
        _post(wt, role_holders(wt.role, wt.candidate_unit))
        instance.assignee_user = None
        _save_instance(instance, ["assignee_user"])
        _audit_step(actor, wt, "workflow.release", principal=principal.pk)
    return wt


def reassign(actor: Any, worktask: WorkTask, user: Any) -> WorkTask:
    """转办: hand the task over for good to another person within the actor's data scope (委派, where the task
    comes back to its owner, is `delegation.delegate`)."""
    with transaction.atomic():
        instance, wt = _lock_task(worktask)
        _check_active(instance, wt)
        principal = _acting_for(actor, wt)
        target = _check_target_user(actor, user)
        if target.pk == principal.pk:
            raise ServiceError("invalid_user", "不能转办给自己", {"user": ["不能转办给自己"]})
        wt.delegated_from = principal
        wt.assignee = target
        wt.status = TaskStatus.CLAIMED
        wt.claimed_at = None
        wt.save(update_fields=["delegated_from", "assignee", "status", "claimed_at", "updated_at"])
        _cancel_todos(wt)
        _post(wt, [target])
        instance.assignee_user = target
        _save_instance(instance, ["assignee_user"])
        _audit_step(actor, wt, "workflow.reassign", to_user=target.pk, from_user=principal.pk)
    return wt


def add_approver(actor: Any, worktask: WorkTask, user: Any, before: bool, opinion: str = "") -> WorkTask:
    """加签. Before (前加签): `user` gives an opinion first, then the task comes back to the actor. After
    (后加签): the actor approves now and `user` makes the step's decision. Returns the new task."""
    with transaction.atomic():
        instance, wt = _lock_task(worktask)
        _check_active(instance, wt)
        principal = _acting_for(actor, wt)
        if wt.group_id or wt.kind in (TaskKind.BEFORE, TaskKind.DELEGATE):
            raise ServiceError("cannot_add_approver", "会签、或签、加签和委派任务不能再加签")
        target = _check_target_user(actor, user)
        if target.pk == principal.pk:
            raise ServiceError("invalid_user", "不能给自己加签", {"user": ["不能给自己加签"]})
        added = WorkTask(
            instance=instance,
            spiff_task_id=wt.spiff_task_id,
            spec_name=wt.spec_name,
            name=f"{wt.name}（{'前' if before else '后'}加签）",
            role="",
            candidate_unit=cast("Officer", _officer(target)).unit,  # checked by `_check_target_user`
            assignee=target,
            status=TaskStatus.CLAIMED,
            kind=TaskKind.BEFORE if before else TaskKind.AFTER,
            due_at=wt.due_at,
            added_by=principal,
            parent_task=wt,
        )
        if before:
            wt.assignee = principal
            wt.status = TaskStatus.SUSPENDED
            wt.save(update_fields=["assignee", "status", "updated_at"])
            _close_todos(wt, TodoStatus.DONE)
        else:
            _finish_row(wt, actor=actor, principal=principal, decision=Decision.APPROVE, opinion=opinion)
        added.save()
        _post(added, [target])
        instance.assignee_user = target
        _save_instance(instance, ["assignee_user"])
        _audit_step(actor, wt, "workflow.add_approver", user=target.pk, before=before)
    return added

"""Reading the workflow: inbox queries (待办 / 已办 / 我发起的), access to a task, step forms, history."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.db import models
from django.db.models import Q

from teis.core.services import ServiceError

from .. import bpmn
from ..choices import InstanceStatus, TaskKind, TaskStatus
from ..models import ProcessDefinition, ProcessInstance, WorkTask
from .people import _acting_for, principals_of

# --- reading -----------------------------------------------------------------------------------------------------


def _todo_q(user: Any) -> Q:
    from teis.org.models import Officer

    principals = principals_of(user)
    q = Q(assignee__in=principals, status__in=[TaskStatus.CLAIMED, TaskStatus.SUSPENDED, TaskStatus.OPEN])
    officers = Officer.objects.filter(user__in=principals).prefetch_related("roles")
    for officer in officers:
        codes = [r.code for r in officer.roles.all()]
        if codes:
            q |= Q(status=TaskStatus.OPEN, assignee__isnull=True, candidate_unit_id=officer.unit_id, role__in=codes)
    return q


LIST_RELATED = ("instance", "instance__definition", "candidate_unit", "assignee", "completed_by")


def todo_tasks(user: Any, *, due_before: dt.datetime | None = None) -> models.QuerySet[WorkTask]:
    """待办: tasks assigned to the user (or their principals) or claimable by their roles in their unit."""
    qs = WorkTask.objects.filter(_todo_q(user), instance__status=InstanceStatus.RUNNING)
    if due_before is not None:
        qs = qs.filter(due_at__lte=due_before)
    return qs.select_related(*LIST_RELATED).order_by("due_at", "-pk")


def done_tasks(user: Any) -> models.QuerySet[WorkTask]:
    """已办."""
    return (
        WorkTask.objects.filter(Q(completed_by=user) | Q(assignee=user, completed_by__isnull=False))
        .filter(status__in=[TaskStatus.COMPLETED, TaskStatus.WITHDRAWN])
        .select_related(*LIST_RELATED)
        .order_by("-completed_at", "-pk")
    )


def started_instances(user: Any) -> models.QuerySet[ProcessInstance]:
    """我发起的."""
    return (
        ProcessInstance.objects.filter(started_by=user)
        .select_related("definition", "assignee_user", "assignee_unit", "unit")
        .order_by("-started_at")
    )


def access_task(user: Any, pk: int) -> WorkTask:
    """A task the user may see: its instance is in the user's scope, or the user can act on / acted on it.
    Anything else is a 404 (ARCHITECTURE.md rule 4)."""
    from django.http import Http404

    wt = (
        WorkTask.objects.select_related("instance", "instance__definition", "candidate_unit", "assignee")
        .filter(pk=pk)
        .first()
    )
    if wt is None:
        raise Http404
    if ProcessInstance.objects.for_user(user).filter(pk=wt.instance_id).exists():
        return wt
    if WorkTask.objects.filter(_todo_q(user), pk=wt.pk).exists() or user.pk in (wt.completed_by_id, wt.assignee_id):
        return wt
    if _offered_by_todo(user, wt):
        return wt
    raise Http404


def _offered_by_todo(user: Any, wt: WorkTask) -> bool:
    """The engine posted this user a todo for the task (a candidate, or a substitute of one): the link in their
    inbox must open the task, even where the candidate unit is not the user's own (a 科室 holding the role)."""
    from teis.core.models import TodoItem, TodoStatus

    return TodoItem.objects.filter(user=user, source_key=f"wf:{wt.pk}", status=TodoStatus.OPEN).exists()


def can_act(user: Any, wt: WorkTask) -> bool:
    if not wt.is_active or wt.status == TaskStatus.SUSPENDED:
        return False
    try:
        _acting_for(user, wt)
    except ServiceError:
        return False
    return True


def step_form_class(wt: WorkTask) -> type[forms.Form] | None:
    """The Django form registered (`bpmn.register_form`) for the task's teis:form (looked up in the instance's own
    version, else in the newest version that declares one for the step); None without one and for 前加签 and
    委派 rows (their data is not used: the owner completes the step)."""
    if wt.kind in (TaskKind.BEFORE, TaskKind.DELEGATE):
        return None
    definition = wt.instance.definition
    parsed, _, _ = bpmn.loaded(definition)
    meta = parsed.tasks.get(wt.spec_name)
    if meta is None:
        return None
    key = meta.form or _newer_form_key(definition, wt.spec_name)
    form_class: type[forms.Form] | None = bpmn.FORM_CLASSES.get(key) if key else None  # registered form classes
    return form_class


def _newer_form_key(definition: ProcessDefinition, spec_name: str) -> str:
    """A running instance on an older version whose step declares no form (e.g. started before the step got
    one): the form the newest version declares for the same step id, so its task page and API still collect
    the variables the step decides."""
    newer = ProcessDefinition.objects.filter(key=definition.key, version__gt=definition.version).order_by("-version")
    for later in newer:
        meta = bpmn.loaded(later)[0].tasks.get(spec_name)
        if meta is not None and meta.form:
            return meta.form
    return ""


def make_step_form(wt: WorkTask, data: Any = None) -> forms.Form | None:
    """The task's step form, bound to `data` when given. A form class with `uses_task = True` also receives
    `worktask=wt` (e.g. to offer choices that depend on the case's unit)."""
    form_class = step_form_class(wt)
    if form_class is None:
        return None
    kwargs: dict[str, Any] = {"worktask": wt} if getattr(form_class, "uses_task", False) else {}
    return form_class(data, **kwargs)


def form_errors(form: Any) -> ServiceError:
    fields = {k: [str(e) for e in v] for k, v in form.errors.items()}
    parts = [f"{form.fields[k].label if k in form.fields else k}：{v[0]}" for k, v in fields.items()]
    return ServiceError("invalid_data", "流程表单填写有误：" + "；".join(parts), fields)


def step_form_data(wt: WorkTask, data: Any) -> Any:
    """API task data checked with the task's registered form: its cleaned values over the other keys.
    Invalid values raise a ServiceError with the form's Chinese field errors."""
    if step_form_class(wt) is None or not (data is None or isinstance(data, dict)):
        return data
    raw = dict(data or {})
    form = cast("forms.Form", make_step_form(wt, raw))  # the step has a form class (checked above)
    if not form.is_valid():
        raise form_errors(form)
    return {**raw, **form.cleaned_data}


def history(instance: ProcessInstance) -> list[WorkTask]:
    return list(
        instance.tasks.exclude(status=TaskStatus.CANCELLED)
        .select_related(
            "assignee__officer",
            "completed_by__officer",
            "candidate_unit",
            "delegated_from__officer",
            "added_by__officer",
        )
        .order_by("created_at", "pk")
    )


def return_targets(wt: WorkTask) -> list[tuple[str, str]]:
    parsed, _, _ = bpmn.loaded(wt.instance.definition)
    meta = parsed.tasks.get(wt.spec_name)
    return [(t, parsed.tasks[t].name) for t in (meta.return_to if meta else [])]

"""The plumbing every workflow action shares (ARCHITECTURE.md rule 1): the instance's engine state, the row lock
and compare-and-set on `lock_version`, domain listeners, working-day due dates, input checks and the step audit.

Each action (`actions`, `assignment`, `delegation`) is one transaction: it locks the instance row with `_lock` /
`_lock_task`, stores it with `_save_instance`, writes its audit record with `_audit_step` and raises
`ServiceError(code, 中文消息)` on a refused request.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from SpiffWorkflow.bpmn.serializer.config import DEFAULT_CONFIG
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.services import ServiceError
from teis.core.workdays import add_workdays, local_date

from .. import bpmn
from ..choices import Decision, InstanceStatus, TaskStatus
from ..models import ProcessInstance, WorkTask

if TYPE_CHECKING:
    from django.db.models import Field

# --- listeners --------------------------------------------------------------------------------------------------

# Called after each engine step inside the transaction: listener(instance, event) with event in
# "started", "step", "completed", "cancelled". Domain apps (cases) register per process key.
LISTENERS: dict[str, list[Any]] = {}


def register_listener(key: str, func: Callable[..., Any]) -> None:
    LISTENERS.setdefault(key, []).append(func)


# Step handlers per process key (`register_step_handler`): an app records the facts a step decides, inside the
# completing transaction, before the engine moves. handler(actor, instance, worktask, decision, data, opinion=…)
# -> dict: it validates and writes what `data` carries for its own records (raising ServiceError to refuse: nothing is
# written, the process does not move) and returns the task data the diagram should see (the gateway variables).
STEP_HANDLERS: dict[str, Callable[..., Any]] = {}


def register_step_handler(key: str, func: Callable[..., Any]) -> None:
    STEP_HANDLERS[key] = func


# What a task page shows of the process's subject (`register_subject_panel`): panel(request, worktask) -> HTML
# (already escaped, e.g. a rendered template) or "" — so an approver sees what they approve.
SUBJECT_PANELS: dict[str, Callable[..., str]] = {}


def register_subject_panel(key: str, func: Callable[..., str]) -> None:
    SUBJECT_PANELS[key] = func


def subject_panel(request: HttpRequest, worktask: WorkTask) -> str:
    func = SUBJECT_PANELS.get(worktask.instance.definition.key)
    return func(request, worktask) if func is not None else ""


def _emit(instance: ProcessInstance, event: str) -> None:
    for func in LISTENERS.get(instance.definition.key, []):
        func(instance, event)


# --- due dates --------------------------------------------------------------------------------------------------


def deadline_after(start_date: dt.date, working_days: int = 0, *, calendar_days: int = 0) -> dt.date:
    """Process-level limit: the date `working_days` working days (or `calendar_days` natural days, moved to
    the next working day when it falls on a holiday) after `start_date`, which itself does not count."""
    if calendar_days:
        day = local_date(start_date) + dt.timedelta(calendar_days)
        return add_workdays(day, 0)
    return add_workdays(start_date, working_days)


def _due_at(now: dt.datetime, days: int | None) -> dt.datetime | None:
    if days is None:
        return None
    day = add_workdays(timezone.localtime(now), days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


# --- engine state, locking --------------------------------------------------------------------------------------


class _StateConverter(BpmnWorkflowConverter):  # type: ignore[misc]  # SpiffWorkflow ships no type hints
    """A workflow's state without its process spec (`"spec": null`): the spec is the definition's, parsed from its
    XML once per process (`bpmn.loaded`), as `start_process` uses it. The spec is ~85 % of a full serialisation
    (26 of 31 kB for `case_general`): leaving it out makes every step's deserialise, serialise and UPDATE cheaper
    and keeps a million instances' states small (perf, issue 4). States stored with their spec still load."""

    def to_dict(self, workflow: Any) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["spec"] = None
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: Any, specs: Any = None) -> Any:
        if dct.get("spec") is not None:
            return super().from_dict(dct)
        if specs is None:
            raise ServiceError("engine_error", "流程状态缺少流程定义，无法恢复")
        dct.pop("spec")
        dct.pop("subprocess_specs", None)
        spec, subprocess_specs = specs
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


STATE_SERIALIZER = BpmnWorkflowSerializer(
    registry=BpmnWorkflowSerializer.configure({**DEFAULT_CONFIG, BpmnWorkflow: _StateConverter})
)


def dump_state(wf: BpmnWorkflow) -> str:
    """`ProcessInstance.state`: the engine's serialisation of the workflow, without the spec (see `_StateConverter`)."""
    state: str = STATE_SERIALIZER.serialize_json(wf)
    return state


def load_workflow(instance: ProcessInstance) -> BpmnWorkflow:
    dct = json.loads(instance.state)
    STATE_SERIALIZER.migrate(dct)
    specs = None
    if dct.get("spec") is None:
        _, spec, subprocess_specs = bpmn.loaded(instance.definition)
        specs = (spec, subprocess_specs)
    wf = STATE_SERIALIZER.from_dict(dct, specs=specs)
    wf.script_engine = bpmn.SCRIPT_ENGINE
    return wf


def _ready_user_tasks(wf: BpmnWorkflow) -> list[Any]:
    return [t for t in wf.get_tasks(state=TaskState.READY) if t.task_spec.manual]


def _run_engine(wf: BpmnWorkflow) -> None:
    try:
        wf.do_engine_steps()
    except SpiffWorkflowException as exc:
        raise ServiceError("engine_error", f"流程执行出错：{exc}") from exc


def _lock(instance_id: int) -> ProcessInstance:
    return (
        ProcessInstance.objects.select_for_update(of=("self",))
        .select_related("definition", "unit", "unit__parent")
        .defer("definition__bpmn_xml")
        .get(pk=instance_id)
    )


def _lock_task(worktask: WorkTask) -> tuple[ProcessInstance, WorkTask]:
    instance = _lock(worktask.instance_id)
    wt = WorkTask.objects.select_for_update().get(pk=worktask.pk)
    wt.instance = instance
    return instance, wt


def _lock_task_with_active(worktask: WorkTask) -> tuple[ProcessInstance, WorkTask, list[WorkTask]]:
    """`_lock_task`, and the instance's other active rows read (and locked: every action locks the instance first,
    so no lock order changes) by the same statement, for `_advance` (perf: one query less per step)."""
    from django.db.models import Q

    from ..choices import ACTIVE_TASK_STATUSES

    instance = _lock(worktask.instance_id)
    rows = list(
        WorkTask.objects.select_for_update()
        .filter(Q(pk=worktask.pk) | Q(instance_id=instance.pk, status__in=ACTIVE_TASK_STATUSES))
        .order_by("pk")
    )
    wt = next((row for row in rows if row.pk == worktask.pk), None)
    if wt is None:
        raise WorkTask.DoesNotExist("WorkTask matching query does not exist.")
    others = [row for row in rows if row.pk != wt.pk]
    for row in rows:
        row.instance = instance
    return instance, wt, others


def _taken() -> ServiceError:
    return ServiceError("task_taken", "该任务已被他人处理")


def _check_version(instance: ProcessInstance, lock_version: int | None) -> None:
    if lock_version is not None and lock_version != instance.lock_version:
        raise _taken()


def _save_instance(instance: ProcessInstance, fields: list[str]) -> None:
    """Compare-and-set on lock_version: a concurrent writer that slipped past the row lock loses here."""
    old = instance.lock_version
    instance.lock_version = old + 1
    attnames = [cast("Field[Any, Any]", ProcessInstance._meta.get_field(f)).attname for f in fields]
    values = {a: getattr(instance, a) for a in attnames}
    n = ProcessInstance.objects.filter(pk=instance.pk, lock_version=old).update(
        lock_version=old + 1, updated_at=timezone.now(), **values
    )
    if n != 1:
        raise _taken()


COLUMNS = [
    "state",
    "current_step",
    "current_step_name",
    "assignee_role",
    "assignee_user",
    "assignee_unit",
    "due_at",
    "status",
    "outcome",
    "ended_at",
]


# --- checks and audit -------------------------------------------------------------------------------------------


def _check_data(data: Any) -> dict[str, Any]:
    import json

    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ServiceError("invalid_data", "流程数据必须是键值对象")
    for k in data:
        if not isinstance(k, str) or not k.isidentifier() or k.startswith("_"):
            raise ServiceError("invalid_data", f"流程数据字段名 {k} 无效")
    try:
        json.dumps(data)
    except (TypeError, ValueError) as exc:
        raise ServiceError("invalid_data", "流程数据只能包含文字、数字、列表等简单值") from exc
    return dict(data)


def _check_active(
    instance: ProcessInstance, wt: WorkTask, statuses: tuple[str, ...] = (TaskStatus.OPEN, TaskStatus.CLAIMED)
) -> None:
    if instance.status != InstanceStatus.RUNNING or wt.status not in statuses:
        raise _taken()


def _check_decision(decision: str) -> str:
    if decision not in Decision.values:
        raise ServiceError("invalid_decision", "请选择审批结论：同意、退回或不同意", {"decision": ["审批结论无效"]})
    return decision


def _audit_step(actor: Any, wt: WorkTask, operation: str, **detail: Any) -> None:
    audit.record(
        actor,
        AuditAction.UPDATE,
        wt,
        changes={
            "状态": [None, wt.get_status_display()],
            **({"审批结论": [None, wt.get_decision_display()]} if wt.decision else {}),
        },
        detail={"operation": operation, "instance": wt.instance_id, "step": wt.spec_name, **detail},
    )

"""Reading cases within scope, the handler's own cases, and the workflow listener that mirrors a case's
process into its own columns (current step, step deadline, status) so that lists never deserialise it."""

from __future__ import annotations

import logging
import unicodedata
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.http import Http404

from teis.core.services import ServiceError

from ..choices import CaseStatus
from ..models import EnforcementCase

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.contrib.auth.models import User
    from django.db.models import QuerySet

    from teis.workflow.models import ProcessInstance

logger = logging.getLogger(__name__)

# Every process key a case may run on (see `intake.case_process_key`); the listener is registered for each.
CASE_PROCESS_KEYS = (
    "case_general",
    "case_simplified",
    "case_coercive",
    "case_inspection",
    "case_general_road",
    "case_general_water",
    "case_general_maritime",
)
DETAIL_RELATED = ("unit", "handler", "co_handler", "business_line", "case_cause", "process", "discretion")


def access_case(user: User, pk: int) -> EnforcementCase:
    """The case if it is in the user's scope, else 404 (ARCHITECTURE.md rule 4)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    case = EnforcementCase.objects.for_user(user).select_related(*DETAIL_RELATED).filter(pk=pk).first()
    if case is None:
        case = _as_participant(user, pk)
    if case is None:
        raise Http404
    return case


def resolve_case(queryset: QuerySet[EnforcementCase], ref: object) -> EnforcementCase | None:
    """The case a person typed into any box that links a case: its 统一案件编码, its 文号 or its id
    (full-width digits and stray spaces forgiven). `queryset` carries the caller's scope."""
    text = unicodedata.normalize("NFKC", str(ref or "")).strip()
    if not text:
        return None
    case = queryset.filter(case_code=text.upper()).first() or queryset.filter(file_number=text).first()
    if case is None and text.isdigit() and len(text) <= 18:
        case = queryset.filter(pk=int(text)).first()
    return case


def find_case(user: User, ref: object) -> EnforcementCase:
    """`resolve_case` in the user's scope, or the one refusal every linking form and API gives."""
    text = str(ref or "").strip()
    if not text:
        raise ServiceError("case_required", "请输入统一案件编码、文号或案件编号", {"case": ["请输入案件"]})
    case = resolve_case(EnforcementCase.objects.for_user(user), text)
    if case is None:
        raise ServiceError(
            "case_not_found", f"未找到案件“{text}”（或不在您的数据权限范围内）", {"case": ["未找到该案件"]}
        )
    return case


def _as_participant(user: User, pk: int) -> EnforcementCase | None:
    """A case outside the user's unit scope that the user works on through its process (e.g. 法制科 reviewing a
    squad's case, a leader in 集体讨论): they see what they approve."""
    from teis.workflow.models import WorkTask
    from teis.workflow.services import _todo_q

    case = EnforcementCase.objects.select_related(*DETAIL_RELATED).filter(pk=pk, process__isnull=False).first()
    if case is None or not getattr(user, "is_authenticated", False):
        return None
    tasks = WorkTask.objects.filter(instance_id=case.process_id)
    if tasks.filter(Q(completed_by=user) | Q(assignee=user) | _todo_q(user)).exists():
        return case
    return None


def my_cases(user: User) -> QuerySet[EnforcementCase]:
    """我的案件: cases the user handles (主办 or 协办), whatever their scope."""
    return (
        EnforcementCase.objects.for_user(user)
        .filter(Q(handler=user) | Q(co_handler=user))
        .select_related("unit", "handler", "business_line")
        .order_by("-created_at", "-pk")
    )


def step_status_map() -> dict[str, Any]:
    """`teis.cases.steps.STEP_STATUS` (step id → CaseStatus) when it exists; empty otherwise."""
    try:
        from .. import steps
    except ImportError:
        return {}
    return dict(getattr(steps, "STEP_STATUS", {}) or {})


def end_status_for(instance: ProcessInstance) -> str | None:
    """The final case status of a completed process (`steps.end_status`, by the end event reached), if defined."""
    try:
        from ..steps import end_status
    except ImportError:
        return None
    return end_status(instance)


def status_for_step(step_ids: str, current: str) -> str:
    mapping = step_status_map()
    for step in (s for s in (step_ids or "").split("、") if s):
        if step in mapping:
            return str(mapping[step])
    return current


def on_workflow_event(instance: ProcessInstance, event: str) -> None:
    """Listener (`teis.workflow.services.register_listener`): runs inside the workflow transaction after each
    engine step and copies the instance's current step name and due date onto its case, and the status the
    step maps to (a step without a mapped status keeps the case's status). A process not about a case is
    ignored. One UPDATE (perf: a workflow step should not read the case back)."""
    from django.db.models.functions import Coalesce

    ct = ContentType.objects.get_for_model(EnforcementCase)
    if instance.subject_type_id != ct.pk or not instance.subject_id:
        return
    if event in ("completed", "cancelled"):
        values: dict[str, Any] = {"current_step": "", "step_due_at": None}
        status = end_status_for(instance) if event == "completed" else None
    else:
        values = {"current_step": instance.current_step_name[:200], "step_due_at": instance.due_at}
        status = status_for_step(instance.current_step, "")
    if status:
        if status in CaseStatus.values:
            values["status"] = status
        else:
            logger.warning("step %s maps to unknown case status %s", instance.current_step, status)
    values["process_id"] = Coalesce("process_id", instance.pk)
    EnforcementCase.objects.filter(pk=instance.subject_id).update(**values)


def register_listeners(keys: Iterable[str] = CASE_PROCESS_KEYS) -> None:
    """Called from the app's ready(); idempotent."""
    from teis.workflow.services import LISTENERS, register_listener

    for key in keys:
        if on_workflow_event not in LISTENERS.get(key, []):
            register_listener(key, on_workflow_event)


def legal_basis(case: EnforcementCase) -> list[dict[str, Any]]:
    """Each violation code of the case with the citations of its violated and penalty provisions."""
    rows = []
    codes = case.violation_codes.prefetch_related("violated_provisions", "penalty_provisions").order_by("code")
    for code in codes:
        rows.append(
            {
                "code": code,
                "violated": [p.citation for p in code.violated_provisions.all()],
                "penalty": [p.citation for p in code.penalty_provisions.all()],
                "legacy": code.legacy_basis_text,
            }
        )
    return rows


def current_tasks_for(user: User, case: EnforcementCase) -> list[Any]:
    """The case's active workflow tasks, each with whether `user` can act on it (for the action link)."""
    if case.process is None:
        return []
    from teis.workflow import services as wf
    from teis.workflow.choices import ACTIVE_TASK_STATUSES

    tasks = list(case.process.tasks.filter(status__in=ACTIVE_TASK_STATUSES).select_related("candidate_unit"))
    return [(t, wf.can_act(user, t)) for t in tasks]

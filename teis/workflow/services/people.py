"""Who may act: target units of a step, role holders, substitutes (代理人), candidates."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.utils import timezone

from teis.core.services import ServiceError

from .. import bpmn
from ..choices import TaskStatus, UnitRelation
from ..models import ProcessInstance, Substitute, WorkTask

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from teis.org.models import Officer, Unit

logger = logging.getLogger(__name__)

BRIGADE_TYPES = ("brigade", "district_brigade", "direct_brigade")

# --- units, roles, people -------------------------------------------------------------------------------------


def target_unit(unit: Any, relation: str) -> Any:
    """The unit that approves, relative to the instance's unit."""
    if relation == UnitRelation.SELF:
        return unit
    if relation == UnitRelation.PARENT:
        return unit.parent or unit
    wanted_by: dict[str, tuple[str, ...]] = {
        UnitRelation.BRIGADE: BRIGADE_TYPES,
        UnitRelation.DETACHMENT: ("detachment",),
    }
    wanted = wanted_by.get(relation)
    node = unit
    while node is not None:
        if (wanted and node.unit_type in wanted) or (relation == UnitRelation.CORPS and node.unit_type == "corps"):
            return node
        if node.parent is None:
            return node if relation == UnitRelation.CORPS else unit
        node = node.parent
    return unit


def role_holders(role: str, unit: Any) -> list[Any]:
    from teis.org.choices import OfficerStatus
    from teis.org.models import Officer

    if unit is None or not role:
        return []
    once = unit.__dict__.pop("_wf_holders_once", None)
    if once is not None and once[0] == role:
        return list(once[1])  # just read by `holding_unit` for the same step (perf: one query per step)
    # whether each holder has an active substitute (代理人) comes with them: `_post` reads the substitutes only then
    # (perf: one query less per offered task, as most people have none)
    now = timezone.now()
    substituted = Substitute.objects.filter(
        user_id=OuterRef("user_id"), active=True, start__lte=now, end__gte=now, substitute__is_active=True
    )
    officers = (
        Officer.objects.filter(unit=unit, roles__code=role, status=OfficerStatus.ACTIVE, user__is_active=True)
        .select_related("user")
        .annotate(wf_substituted=Exists(substituted))
    )
    users = []
    for o in officers.distinct():
        o.user._wf_substituted = o.wf_substituted  # type: ignore[attr-defined]  # a per-step marker (perf)
        users.append(o.user)
    return users


def _unit_from(value: Any) -> Unit | None:
    from teis.org.models import Unit

    if isinstance(value, bool) or value in (None, ""):
        return None
    if isinstance(value, Unit):
        return value
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return Unit.objects.filter(pk=pk, is_active=True).select_related("parent").first()


def candidate_target(
    instance: ProcessInstance, meta: bpmn.TaskMeta, data: dict[str, Any] | None = None
) -> tuple[Any, str]:
    """(unit, role) whose role holders are offered a task: the lane's role in `teis:unit` relative to the
    instance's unit, or, when the task or its lane declares `teis:unitVar`, relative to the unit whose id that
    process variable holds in the task's data (a unit chosen at run time: 派发, 转办); `teis:roleVar` likewise
    replaces the lane's role with a role code from the data. An empty or unknown value falls back to the
    instance's unit / the lane's role (logged)."""
    from teis.org.models import Role

    data = data or {}
    base = instance.unit
    if meta.unit_var:
        chosen = _unit_from(data.get(meta.unit_var))
        if chosen is not None:
            base = chosen
        else:
            logger.warning(
                "workflow task %s: variable %s=%r names no active unit; using the instance's unit",
                meta.bpmn_id,
                meta.unit_var,
                data.get(meta.unit_var),
            )
    role = meta.role
    if meta.role_var:
        value = data.get(meta.role_var)
        if isinstance(value, str) and value and Role.objects.filter(code=value).exists():
            role = value
        else:
            logger.warning("workflow task %s: variable %s=%r is no role", meta.bpmn_id, meta.role_var, value)
    return holding_unit(target_unit(base, meta.unit), role), role


def holding_unit(unit: Any, role: str) -> Any:
    """Where a role of `unit` really sits: the unit itself when it has active holders of the role, else the first
    of its 机关科室 (department children) that has them — the corps' 法制审核 is done by 法制科, not by the corps
    node — else the same one level up, and so on to the root (a squad's 证据管理员 sits in its 支队). Without
    holders anywhere the unit stays (the deadline escalation then reports it)."""
    from teis.org.models import Unit

    if unit is None or not role:
        return unit
    holders = role_holders(role, unit)
    if holders:
        unit._wf_holders_once = (role, holders)
        return unit
    node = unit
    while node is not None:
        if node is not unit and role_holders(role, node):
            return node
        for dept in Unit.objects.filter(parent=node, unit_type="department", is_active=True).order_by("pk"):
            if role_holders(role, dept):
                return dept
        node = node.parent
    return unit


def signers_after(
    instance: ProcessInstance, parsed: bpmn.ParsedDefinition, spec_name: str, data: dict[str, Any] | None = None
) -> dict[str, list[Any]]:
    """会签 / 或签 steps right after `spec_name`: {input variable: candidate users}, the candidates being the
    role holders of the multi-instance step in its approving unit (who signs when the step before names nobody);
    `data` is the task data the next step will see (for `teis:unitVar` / `teis:roleVar`)."""
    out: dict[str, list[Any]] = {}
    for meta in parsed.tasks.values():
        if meta.sign and meta.sign_input and spec_name in meta.previous:
            unit, role = candidate_target(instance, meta, data)
            out[meta.sign_input] = role_holders(role, unit)
    return out


def _resolve_user(value: Any) -> User | None:
    User = get_user_model()
    if isinstance(value, User):
        return value
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return User.objects.filter(pk=int(value), is_active=True).first()
    if isinstance(value, str) and value:
        return User.objects.filter(username=value, is_active=True).first()
    return None


def principals_of(user: Any, now: dt.datetime | None = None) -> list[Any]:
    """The user and everyone the user currently substitutes for (代理人)."""
    now = now or timezone.now()
    ids = Substitute.objects.filter(substitute=user, active=True, start__lte=now, end__gte=now).values_list(
        "user_id", flat=True
    )
    others = list(get_user_model().objects.filter(pk__in=list(ids), is_active=True))
    return [user, *others]


def _officer(user: Any) -> Officer | None:
    from teis.org.scope import officer_with_unit

    return officer_with_unit(user)


def _role_codes(user: Any) -> set[str]:
    cached = getattr(user, "_wf_roles", None)
    if cached is None:
        officer = _officer(user)
        cached = set(officer.roles.values_list("code", flat=True)) if officer else set()
        user._wf_roles = cached
    return cached


def _is_candidate(user: Any, wt: WorkTask) -> bool:
    officer = _officer(user)
    return bool(officer and officer.unit_id == wt.candidate_unit_id and wt.role in _role_codes(user))


def _acting_for(actor: Any, wt: WorkTask) -> Any:
    """The principal on whose behalf `actor` may act on the task (the actor or someone they substitute)."""
    # the actor's own task: no need to look up whom they substitute for (perf: one query less per step)
    if wt.assignee_id == actor.pk or (
        wt.assignee_id is None and wt.status == TaskStatus.OPEN and _is_candidate(actor, wt)
    ):
        return actor
    for principal in principals_of(actor):
        if wt.assignee_id == principal.pk:
            return principal
        if wt.assignee_id is None and wt.status == TaskStatus.OPEN and _is_candidate(principal, wt):
            return principal
    if wt.assignee_id is not None:
        raise ServiceError("not_your_task", "该任务不属于您：已指派给其他人员办理")
    from teis.org.models import Role

    role = Role.objects.filter(code=wt.role).values_list("name", flat=True).first() or wt.role
    unit = wt.candidate_unit.name if wt.candidate_unit is not None else ""
    raise ServiceError("not_your_task", f"该任务不属于您：须由{unit}的{role}办理")


def _check_target_user(actor: Any, user: Any) -> User:
    from teis.org.models import Unit

    resolved = _resolve_user(user)
    officer = _officer(resolved) if resolved else None
    if resolved is None or officer is None:
        raise ServiceError("invalid_user", "所选人员不存在或已停用", {"user": ["所选人员不存在或已停用"]})
    if not Unit.objects.for_user(actor).filter(pk=officer.unit_id).exists():
        raise ServiceError(
            "out_of_scope", "所选人员不在您的数据权限范围内", {"user": ["所选人员不在您的数据权限范围内"]}
        )
    return resolved

"""勤务 rules: which vehicles are cleared to drive (未登录行驶), sign-in, plan approval and adjustment, the
approvals of 跨区勤务报审 and 非勤务用车报备, feedback, and the periodic 人员未登录 / 定位异常 checks."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.services import GenericService, ServiceError, StatefulService

from .. import conf
from ..choices import AlarmKind, ApprovalStatus, PlanStatus, SignInMethod, TaskType
from ..models import (
    CrossDistrictRequest,
    DutyFeedback,
    DutyPlan,
    DutyTask,
    DutyTemplate,
    Geofence,
    LatestFix,
    NfcTag,
    NonDutyUse,
    PatrolVehicle,
    SignIn,
    device_key,
)
from . import approvals

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.contrib.auth.models import User
    from django.db.models import QuerySet

    from .alarms import AlarmBatch


def _day_bounds(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + dt.timedelta(days=1)


def active_tasks(now: dt.datetime) -> QuerySet[DutyTask]:
    """Tasks of approved plans running at `now`."""
    return DutyTask.objects.filter(plan__status=PlanStatus.APPROVED, start_at__lte=now, end_at__gte=now)


def vehicles_cleared_to_drive(vehicle_ids: list[int], now: dt.datetime) -> set[int]:
    """The vehicles that may drive at `now`: on an active duty task with at least one of its officers (or the
    vehicle's terminal) signed in today, or covered by an approved 非勤务用车报备."""
    day_start, day_end = _day_bounds(now)
    cleared: set[int] = set(
        NonDutyUse.objects.filter(
            vehicle_id__in=vehicle_ids, status=ApprovalStatus.APPROVED, start_at__lte=now, end_at__gte=now
        ).values_list("vehicle_id", flat=True)
    )
    tasks = active_tasks(now).filter(vehicles__in=vehicle_ids).prefetch_related("officers", "vehicles").distinct()
    signed = SignIn.objects.filter(signed_at__gte=day_start, signed_at__lt=day_end)
    signed_officers = set(signed.values_list("officer_id", flat=True))
    signed_vehicles = set(signed.exclude(vehicle=None).values_list("vehicle_id", flat=True))
    for task in tasks:
        officers = {o.pk for o in task.officers.all()}
        for v in task.vehicles.all():
            if v.pk in vehicle_ids and (officers & signed_officers or v.pk in signed_vehicles):
                cleared.add(v.pk)
    return cleared


# --- sign-in ----------------------------------------------------------------------------------------------


def do_sign_in(
    actor: User,
    *,
    method: str = SignInMethod.NFC,
    tag_id: str = "",
    device_id: str = "",
    vehicle: PatrolVehicle | None = None,
    lon: float | None = None,
    lat: float | None = None,
    at: dt.datetime | None = None,
) -> SignIn:
    """签到 (spec §2.5.4.1): by NFC tag (the phone's device id, the tag and its place), by the vehicle terminal,
    or by the phone's position. Links today's task of the officer when there is one. One transaction; audited."""
    from teis.org.scope import officer_with_unit

    officer = officer_with_unit(actor) if actor is not None and actor.is_authenticated else None
    if officer is None:
        raise ServiceError("no_officer", "当前账号没有执法人员档案，不能签到。")
    if method not in SignInMethod.values:
        raise ServiceError("invalid", "签到方式无效。", {"method": ["签到方式无效"]})
    tag = None
    place = ""
    if method == SignInMethod.NFC:
        tag_id = (tag_id or "").strip()
        if not tag_id:
            raise ServiceError("invalid", "请扫描 NFC 标签。", {"tag_id": ["缺少标签编号"]})
        tag = NfcTag.objects.filter(tag_id=tag_id, is_active=True).first()
        if tag is None:
            raise ServiceError("unknown_tag", "NFC 标签未登记或已停用。", {"tag_id": ["标签未登记"]})
        if not (device_id or "").strip():
            raise ServiceError("invalid", "缺少手机设备码。", {"device_id": ["缺少手机设备码"]})
        place, lon, lat = tag.place, tag.lon, tag.lat
    elif method == SignInMethod.TERMINAL:
        if vehicle is None:
            raise ServiceError("invalid", "请选择车辆。", {"vehicle": ["请选择车辆"]})
        latest = LatestFix.objects.filter(vehicle=vehicle).first()
        if latest is None or timezone.now() - latest.time > dt.timedelta(minutes=conf.get("TEIS_DISPATCH_OFFLINE_MIN")):
            raise ServiceError("terminal_offline", "车载终端当前无有效定位，请改用 NFC 签到。")
        lon, lat, place = latest.lon, latest.lat, f"车载终端 {vehicle.plate}"
    elif lon is None or lat is None:
        raise ServiceError("invalid", "缺少定位。", {"lon": ["缺少定位"]})
    at = at or timezone.now()
    task = (
        active_tasks(at).filter(officers=actor).order_by("start_at").first()
        or DutyTask.objects.filter(
            plan__status=PlanStatus.APPROVED, officers=actor, start_at__date=timezone.localdate(at)
        )
        .order_by("start_at")
        .first()
    )
    with transaction.atomic():
        sign_in = SignIn.objects.create(
            officer=actor,
            unit=officer.unit,
            method=method,
            signed_at=at,
            device_id=(device_id or "")[:64],
            tag=tag,
            place=place[:100],
            vehicle=vehicle,
            task=task,
            lon=lon,
            lat=lat,
            created_by=actor,
        )
        audit.record(
            actor, AuditAction.CREATE, sign_in, changes={"签到": [None, f"{sign_in.get_method_display()} {place}"]}
        )
        # a signed-in officer clears their own 人员未登录 alarm
        from . import alarms as alarm_services

        if task is not None:
            batch = alarm_services.AlarmBatch(0)
            batch.close(None, AlarmKind.OFFICER_NOT_SIGNED_IN, at, officer_id=actor.pk)
            batch.flush()
    return sign_in


# --- the generic writes of the duty records (pages, generic pages and API alike) ---------------------------

EDITABLE_PLAN = (PlanStatus.DRAFT, PlanStatus.REJECTED)


def check_plan_editable(plan: DutyPlan) -> None:
    """Tasks are added, changed and withdrawn only while their plan is a draft or returned."""
    if plan.status not in EDITABLE_PLAN:
        message = "已提交或已批准的计划不能增加或修改任务，请先调整计划。"
        raise ServiceError("bad_state", message, {"plan": ["计划不可修改"]})


def check_feedback_allowed(task: DutyTask) -> None:
    """勤务反馈 only on a task of an approved plan: an unapproved plan was never ordered."""
    if task.plan.status != PlanStatus.APPROVED:
        raise ServiceError("bad_state", "勤务计划尚未批准，不能反馈。", {"task": ["勤务计划尚未批准"]})


class DutyPlanService(StatefulService):
    """Plans: title, unit and date change while a draft or returned; status and approval only through the
    plan actions (submit / approve / return / adjust)."""

    editable_states = EDITABLE_PLAN
    deletable_states = EDITABLE_PLAN


class DutyTaskService(GenericService):
    """Tasks belong to an editable plan: created, changed and deleted only while it is a draft or returned."""

    def refusal(self, obj: DutyTask, operation: str) -> str | None:
        plan = obj.plan
        return None if plan.status in EDITABLE_PLAN else f"勤务计划“{plan}”已提交或已批准，任务不能修改，请先调整计划。"

    def do_create(self, actor: User, model: type[models.Model], data: dict[str, Any]) -> models.Model:
        with transaction.atomic():
            check_plan_editable(DutyPlan.objects.select_for_update().get(pk=data["plan"].pk))
            return super().do_create(actor, model, data)

    def do_update(self, actor: User, obj: models.Model, data: dict[str, Any]) -> models.Model:
        with transaction.atomic():
            assert isinstance(obj, DutyTask)
            check_plan_editable(DutyPlan.objects.select_for_update().get(pk=obj.plan_id))
            if "plan" in data:
                check_plan_editable(DutyPlan.objects.select_for_update().get(pk=data["plan"].pk))
            return super().do_update(actor, obj, data)

    def do_delete(self, actor: User, obj: models.Model) -> None:
        with transaction.atomic():
            assert isinstance(obj, DutyTask)
            check_plan_editable(DutyPlan.objects.select_for_update().get(pk=obj.plan_id))
            super().do_delete(actor, obj)


class DutyFeedbackService(GenericService):
    """Feedback only on a task of an approved plan, whichever page or API writes it."""

    def do_create(self, actor: User, model: type[models.Model], data: dict[str, Any]) -> models.Model:
        check_feedback_allowed(data["task"])
        return super().do_create(actor, model, data)

    def do_update(self, actor: User, obj: models.Model, data: dict[str, Any]) -> models.Model:
        assert isinstance(obj, DutyFeedback)
        check_feedback_allowed(data.get("task") or obj.task)
        return super().do_update(actor, obj, data)


class ApprovalRequestService(StatefulService):
    """跨区勤务报审 / 非勤务用车报备: saving the request starts its approval process; the requester edits or
    withdraws it while pending (withdrawing ends the process); the decision is the approver's step."""

    editable_states = (ApprovalStatus.PENDING,)
    deletable_states = (ApprovalStatus.PENDING,)

    def do_create(self, actor: User, model: type[models.Model], data: dict[str, Any]) -> models.Model:
        with transaction.atomic():
            obj = super().do_create(actor, model, data)
            approvals.start_approval(actor, cast("CrossDistrictRequest | NonDutyUse", obj))
        return obj

    def do_delete(self, actor: User, obj: models.Model) -> None:
        with transaction.atomic():
            approvals.cancel_approval(actor, cast("CrossDistrictRequest | NonDutyUse", obj), "申请人撤回")
            super().do_delete(actor, obj)


# --- approvals (workflow definitions: services/approvals.py) ------------------------------------------------------


def do_decide_cross_district(
    actor: User, request: CrossDistrictRequest, *, approve: bool, opinion: str = ""
) -> CrossDistrictRequest:
    return approvals.decide(
        actor, request, approve=approve, opinion=opinion, permission="dispatch.approve_crossdistrictrequest",
        not_pending="该申请已审批。", opinion_message="不予批准时须填写审批意见。",
    )  # fmt: skip


def do_decide_non_duty_use(actor: User, report: NonDutyUse, *, approve: bool, opinion: str = "") -> NonDutyUse:
    return approvals.decide(
        actor, report, approve=approve, opinion=opinion, permission="dispatch.approve_nondutyuse",
        not_pending="该申请已审批。", opinion_message="不予批准时须填写审批意见。",
    )  # fmt: skip


def do_submit_plan(actor: User, plan: DutyPlan) -> DutyPlan:
    """提交审批: the plan's approval process starts (its first task goes to the approvers the diagram names)."""
    if not actor.has_perm("dispatch.change_dutyplan"):
        raise ServiceError("forbidden", "没有编制勤务计划的权限。")
    with transaction.atomic():
        plan = DutyPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status not in (PlanStatus.DRAFT, PlanStatus.REJECTED):
            raise ServiceError("bad_state", "只有草稿或已退回的计划可以提交审批。")
        if not plan.tasks.exists():
            raise ServiceError("no_tasks", "勤务计划中还没有任务，不能提交。")
        before = plan.get_status_display()
        plan.status = PlanStatus.SUBMITTED
        plan.save(update_fields=["status", "updated_at"])
        audit.record(actor, AuditAction.UPDATE, plan, changes={"状态": [before, plan.get_status_display()]})
        approvals.start_approval(actor, plan)
    return plan


def do_decide_plan(actor: User, plan: DutyPlan, *, approve: bool, opinion: str = "") -> DutyPlan:
    return approvals.decide(
        actor, plan, approve=approve, opinion=opinion, permission="dispatch.approve_dutyplan",
        not_pending="该计划不在待审批状态。", opinion_message="退回时须填写审批意见。",
    )  # fmt: skip


def do_adjust_plan(actor: User, plan: DutyPlan, reason: str) -> DutyPlan:
    """任务调整: an approved plan goes back to draft for changes (counted), and must be approved again."""
    if not actor.has_perm("dispatch.change_dutyplan"):
        raise ServiceError("forbidden", "没有调整勤务计划的权限。")
    if not (reason or "").strip():
        raise ServiceError("reason_required", "请填写调整原因。", {"reason": ["请填写调整原因"]})
    with transaction.atomic():
        plan = DutyPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != PlanStatus.APPROVED:
            raise ServiceError("bad_state", "只有已批准的计划需要调整；草稿可直接修改。")
        plan.status, plan.adjustments = PlanStatus.DRAFT, plan.adjustments + 1
        plan.save(update_fields=["status", "adjustments", "updated_at"])
        audit.record(
            actor, AuditAction.UPDATE, plan, changes={"状态": ["已批准", "草稿（调整）"]}, detail={"reason": reason}
        )
    return plan


def do_tasks_from_template(
    actor: User,
    plan: DutyPlan,
    template: DutyTemplate,
    *,
    start_at: dt.datetime,
    end_at: dt.datetime | None = None,
    officers: Iterable[Any] = (),
    vehicles: Iterable[Any] = (),
    area: Geofence | None = None,
) -> DutyTask:
    """A task in `plan` from a 任务内容范本 (type, content, default duration). One transaction; audited."""
    if not actor.has_perm("dispatch.add_dutytask"):
        raise ServiceError("forbidden", "没有编制勤务任务的权限。")
    check_plan_editable(plan)
    end_at = end_at or start_at + dt.timedelta(hours=template.default_hours)
    if end_at <= start_at:
        raise ServiceError("invalid", "结束时间须晚于开始时间。", {"end_at": ["须晚于开始时间"]})
    with transaction.atomic():
        task = DutyTask.objects.create(
            plan=plan,
            unit=plan.unit,
            task_type=template.task_type,
            template=template,
            title=template.name,
            content=template.content,
            start_at=start_at,
            end_at=end_at,
            area=area,
            created_by=actor,
        )
        task.officers.set(officers)
        task.vehicles.set(vehicles)
        audit.record(actor, AuditAction.CREATE, task, changes={k: [None, v] for k, v in audit.snapshot(task).items()})
    return task


def do_add_task(
    actor: User,
    plan: DutyPlan,
    *,
    title: str,
    content: str = "",
    task_type: str = TaskType.SPECIAL,
    start_at: dt.datetime,
    end_at: dt.datetime,
    officers: Iterable[Any] = (),
    check_perm: bool = True,
) -> DutyTask:
    """A task in a draft or returned `plan` without a template — for the duty task sources of other apps
    (`task_sources`). `check_perm=False` when a source pushes on its own (e.g. a published inspection plan);
    the plan must still be editable. Audited; call inside the caller's transaction or on its own."""
    if check_perm and not actor.has_perm("dispatch.add_dutytask"):
        raise ServiceError("forbidden", "没有编制勤务任务的权限。")
    if plan.status not in (PlanStatus.DRAFT, PlanStatus.REJECTED):
        raise ServiceError("bad_state", "已提交或已批准的计划不能增加任务，请先调整计划。")
    if end_at <= start_at:
        raise ServiceError("invalid", "结束时间须晚于开始时间。", {"end_at": ["须晚于开始时间"]})
    with transaction.atomic():
        task = DutyTask.objects.create(
            plan=plan,
            unit=plan.unit,
            task_type=task_type,
            title=title[:200],
            content=content,
            start_at=start_at,
            end_at=end_at,
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )
        task.officers.set(officers)
        audit.record(actor, AuditAction.CREATE, task, changes={k: [None, v] for k, v in audit.snapshot(task).items()})
    return task


def do_withdraw_task(actor: User, task: DutyTask, *, reason: str, check_perm: bool = True) -> None:
    """撤回 a task from a draft or returned plan — for the duty task sources of other apps when the work it carries
    is gone (e.g. an inspection task done before that day). `check_perm=False` when a source withdraws on its
    own; the plan must still be editable (locked while checked). Audited with the reason; call inside the
    caller's transaction or on its own."""
    if check_perm and not actor.has_perm("dispatch.delete_dutytask"):
        raise ServiceError("forbidden", "没有撤回勤务任务的权限。")
    with transaction.atomic():
        plan = DutyPlan.objects.select_for_update().get(pk=task.plan_id)
        if plan.status not in (PlanStatus.DRAFT, PlanStatus.REJECTED):
            raise ServiceError("bad_state", "已提交或已批准的计划不能撤回任务，请先调整计划。")
        task = DutyTask.objects.get(pk=task.pk)
        before = audit.snapshot(task)
        changes = {k: [v, None] for k, v in before.items()}
        audit.record(actor, AuditAction.DELETE, task, changes=changes, detail={"reason": reason})
        task.delete()


# --- task sources: other apps offer tasks for a unit's day ------------------------------------------------------
#
# An app that produces work for the duty plan (双随机 inspections) registers a source in its AppConfig.ready():
# an object with `label`, `pending(plan) -> list[dict]` (rows shown on the plan page: "title", "detail", "url",
# "attached" — the DutyTask or None), `do_attach(actor, plan) -> int` (create the missing duty tasks, returns how
# many) and `reference(duty_task) -> dict | None` (what a feedback on that task can cite: "title", "url",
# "lines", and optional "initial" values for the feedback form). Dispatch imports no such app.

task_sources: list[Any] = []


def register_task_source(source: Any) -> None:
    if all(type(s) is not type(source) for s in task_sources):
        task_sources.append(source)


def task_reference(duty_task: DutyTask) -> dict[str, Any] | None:
    for source in task_sources:
        ref: dict[str, Any] | None = source.reference(duty_task)
        if ref:
            return ref
    return None


# --- periodic checks ------------------------------------------------------------------------------------------


def check_duty_alarms(now: dt.datetime | None = None) -> tuple[int, int]:
    """人员未登录 (a running task's officer has not signed in `SIGNIN_GRACE` after its start) and 定位异常 (a
    vehicle of a running task whose terminal has reported before but not for `NO_FIX_MIN`). Returns (raised,
    ended)."""
    from . import alarms as alarm_services

    now = now or timezone.now()
    day_start, day_end = _day_bounds(now)
    grace = dt.timedelta(minutes=conf.get("TEIS_DISPATCH_SIGNIN_GRACE_MIN"))
    no_fix = dt.timedelta(minutes=conf.get("TEIS_DISPATCH_NO_FIX_MIN"))
    tasks = list(active_tasks(now).filter(start_at__lte=now - grace).prefetch_related("officers", "vehicles"))
    signed = set(
        SignIn.objects.filter(signed_at__gte=day_start, signed_at__lt=day_end).values_list("officer_id", flat=True)
    )
    vehicle_ids = {v.pk for t in tasks for v in t.vehicles.all()}
    latest = dict(LatestFix.objects.filter(vehicle_id__in=vehicle_ids).values_list("vehicle_id", "time"))

    def build(batch: AlarmBatch) -> None:
        for task in tasks:
            for officer in task.officers.all():
                if officer.pk not in signed:
                    batch.open(
                        None,
                        task.unit_id,
                        AlarmKind.OFFICER_NOT_SIGNED_IN,
                        now,
                        None,
                        None,
                        f"{officer} 未签到（勤务：{task.title}）",
                        officer_id=officer.pk,
                    )
            for v in task.vehicles.all():
                seen = latest.get(v.pk)
                # a terminal that has never reported is not connected yet (终端未接入, shown on the vehicle list):
                # its silence is no 定位异常 of the duty, or every unconnected vehicle would alarm every shift
                if seen is not None and now - seen > no_fix:
                    batch.open(
                        v.pk,
                        v.unit_id,
                        AlarmKind.NO_FIX,
                        now,
                        None,
                        None,
                        f"{v.plate} 执勤中超过 {int(no_fix.total_seconds() // 60)} 分钟无定位",
                    )
        # vehicles with an open 定位异常 that report again end it
        from ..models import Alarm

        open_ids = Alarm.objects.filter(kind=AlarmKind.NO_FIX, ended_at=None).values_list("vehicle_id", flat=True)
        for vid, seen in LatestFix.objects.filter(vehicle_id__in=open_ids, time__gte=now - no_fix).values_list(
            "vehicle_id", "time"
        ):
            batch.close(vid, AlarmKind.NO_FIX, seen)

    return alarm_services.raise_alarms(build)


def plate_or_device(value: str) -> PatrolVehicle | None:
    """A vehicle by plate, terminal phone or device id (mobile clients send either)."""
    value = (value or "").strip()
    if not value:
        return None
    vehicle = PatrolVehicle.objects.filter(Q(plate__iexact=value) | Q(device_id__iexact=value)).first()
    if vehicle is None:
        from .terminals import vehicle_for_device

        vehicle = vehicle_for_device(device_key(value))
    return vehicle

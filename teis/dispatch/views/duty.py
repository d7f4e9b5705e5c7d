"""勤务 pages: a plan with its tasks (from templates), submission, approval and adjustment (the registered plan
actions); feedback on a task; sign-in. The decisions on 跨区勤务报审 / 非勤务用车报备 are registered actions on
their generic detail pages."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone

from teis.core import actions
from teis.core.forms import style_widgets
from teis.core.services import ServiceError
from teis.core.views import require

from ..choices import PlanStatus, SignInMethod
from ..models import (
    DutyFeedback,
    DutyPlan,
    DutyTask,
    DutyTemplate,
    Geofence,
    PatrolVehicle,
    SignIn,
)
from ..services import duty


class TaskFromTemplateForm(forms.Form):
    template = forms.ModelChoiceField(DutyTemplate.objects.none(), label="任务范本")
    start_at = forms.DateTimeField(label="开始时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    end_at = forms.DateTimeField(
        label="结束时间", required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    officers = forms.ModelMultipleChoiceField(get_user_model().objects.none(), label="执勤人员", required=False)
    vehicles = forms.ModelMultipleChoiceField(PatrolVehicle.objects.none(), label="车辆/船艇", required=False)
    area = forms.ModelChoiceField(Geofence.objects.none(), label="勤务区域", required=False)

    def __init__(self, user, plan, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from teis.org.models import Unit

        units = Unit.objects.for_user(user)
        self.fields["template"].queryset = DutyTemplate.objects.for_user(user)
        self.fields["officers"].queryset = (
            get_user_model()
            .objects.filter(officer__unit__path__startswith=plan.unit.path, officer__unit__in=units)
            .select_related("officer")
            .order_by("officer__name")
        )
        self.fields["officers"].label_from_instance = lambda u: u.officer.name
        self.fields["vehicles"].queryset = PatrolVehicle.objects.for_user(user)
        self.fields["area"].queryset = Geofence.objects.for_user(user)
        style_widgets(self)


def _waiting_for(plan) -> str:
    """Whose approval a submitted plan waits for, as the approval process offers its task."""
    from teis.org.models import Role

    from ..services import approvals

    task = approvals.open_task(plan) if plan.status == PlanStatus.SUBMITTED else None
    if task is None:
        return ""
    role = Role.objects.filter(code=task.role).values_list("name", flat=True).first() or task.role
    unit = task.candidate_unit.name if task.candidate_unit_id else ""
    due = f"，期限 {timezone.localtime(task.due_at):%Y-%m-%d %H:%M}" if task.due_at else ""
    return f"待{unit}{role}审批（{task.name}{due}）"


@login_required
def plan_detail(request, pk: int):
    require(request, "dispatch.view_dutyplan")
    plan = get_object_or_404(DutyPlan.objects.for_user(request.user).select_related("unit", "approved_by"), pk=pk)
    form = TaskFromTemplateForm(request.user, plan, request.POST if request.POST.get("action") == "add_task" else None)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "add_task":
                if form.is_valid():
                    d = form.cleaned_data
                    duty.do_tasks_from_template(
                        request.user,
                        plan,
                        d["template"],
                        start_at=d["start_at"],
                        end_at=d["end_at"],
                        officers=d["officers"],
                        vehicles=d["vehicles"],
                        area=d["area"],
                    )
                    messages.success(request, "已按范本添加任务。")
                    return redirect("dispatch:plan_detail", plan.pk)
                messages.error(request, "任务信息有误，请检查。")
            elif action in ("submit", "approve", "reject", "adjust"):
                # the registered plan actions (dispatch/tables.py): the same checks as the API and detail page
                act = actions.get("dispatch.dutyplan", action)
                require(request, act.permission)
                act.perform(request.user, plan, request.POST)
                messages.success(request, f"{act.label}：已完成。")
                return redirect("dispatch:plan_detail", plan.pk)
            elif action == "attach_source":
                label = request.POST.get("source", "")
                source = next((s for s in duty.task_sources if s.label == label), None)
                if source is None:
                    raise ServiceError("invalid", "未知的任务来源。")
                n = source.do_attach(request.user, plan)
                messages.success(request, f"已纳入 {n} 项{source.label}。" if n else f"没有需要纳入的{source.label}。")
                return redirect("dispatch:plan_detail", plan.pk)
        except ServiceError as err:
            messages.error(request, err.message)
    tasks = plan.tasks.prefetch_related("officers__officer", "vehicles", "assisting_units", "feedbacks").select_related(
        "area"
    )
    return render(
        request,
        "dispatch/plan_detail.html",
        {
            "plan": plan,
            "tasks": tasks,
            "form": form,
            "editable": plan.status in (PlanStatus.DRAFT, PlanStatus.REJECTED)
            and request.user.has_perm("dispatch.add_dutytask"),
            "can_submit": plan.status in (PlanStatus.DRAFT, PlanStatus.REJECTED)
            and request.user.has_perm("dispatch.change_dutyplan"),
            # offered to whom the approval process offers its task (the diagram's approver), as on the API
            "can_approve": actions.get("dispatch.dutyplan", "approve").available_to(request.user, plan),
            "waiting": _waiting_for(plan),
            "can_adjust": plan.status == PlanStatus.APPROVED and request.user.has_perm("dispatch.change_dutyplan"),
            "sources": [
                (s.label, rows, any(r["attached"] is None for r in rows))
                for s, rows in ((s, s.pending(plan)) for s in duty.task_sources)
            ],
        },
    )


class FeedbackForm(forms.ModelForm):
    class Meta:
        model = DutyFeedback
        fields = ["checked_vehicles", "checked_operators", "cases_found", "cases", "overtime_hours", "content"]

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from teis.cases.models import EnforcementCase

        self.fields["cases"].queryset = EnforcementCase.objects.for_user(user).order_by("-pk")
        self.fields["cases"].required = False
        style_widgets(self)


@login_required
def feedback_for_task(request, pk: int):
    """勤务反馈 on a task: what was checked, counts, linked cases."""
    require(request, "dispatch.add_dutyfeedback")
    task = get_object_or_404(DutyTask.objects.for_user(request.user).select_related("plan", "unit"), pk=pk)
    reference = duty.task_reference(task)  # e.g. the result of the 双随机 inspection this task carries
    form = FeedbackForm(request.user, request.POST or None, initial=(reference or {}).get("initial"))
    if request.method == "POST" and form.is_valid():
        from teis.org.scope import officer_with_unit

        officer = officer_with_unit(request.user)
        data = dict(form.cleaned_data)
        data |= {"task": task, "unit": officer.unit if officer else task.unit}
        try:
            feedback = duty.DutyFeedbackService().do_create(request.user, DutyFeedback, data)
            messages.success(request, "勤务反馈已提交。")
            return redirect("dispatch:dutyfeedback_detail", feedback.pk)
        except ServiceError as err:
            messages.error(request, err.message)
    return render(request, "dispatch/feedback_form.html", {"task": task, "form": form, "reference": reference})


@login_required
def sign_in(request):
    """签到: NFC (the phone reads the tag; here typed or filled by the mobile app) or the vehicle terminal."""
    require(request, "dispatch.add_signin")
    if request.method == "POST":
        method = request.POST.get("method", SignInMethod.NFC)
        vehicle = None
        if method == SignInMethod.TERMINAL:
            vid = request.POST.get("vehicle", "")
            vehicle = PatrolVehicle.objects.for_user(request.user).filter(pk=vid).first() if vid.isdigit() else None
        try:
            s = duty.do_sign_in(
                request.user,
                method=method,
                tag_id=request.POST.get("tag_id", ""),
                device_id=request.POST.get("device_id", ""),
                vehicle=vehicle,
            )
            messages.success(
                request,
                f"签到成功：{s.place}，{timezone.localtime(s.signed_at):%H:%M}"
                + (f"（勤务：{s.task}）" if s.task else ""),
            )
            return redirect("dispatch:sign_in")
        except ServiceError as err:
            messages.error(request, err.message)
    today = timezone.localdate()
    return render(
        request,
        "dispatch/sign_in.html",
        {
            "vehicles": PatrolVehicle.objects.for_user(request.user).exclude(terminal_phone=""),
            "mine": SignIn.objects.filter(
                officer=request.user, signed_at__date__gte=today - dt.timedelta(days=7)
            ).select_related("task", "vehicle")[:20],
        },
    )


urlpatterns = [
    path("plans/<int:pk>/", plan_detail, name="plan_detail"),
    path("tasks/<int:pk>/feedback/", feedback_for_task, name="feedback_for_task"),
    path("sign-in/", sign_in, name="sign_in"),
]

"""Inbox (待办 / 已办 / 我发起的) and the task page with claim / complete / return / withdraw / reassign (转办) /
delegate (委派) / add-approver forms. Thin: every write goes through services."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from teis.core.services import ServiceError
from teis.core.views import paginate

from . import services
from .choices import Decision
from .forms import CompleteForm, ReturnForm, UserPickForm

TABS = [("todo", "待办"), ("done", "已办"), ("started", "我发起的")]
PAGE_SIZE = 20


def _due_before(request):
    value = request.GET.get("due_before", "").strip()
    if not value:
        return None, ""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None, "期限日期格式应为 YYYY-MM-DD"
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59))), ""


@login_required
def inbox(request):
    tab = request.GET.get("tab", "todo")
    if tab not in dict(TABS):
        tab = "todo"
    due_before, error = _due_before(request)
    if tab == "todo":
        qs = services.todo_tasks(request.user, due_before=due_before)
    elif tab == "done":
        qs = services.done_tasks(request.user)
    else:
        qs = services.started_instances(request.user)
    page = paginate(request, qs, PAGE_SIZE)
    ctx = {"tab": tab, "tabs": TABS, "page": page, "page_obj": page, "error": error, "now": timezone.now()}
    ctx["due_before"] = request.GET.get("due_before", "")
    template = "workflow/_inbox_table.html" if request.htmx else "workflow/inbox.html"
    return render(request, template, ctx, status=400 if error else 200)


def _step_form(wt, data=None):
    """The task's registered step form (teis:form), shown in the 审批 card above the decision."""
    return services.make_step_form(wt, data)


def _task_context(request, wt, **forms):
    can_act = services.can_act(request.user, wt)
    return {
        "task": wt,
        "instance": wt.instance,
        "can_act": can_act,
        "can_withdraw": wt.status == "completed" and request.user.pk in (wt.completed_by_id, wt.assignee_id),
        "complete_form": forms.get("complete_form") or CompleteForm(initial={"lock_version": wt.instance.lock_version}),
        "return_form": forms.get("return_form") or ReturnForm(targets=services.return_targets(wt)),
        "user_form": forms.get("user_form") or UserPickForm(),
        "step_form": forms["step_form"] if "step_form" in forms else _step_form(wt),
        "error": forms.get("error", ""),
        "delegated_back": services.delegated_back(wt),
        "subject_panel": mark_safe(services.subject_panel(request, wt)),  # noqa: S308 - rendered by a template
    }


@login_required
def task_detail(request, pk: int):
    wt = services.access_task(request.user, pk)
    return render(request, "workflow/task.html", _task_context(request, wt))


@login_required
@require_POST
def task_action(request, pk: int, action: str):
    wt = services.access_task(request.user, pk)
    user = request.user
    try:
        if action == "claim":
            services.claim(user, wt)
            messages.success(request, "已认领。")
        elif action == "release":
            services.release(user, wt)
            messages.success(request, "已释放任务。")
        elif action == "complete":
            form = CompleteForm(request.POST)
            step_form = _step_form(wt, request.POST)
            # 退回 / 不同意 decide nothing: the step's facts are neither checked nor kept
            approving = request.POST.get("decision") == Decision.APPROVE
            if not form.is_valid() or (approving and step_form is not None and not step_form.is_valid()):
                ctx = _task_context(request, wt, complete_form=form, step_form=step_form)
                return render(request, "workflow/task.html", ctx, status=400)
            d = form.cleaned_data
            data = dict(step_form.cleaned_data) if step_form is not None and approving else None
            try:
                services.complete_task(user, wt, d["decision"], d["opinion"], data, lock_version=d.get("lock_version"))
            except ServiceError as err:
                if step_form is None or not err.fields:
                    raise
                for name, errors in err.fields.items():
                    for message in errors:
                        step_form.add_error(name if name in step_form.fields else None, message)
                ctx = _task_context(request, wt, complete_form=form, step_form=step_form, error=err.message)
                return render(request, "workflow/task.html", ctx, status=400)
            messages.success(request, "已提交。")
            return redirect("workflow:inbox")
        elif action == "return":
            form = ReturnForm(request.POST, targets=services.return_targets(wt))
            if not form.is_valid():
                return render(request, "workflow/task.html", _task_context(request, wt, return_form=form), status=400)
            services.return_task(user, wt, form.cleaned_data["target"] or None, form.cleaned_data["opinion"])
            messages.success(request, "已驳回。")
            return redirect("workflow:inbox")
        elif action == "withdraw":
            services.withdraw(user, wt)
            messages.success(request, "已撤回。")
        elif action in ("reassign", "delegate", "add_approver"):
            form = UserPickForm(request.POST)
            if not form.is_valid():
                return render(request, "workflow/task.html", _task_context(request, wt, user_form=form), status=400)
            target = form.cleaned_data["user"]
            if action == "reassign":
                services.reassign(user, wt, target)
                messages.success(request, "已转办。")
            elif action == "delegate":
                services.delegate(user, wt, target)
                messages.success(request, "已委派，对方办理后任务将交回您确认。")
            else:
                services.add_approver(user, wt, target, before=form.cleaned_data.get("position") != "after")
                messages.success(request, "已加签。")
            return redirect("workflow:inbox")
        else:
            return render(request, "workflow/task.html", _task_context(request, wt, error="不支持的操作"), status=400)
    except ServiceError as err:
        status = 403 if err.code == "not_your_task" else 400
        wt = services.access_task(request.user, pk)
        return render(request, "workflow/task.html", _task_context(request, wt, error=err.message), status=status)
    return redirect("workflow:task", pk=pk)


app_name = "workflow"
urlpatterns = [
    path("inbox/", inbox, name="inbox"),
    path("tasks/<int:pk>/", task_detail, name="task"),
    path("tasks/<int:pk>/<slug:action>/", task_action, name="task_action"),
]

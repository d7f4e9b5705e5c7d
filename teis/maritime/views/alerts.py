"""告警处置: assign, handle, close with a result (the services hold the rules)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path

from teis.core.services import ServiceError
from teis.core.views import require

from ..choices import AlertResult, AlertStatus
from ..services import alerts as alert_services


@login_required
def alert_dispose(request, pk: int):
    require(request, "maritime.view_alert")
    try:
        alert = alert_services.access_alert(request.user, pk)
    except ServiceError:
        from django.http import Http404

        raise Http404 from None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "assign":
                assignee = get_user_model().objects.filter(pk=request.POST.get("assignee") or 0).first()
                alert_services.do_assign_alert(request.user, alert, assignee)
                messages.success(request, "已指派")
            elif action == "handle":
                alert_services.do_handle_alert(request.user, alert, request.POST.get("note", ""))
                messages.success(request, "处置情况已记录")
            elif action == "close":
                alert_services.do_close_alert(
                    request.user, alert, request.POST.get("result", ""), request.POST.get("note", "")
                )
                messages.success(request, "告警已办结")
            else:
                raise ServiceError("invalid", "未知的操作")
        except ServiceError as exc:
            messages.error(request, exc.message)
            return render(request, "maritime/alert_dispose.html", _ctx(request, alert), status=400)
        return redirect("maritime:alert_dispose", pk=alert.pk)
    return render(request, "maritime/alert_dispose.html", _ctx(request, alert))


def _ctx(request, alert):
    from teis.org.models import Officer

    alert = alert_services.access_alert(request.user, alert.pk)
    return {
        "alert": alert,
        "officers": Officer.objects.for_user(request.user).select_related("user", "unit")[:200],
        "results": AlertResult.choices,
        "closed": alert.status == AlertStatus.CLOSED,
        "can_change": request.user.has_perm("maritime.change_alert"),
        "is_assignee": alert.assignee_id == request.user.pk,
    }


urlpatterns = [path("alerts/<int:pk>/dispose/", alert_dispose, name="alert_dispose")]

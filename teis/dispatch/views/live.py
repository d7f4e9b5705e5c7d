"""实时监控 (the live map) and the alarm handling page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path

from teis.core import actions
from teis.core.services import ServiceError
from teis.core.views import require

from ..choices import LiveState
from ..services import alarms as alarm_services


@login_required
def live(request):
    """The live map: vehicles coloured by state, filters, alarm panel, static layers. Data comes from
    /api/v1/dispatch/live/ (polled every second, and pushed over /ws/dispatch/live/ when the channel layer
    reaches this process)."""
    require(request, "dispatch.view_patrolvehicle")
    from teis.core.models import DictionaryItem
    from teis.org.models import BUSINESS_LINE_DICT, Unit

    ctx = {
        "units": Unit.objects.for_user(request.user).filter(is_active=True),
        "lines": DictionaryItem.objects.filter(dict_type__code=BUSINESS_LINE_DICT, is_active=True),
        "states": LiveState.choices,
        "can_text": request.user.has_perm("dispatch.add_terminalcommand"),
        "can_alarm": request.user.has_perm("dispatch.change_alarm"),
        "can_case": request.user.has_perm("cases.add_enforcementcase"),
    }
    return render(request, "dispatch/live.html", ctx)


@login_required
def alarm_handle(request, pk: int):
    require(request, "dispatch.view_alarm")
    alarm = alarm_services.access_alarm(request.user, pk)  # 404 outside the scope
    if request.method == "POST":
        require(request, "dispatch.change_alarm")
        try:
            if request.POST.get("action") == "case":
                case = alarm_services.do_file_case(request.user, alarm)
                messages.success(request, f"已生成预登记案件：{case.title}")
                return redirect("cases:case_detail", case.pk)
            actions.get("dispatch.alarm", "acknowledge").perform(request.user, alarm, request.POST)
            messages.success(request, "告警已确认。")
            return redirect("dispatch:alarm_handle", alarm.pk)
        except ServiceError as err:
            messages.error(request, err.message)
    return render(
        request,
        "dispatch/alarm_handle.html",
        {
            "alarm": alarm,
            "can_alarm": request.user.has_perm("dispatch.change_alarm"),
            "can_case": request.user.has_perm("cases.add_enforcementcase"),
        },
    )


urlpatterns = [
    path("live/", live, name="live"),
    path("alarms/<int:pk>/handle/", alarm_handle, name="alarm_handle"),
]

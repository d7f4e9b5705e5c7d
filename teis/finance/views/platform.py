"""The payment platform's notification endpoint (signed; no session) and the local simulator of the city's
non-tax payment platform (/finance/sim/: the party's payment page, the platform API TEIS's HTTP adapter talks to,
and the daily statement file). The simulator is served only when FINANCE_SIMULATOR is on (the embedded default)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from ..models import SimOrder
from ..services import platform
from ..services.payments import receive_notice
from ..services.statement import write_csv


@csrf_exempt
@require_POST
def notify(request):
    """POST /finance/platform/notify/: the platform's payment notification, HMAC-SM3 signed (X-Signature)."""
    outcome, status = receive_notice(request.body, request.headers.get("X-Signature", ""))
    return JsonResponse({"result": outcome}, status=status)


def _simulator_on():
    if not settings.FINANCE_SIMULATOR:
        raise Http404


@csrf_exempt
@require_POST
def sim_orders(request):
    _simulator_on()
    if not platform.verify(request.body, request.headers.get("X-Signature", "")):
        return JsonResponse({"error": "bad signature"}, status=403)
    try:
        d = json.loads(request.body)
        order = platform.sim_create_order(d["order_no"], Decimal(d["amount"]), d.get("payer", ""), d.get("title", ""))
    except (ValueError, KeyError, InvalidOperation):
        return JsonResponse({"error": "bad request"}, status=400)
    return JsonResponse({"order_no": order.order_no, "payment_code": order.payment_code})


def sim_order(request, order_no):
    _simulator_on()
    o = SimOrder.objects.filter(order_no=order_no).first()
    if o is None:
        return JsonResponse({"error": "unknown order"}, status=404)
    paid_at = timezone.localtime(o.paid_at).isoformat() if o.paid_at else ""
    return JsonResponse(
        {
            "order_no": o.order_no,
            "paid": o.paid_at is not None,
            "amount": str(o.amount),
            "txn_id": o.txn_id,
            "paid_at": paid_at,
        }
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def sim_pay(request):
    """The party's page at the simulated platform: enter the 缴款码, see the amount, pay."""
    _simulator_on()
    code = (request.POST.get("code") or request.GET.get("code") or "").strip()
    order = SimOrder.objects.filter(payment_code=code).first() if code else None
    paid = False
    if request.method == "POST" and order is not None and request.POST.get("confirm") == "1":
        order = platform.sim_pay(code)
        paid = True
    error = "缴款码不存在" if code and order is None else ""
    return render(
        request,
        "finance/sim_pay.html",
        {"code": code, "order": order, "paid": paid, "error": error},
        status=404 if error else 200,
    )


def sim_statement(request, day):
    """The simulator's daily statement file (CSV) of `day` (YYYY-MM-DD)."""
    _simulator_on()
    try:
        date = dt.date.fromisoformat(day)
    except ValueError as exc:
        raise Http404 from exc
    resp = HttpResponse(write_csv(platform.statement_rows(date)), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="statement-{day}.csv"'
    return resp


urlpatterns = [
    path("platform/notify/", notify, name="platform_notify"),
    path("sim/pay/", sim_pay, name="sim_pay"),
    path("sim/platform/orders", sim_orders, name="sim_orders"),
    path("sim/platform/orders/<str:order_no>", sim_order, name="sim_order"),
    path("sim/statement/<str:day>.csv", sim_statement, name="sim_statement"),
]

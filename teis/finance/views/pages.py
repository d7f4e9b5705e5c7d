"""Pages of 票证与罚没款: 我的票证 (holdings, uses, 作废), 票证库存 (per unit, warnings), 票证统计 (chart + Excel),
今日收缴, 对账 (statement import, 主动对账, open discrepancies, refused notifications), the receivable's page and the
电子票据 download. Every read through `for_user`; every write through a service."""

from __future__ import annotations

import datetime as dt
import io
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.services import ServiceError
from teis.core.views import require, xlsx_response

from ..choices import DiscrepancyStatus, NoticeOutcome, OrderStatus
from ..forms import PeriodForm, StatementForm, VoidForm
from ..models import Discrepancy, EReceipt, Payment, PaymentNotice, StockUse
from ..services import ereceipts, fines, reconcile, stock


@login_required
@require_http_methods(["GET", "POST"])
def my_stock(request):
    require(request, "finance.view_stockrange")
    form = VoidForm(request.POST or None, prefix="void")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                use = stock.do_void_number(request.user, d["kind"], d["number"], d["reason"])
            except ServiceError as err:
                form.add_error(None, err.message)
                status = 400
            else:
                messages.success(request, f"票证号 {use.number_text} 已作废")
                return redirect("finance:my_stock")
        else:
            status = 400
    rows = stock.on_hand(request.user)
    uses = StockUse.objects.filter(holder=request.user).select_related("kind")[:50]
    ctx = {"rows": rows, "uses": uses, "form": form, "total": stock.total_left(rows)}
    return render(request, "finance/my_stock.html", ctx, status=status)


@login_required
def stock_overview(request):
    require(request, "finance.view_stockrange")
    rows = stock.unit_stock(request.user)
    return render(request, "finance/stock_overview.html", {"rows": rows, "low": [r for r in rows if r["low"]]})


def _date(value):
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def stock_stats(request):
    require(request, "finance.view_stockuse")
    date_from, date_to = _date(request.GET.get("date_from")), _date(request.GET.get("date_to"))
    rows = stock.statistics(request.user, date_from, date_to)
    if request.GET.get("export") == "1":
        audit.record(request.user, AuditAction.EXPORT, detail={"report": "stock_statistics"})
        return xlsx_response(_stats_xlsx(rows), f"票证统计_{timezone.localtime():%Y%m%d%H%M}.xlsx")
    body = rows[:-1]
    chart = {
        "labels": [f"{r['unit']} {r['kind']}" for r in body],
        "issued": [r["issued"] for r in body],
        "used": [r["used"] for r in body],
        "cancelled": [r["cancelled"] for r in body],
        "outstanding": [r["outstanding"] for r in body],
    }
    ctx = {
        "rows": rows,
        "chart": json.dumps(chart, ensure_ascii=False),
        "date_from": request.GET.get("date_from", ""),
        "date_to": request.GET.get("date_to", ""),
    }
    return render(request, "finance/stock_stats.html", ctx)


def _stats_xlsx(rows) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("票证统计")
    ws.append(["单位", "票证种类", "领入/入库", "已使用", "作废及核销", "结存"])
    for r in rows:
        ws.append([r["unit"], r["kind"], r["issued"], r["used"], r["cancelled"], r["outstanding"]])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@login_required
def collections(request):
    """今日收缴: today's payments by channel, the list, and what waits for reconciliation."""
    require(request, "finance.view_payment")
    day = _date(request.GET.get("day")) or timezone.localdate()
    qs = Payment.objects.for_user(request.user).filter(paid_at__date=day)
    by_channel = list(qs.values("channel").annotate(n=Count("pk"), s=Sum("amount")).order_by("channel"))
    total = qs.aggregate(n=Count("pk"), s=Sum("amount"))
    rows = qs.select_related("receivable__case", "unit").order_by("-paid_at")[:200]
    open_d = Discrepancy.objects.for_user(request.user).filter(status=DiscrepancyStatus.OPEN).count()
    labels = dict(Payment._meta.get_field("channel").choices)
    for c in by_channel:
        c["label"] = labels.get(c["channel"], c["channel"])
    ctx = {"day": day, "rows": rows, "by_channel": by_channel, "total": total, "open_discrepancies": open_d}
    return render(request, "finance/collections.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def reconciliation(request):
    """对账: import a statement file, 主动对账 for a period, the open discrepancies and refused notifications."""
    require(request, "finance.view_statement")
    upload = StatementForm(prefix="st")
    period = PeriodForm(prefix="p")
    status = 200
    if request.method == "POST":
        require(request, "finance.add_statement")
        try:
            if request.POST.get("_do") == "import":
                upload = StatementForm(request.POST, request.FILES, prefix="st")
                if not upload.is_valid():
                    raise ServiceError("invalid", "请选择对账单文件")
                f = upload.cleaned_data["file"]
                st = reconcile.do_import_statement(
                    request.user, f.name, f.read(), upload.cleaned_data["statement_date"]
                )
                messages.success(
                    request, f"已导入 {st.line_count} 笔，匹配 {st.matched} 笔，新增差异 {st.discrepancies} 笔"
                )
            else:
                period = PeriodForm(request.POST, prefix="p")
                if not period.is_valid():
                    raise ServiceError("invalid", "请填写对账期间")
                d = period.cleaned_data
                r = reconcile.reconcile(request.user, d["date_from"], d["date_to"])
                messages.success(
                    request,
                    f"主动对账：平台 {r['lines']} 笔，本系统 {r['payments']} 笔，"
                    f"一致 {r['matched']} 笔，新增差异 {r['discrepancies']} 笔",
                )
            return redirect("finance:reconciliation")
        except ServiceError as err:
            messages.error(request, err.message)
            status = 400
    open_rows = Discrepancy.objects.for_user(request.user).filter(status=DiscrepancyStatus.OPEN)[:100]
    refused = PaymentNotice.objects.exclude(outcome__in=(NoticeOutcome.ACCEPTED, NoticeOutcome.DUPLICATE)).order_by(
        "-received_at"
    )[:20]
    ctx = {
        "upload": upload,
        "period": period,
        "open_rows": open_rows,
        "refused": refused,
        "open_count": Discrepancy.objects.for_user(request.user).filter(status=DiscrepancyStatus.OPEN).count(),
    }
    return render(request, "finance/reconciliation.html", ctx, status=status)


@login_required
def receivable_page(request, pk):
    require(request, "finance.view_receivable")
    rec = fines.access_receivable(request.user, pk)
    ctx = finance_context(rec)
    ctx["rec"] = rec
    return render(request, "finance/receivable.html", ctx)


def finance_context(rec) -> dict:
    orders = list(rec.orders.all())
    open_order = next((o for o in orders if o.status in (OrderStatus.OPEN, OrderStatus.PUSHING)), None)
    qr = ""
    if open_order is not None and open_order.platform_code:
        import segno

        qr = segno.make(f"TEISPAY:{open_order.platform_code}").svg_data_uri(scale=3)
    return {
        "instalments": list(rec.instalments.all()),
        "orders": orders,
        "open_order": open_order,
        "qr": qr,
        "payments": list(rec.payments.select_related("ereceipt", "order")),
        "due_today": fines.amount_due(rec),
    }


@login_required
def ereceipt_download(request, pk):
    require(request, "finance.view_ereceipt")
    receipt = get_object_or_404(
        EReceipt.objects.for_user(request.user).select_related("payment__receivable__case"), pk=pk
    )
    if not receipt.number:
        messages.error(request, "电子票据尚未开具")
        return redirect("finance:ereceipt_detail", pk)
    content = ereceipts.pdf_bytes(receipt)
    audit.record(request.user, AuditAction.EXPORT, receipt, detail={"operation": "finance.ereceipt_download"})
    resp = HttpResponse(content, content_type="application/pdf")
    resp["Content-Disposition"] = f'attachment; filename="ereceipt-{receipt.number}.pdf"'
    return resp


urlpatterns = [
    path("my-stock/", my_stock, name="my_stock"),
    path("stock/", stock_overview, name="stock_overview"),
    path("stock/stats/", stock_stats, name="stock_stats"),
    path("collections/", collections, name="collections"),
    path("reconciliation/", reconciliation, name="reconciliation"),
    path("receivables/<int:pk>/", receivable_page, name="receivable_page"),
    path("ereceipts/<int:pk>/download/", ereceipt_download, name="ereceipt_download"),
]

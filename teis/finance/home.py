"""What the home page (工作台) shows of 票证与罚没款: the officer's stock on hand, low-stock warnings for leaders and
cashiers, today's collections and open discrepancies for cashiers. Bounded queries."""

from __future__ import annotations

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone

from teis.core.home import LEADERS, LIST_SIZE, OFFICERS, HomeItem, HomePanel, PanelContent, roles

from .choices import DiscrepancyStatus
from .models import Discrepancy, Payment
from .services import stock

CASHIERS = roles("finance_officer")


def _my_stock(user) -> PanelContent:
    rows = stock.on_hand(user)
    items = [
        HomeItem(
            f"{r.kind.name} {r}",
            reverse("finance:my_stock"),
            note=f"余 {r.left} 份",
            level="warning" if r.left < 10 else "",
        )
        for r in rows[:LIST_SIZE]
    ]
    return PanelContent(items=items, total=len(rows), empty="您没有持有的票证")


def _low_stock(user) -> PanelContent:
    rows = stock.low_stock(user)
    items = [
        HomeItem(
            f"{r['unit'].name} · {r['kind'].name}",
            reverse("finance:stock_overview"),
            note=f"余 {r['total']} 份（下限 {r['kind'].low_threshold}）",
            level="danger",
        )
        for r in rows[:LIST_SIZE]
    ]
    return PanelContent(items=items, total=len(rows), empty="各单位票证库存充足")


def _collections(user) -> PanelContent:
    today = timezone.localdate()
    agg = Payment.objects.for_user(user).filter(paid_at__date=today).aggregate(n=Count("pk"), s=Sum("amount"))
    open_n = Discrepancy.objects.for_user(user).filter(status=DiscrepancyStatus.OPEN).count()
    items = [
        HomeItem(f"今日收缴 {agg['n']} 笔，{agg['s'] or 0} 元", reverse("finance:collections")),
        HomeItem(f"待处理对账差异 {open_n} 笔", reverse("finance:reconciliation"), level="danger" if open_n else ""),
    ]
    return PanelContent(items=items)


PANELS = [
    HomePanel(
        "my_stock",
        "我的票证",
        _my_stock,
        roles=OFFICERS | LEADERS | CASHIERS,
        more_url="finance:my_stock",
        icon="bi-wallet2",
        order=60,
    ),
    HomePanel(
        "low_stock",
        "票证库存预警",
        _low_stock,
        roles=LEADERS | CASHIERS,
        more_url="finance:stock_overview",
        icon="bi-exclamation-triangle",
        order=61,
    ),
    HomePanel(
        "collections",
        "罚没款收缴",
        _collections,
        roles=CASHIERS,
        more_url="finance:collections",
        icon="bi-cash-coin",
        order=5,
    ),
]

"""What the home page (工作台) shows about petitions: the unit's petitions nearest their deadline, and the
leadership's share answered on time this month against last month. Read-only, scoped, bounded queries."""

from __future__ import annotations

from django.db.models import Count, F, Q
from django.urls import reverse

from teis.core.home import (
    COMMAND,
    LEADERS,
    LEADERSHIP,
    LIST_SIZE,
    HomeFigure,
    HomeItem,
    HomePanel,
    PanelContent,
    month_bounds,
    url_or_blank,
)

from .choices import PetitionStatus
from .models import Petition

FINISHED = (PetitionStatus.CLOSED, PetitionStatus.NOT_ACCEPTED)


def _due_petitions(user) -> PanelContent:
    qs = Petition.objects.for_user(user).exclude(status__in=FINISHED)
    rows = list(qs.order_by("finish_due", "-registered_at")[:LIST_SIZE])
    items = [
        HomeItem(str(p), reverse("petitions:petition_page", args=[p.pk]), note=p.get_status_display(), due=p.finish_due)
        for p in rows
    ]
    return PanelContent(items=items, total=qs.count(), empty="没有在办信访件")


def _on_time(user) -> PanelContent:
    """Petitions closed this month (and last) and how many of them by their 办结期限."""
    last, this, nxt = month_bounds()
    on_time = Q(closed_at__date__lte=F("finish_due"))
    agg = Petition.objects.for_user(user).aggregate(
        closed=Count("pk", filter=Q(closed_at__gte=this, closed_at__lt=nxt)),
        on_time=Count("pk", filter=Q(closed_at__gte=this, closed_at__lt=nxt) & on_time),
        closed_prev=Count("pk", filter=Q(closed_at__gte=last, closed_at__lt=this)),
        on_time_prev=Count("pk", filter=Q(closed_at__gte=last, closed_at__lt=this) & on_time),
    )

    def rate(done: int, total: int) -> int:
        return round(done * 100 / total) if total else 100

    url = url_or_blank("petitions:stats")
    return PanelContent(
        figures=[
            HomeFigure(
                "信访按期办结率",
                rate(agg["on_time"], agg["closed"]),
                rate(agg["on_time_prev"], agg["closed_prev"]),
                url,
                unit="%",
            ),
        ]
    )


PANELS = [
    HomePanel(
        "due_petitions",
        "临期信访件",
        _due_petitions,
        roles=LEADERS | COMMAND,
        more_url="petitions:petition_list",
        icon="bi-chat-left-text",
        order=35,
    ),
    HomePanel(
        "petition_figures", "信访办理", _on_time, roles=LEADERSHIP, icon="bi-chat-left-text", order=7, strip=True
    ),
]

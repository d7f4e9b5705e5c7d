"""Evidence pages: the context of the item page (player / image viewer / metadata / links / custody — the item's
generic detail page, where its declared actions run), streams of the original, proxy and poster, download, the
chain-of-custody PDF, and the case page's link / unlink. Thin: the services decide."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from teis.core.services import ServiceError
from teis.core.views import require

from ..choices import EvidenceStatus, ProxyStatus
from ..models import EvidenceItem
from ..services import links as link_services
from ..services import retention
from ..services.access import access_item, record_access
from ..services.custody import custody_pdf
from .streaming import stream_response

VIEW = "evidence.view_evidenceitem"


def item_context(item, user) -> dict:
    """The player page is the item's generic detail page (`EvidenceItemConfig.detail_template`): its context, and
    the audit of the view. The declared actions post to the same page (`_action`)."""
    from teis.core import actions

    record_access(user, item, "evidence.view")
    playable = item.category in ("video", "audio") and item.proxy_status != ProxyStatus.PENDING
    return {
        "item": item,
        "links": item.links.select_related("case", "linked_by").order_by("linked_at"),
        "checks": item.checks.select_related("actor")[:10],
        "playable": playable,
        "media_url": reverse(
            "evidence:stream", args=[item.pk, "proxy" if item.proxy_status == ProxyStatus.READY else "original"]
        ),
        "media_type": ("video/mp4" if item.category == "video" else "audio/mp4")
        if item.proxy_status == ProxyStatus.READY
        else item.content_type,
        "can_download": user.has_perm("evidence.download_evidenceitem"),
        "can_share": user.has_perm("evidence.share_evidenceitem"),
        "offered": {a.name for a in actions.for_model("evidence.evidenceitem") if a.available_to(user, item)},
        "deleted": item.status != EvidenceStatus.ACTIVE,
        "retention": retention.compute_delete_after(item),
    }


def item_view(request, pk: int):
    """The former address of the player page (kept for links in notifications and bookmarks)."""
    return redirect(reverse("evidence:evidenceitem_detail", args=[pk]), permanent=True)


@login_required
def stream(request, pk: int, kind: str):
    """Original (inline), proxy or poster. Plays are audited once per viewing (range requests deduplicated)."""
    require(request, VIEW)
    item = access_item(request.user, pk)
    if kind == "original":
        name, size, ctype = item.storage_name, item.size, item.content_type
    elif kind == "proxy" and item.proxy_name:
        name, ctype = item.proxy_name, "video/mp4" if item.category == "video" else "audio/mp4"
        size = blobs_size(name)
    elif kind == "poster" and item.poster_name:
        name, ctype = item.poster_name, "image/jpeg"
        size = blobs_size(name)
    else:
        raise Http404
    if kind != "poster":
        op = "evidence.preview" if item.category in ("photo", "document") else "evidence.play"
        record_access(request.user, item, op, dedup=True, stream=kind)
    return stream_response(request, name, size, ctype, filename=item.original_name if kind == "original" else "")


def blobs_size(name: str) -> int:
    from ..services import blobs

    try:
        return blobs.size_of(name)
    except (FileNotFoundError, OSError):
        raise Http404 from None


@login_required
def download(request, pk: int):
    require(request, VIEW)
    require(request, "evidence.download_evidenceitem")
    item = access_item(request.user, pk)
    record_access(request.user, item, "evidence.download", sm3=item.sm3)
    return stream_response(
        request, item.storage_name, item.size, item.content_type, filename=item.original_name, attachment=True
    )


@login_required
def custody(request, pk: int):
    require(request, VIEW)
    item = access_item(request.user, pk, include_deleted=True)
    pdf = custody_pdf(request.user, item)
    resp = HttpResponse(pdf, content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="custody-{item.pk}.pdf"'
    return resp


@login_required
@require_POST
def case_link(request, case_pk: int):
    """The case page's forms: link one of the user's evidence items to this case, or unlink one — the item's declared
    actions `link` / `unlink` (same permission, scope and rules as the item page and the API), back to the case."""
    from teis.core import actions

    require(request, VIEW)
    case = link_services.access_case(request.user, case_pk)
    act = actions.get("evidence.evidenceitem", request.POST.get("_action", ""))
    if act is None or act.name not in ("link", "unlink"):
        raise Http404
    require(request, act.permission)
    try:
        item = access_item(request.user, int(request.POST.get("item") or 0))
    except ValueError:
        raise Http404 from None
    try:
        act.perform(request.user, item, {"case": str(case.pk), "description": request.POST.get("description", "")})
    except ServiceError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, f"已关联证据：{item}" if act.name == "link" else f"已解除与证据“{item}”的关联")
    return redirect(reverse("cases:case_detail", args=[case.pk]) + "#evidence")


urlpatterns = [
    path("items/<int:pk>/", item_view, name="item_view"),
    path("items/<int:pk>/stream/<slug:kind>/", stream, name="stream"),
    path("items/<int:pk>/download/", download, name="download"),
    path("items/<int:pk>/custody.pdf", custody, name="custody"),
    path("cases/<int:case_pk>/link/", case_link, name="case_link"),
]

__all__ = ["EvidenceItem", "urlpatterns"]

"""Evidence pages: the item page (player / image viewer / metadata / links / custody), streams of the
original, proxy and poster, download, chain-of-custody PDF, and the item actions. Thin: the services decide."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
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
from ..services.integrity import verify_item
from .streaming import stream_response

VIEW = "evidence.view_evidenceitem"


@login_required
def item_view(request, pk: int):
    require(request, VIEW)
    can_manage = request.user.has_perm("evidence.manage_retention")
    item = access_item(request.user, pk, include_deleted=can_manage)
    record_access(request.user, item, "evidence.view")
    playable = item.category in ("video", "audio") and item.proxy_status != ProxyStatus.PENDING
    context = {
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
        "can_download": request.user.has_perm("evidence.download_evidenceitem"),
        "can_link": request.user.has_perm("evidence.change_evidenceitem")
        or request.user.has_perm("evidence.add_evidenceitem"),
        "can_manage": can_manage,
        "can_share": request.user.has_perm("evidence.share_evidenceitem"),
        "deleted": item.status == EvidenceStatus.DELETED,
        "retention": retention.compute_delete_after(item),
    }
    return render(request, "evidence/item_view.html", context)


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


def _back(item_pk: int):
    return redirect(reverse("evidence:item_view", args=[item_pk]))


@login_required
@require_POST
def link(request, pk: int):
    require(request, VIEW)
    item = access_item(request.user, pk)
    try:
        case = link_services.find_case(request.user, request.POST.get("case", ""))
        link_services.do_link(request.user, item, case, request.POST.get("description", ""))
    except ServiceError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, f"已关联案件：{case}")
    return redirect(request.POST.get("next") or reverse("evidence:item_view", args=[item.pk]))


@login_required
@require_POST
def unlink(request, pk: int, case_pk: int):
    require(request, VIEW)
    item = access_item(request.user, pk)
    case = link_services.access_case(request.user, case_pk)
    try:
        link_services.do_unlink(request.user, item, case)
    except ServiceError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, f"已解除与案件“{case}”的关联")
    next_url = request.POST.get("next", "")
    return redirect(next_url if next_url.startswith("/") else reverse("evidence:item_view", args=[item.pk]))


@login_required
@require_POST
def link_from_case(request, case_pk: int):
    """The case page's form: link one of the user's evidence items to this case."""
    require(request, VIEW)
    case = link_services.access_case(request.user, case_pk)
    try:
        item = access_item(request.user, int(request.POST.get("item") or 0))
        link_services.do_link(request.user, item, case, request.POST.get("description", ""))
    except (ServiceError, ValueError, Http404) as err:
        messages.error(request, getattr(err, "message", "证据不存在或不在您的数据权限范围内"))
    else:
        messages.success(request, f"已关联证据：{item}")
    return redirect(reverse("cases:case_detail", args=[case.pk]) + "#evidence")


@login_required
@require_POST
def action(request, pk: int, name: str):
    """delete / restore / hold / release / verify."""
    require(request, VIEW)
    item = access_item(request.user, pk, include_deleted=True)
    try:
        if name == "delete":
            retention.do_delete(request.user, item, request.POST.get("reason", ""))
            messages.success(request, f"证据已删除，{retention.RECOVERY_DAYS} 天内可恢复")
        elif name == "restore":
            retention.do_restore(request.user, item)
            messages.success(request, "证据已恢复")
        elif name in ("hold", "release"):
            retention.do_set_legal_hold(request.user, item, name == "hold", request.POST.get("reason", ""))
            messages.success(request, "已设置诉讼保全" if name == "hold" else "已解除诉讼保全")
        elif name == "verify":
            check = verify_item(item, request.user)
            (messages.success if check.result == "ok" else messages.error)(
                request, f"完整性校验：{check.get_result_display()}"
            )
        else:
            raise Http404
    except ServiceError as err:
        messages.error(request, err.message)
    return _back(item.pk)


urlpatterns = [
    path("items/<int:pk>/", item_view, name="item_view"),
    path("items/<int:pk>/stream/<slug:kind>/", stream, name="stream"),
    path("items/<int:pk>/download/", download, name="download"),
    path("items/<int:pk>/custody.pdf", custody, name="custody"),
    path("items/<int:pk>/link/", link, name="link"),
    path("items/<int:pk>/unlink/<int:case_pk>/", unlink, name="unlink"),
    path("items/<int:pk>/action/<slug:name>/", action, name="item_action"),
    path("cases/<int:case_pk>/link/", link_from_case, name="link_from_case"),
]

__all__ = ["EvidenceItem", "urlpatterns"]

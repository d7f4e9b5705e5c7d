"""Sharing pages: create a share (from the item page), the public share page for the recipient (no login,
token in the URL, visible watermark), its streams and image views, and the disclosure receipt (revocation is
the share's declared action `revoke`)."""

from __future__ import annotations

from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST

from teis.core.services import ServiceError
from teis.core.views import require

from ..choices import ShareAccess, ShareRecipientKind
from ..models import ShareLink
from ..services import sharing
from .streaming import stream_response


@login_required
def create(request):
    require(request, "evidence.share_evidenceitem")
    ids = request.POST.getlist("items") or request.GET.getlist("items")
    token = share = None
    errors = {}
    if request.method == "POST":
        day = parse_date(request.POST.get("expires_on", ""))
        expires = timezone.make_aware(datetime.combine(day, time(23, 59, 59))) if day else None
        try:
            share, token = sharing.do_create_share(
                request.user,
                item_ids=[i for i in ids if i.isdigit()],
                recipient=request.POST.get("recipient", ""),
                recipient_kind=request.POST.get("recipient_kind", ""),
                expires_at=expires,
                access=request.POST.get("access", ShareAccess.VIEW),
                purpose=request.POST.get("purpose", ""),
            )
        except ServiceError as err:
            messages.error(request, err.message)
            errors = err.fields
    url = request.build_absolute_uri(reverse("evidence:share_public", args=[token])) if token else ""
    return render(
        request,
        "evidence/share_create.html",
        {
            "ids": ids,
            "share": share,
            "share_url": url,
            "errors": errors,
            "kinds": ShareRecipientKind.choices,
            "accesses": ShareAccess.choices,
            "post": request.POST,
        },
        status=400 if errors else 200,
    )


@login_required
def receipt(request, pk: int):
    require(request, "evidence.view_sharelink")
    share = get_object_or_404(ShareLink.objects.for_user(request.user), pk=pk)
    resp = HttpResponse(sharing.receipt_pdf(request.user, share), content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="share-receipt-{share.pk}.pdf"'
    return resp


def public(request, token: str):
    share = sharing.access_share(token)
    sharing.record_share_access(share, None, "evidence.share_open")
    return render(
        request,
        "evidence/share_public.html",
        {
            "share": share,
            "token": token,
            "items": share.items.filter(status="active").order_by("pk"),
            "watermark": sharing.watermark_text(share),
        },
    )


def public_media(request, token: str, item_pk: int, kind: str):
    share = sharing.access_share(token)
    item = sharing.share_item(share, item_pk)
    if kind == "image":
        if item.category != "photo":
            raise Http404
        sharing.record_share_access(share, item, "evidence.share_view")
        resp = HttpResponse(sharing.watermarked_image(item, sharing.watermark_text(share)), content_type="image/jpeg")
        resp["Cache-Control"] = "private, no-store"
        return resp
    if kind == "download":
        if share.access != ShareAccess.DOWNLOAD:
            raise Http404
        sharing.record_share_access(share, item, "evidence.share_download", sm3=item.sm3)
        return stream_response(
            request, item.storage_name, item.size, item.content_type, filename=item.original_name, attachment=True
        )
    if kind == "play" and item.category in ("video", "audio"):
        sharing.record_share_access(share, item, "evidence.share_play")
        if item.proxy_name:
            from ..services import blobs

            return stream_response(
                request,
                item.proxy_name,
                blobs.size_of(item.proxy_name),
                "video/mp4" if item.category == "video" else "audio/mp4",
            )
        return stream_response(request, item.storage_name, item.size, item.content_type)
    raise Http404


urlpatterns = [
    path("shares/new/", create, name="share_create"),
    path("shares/<int:pk>/receipt.pdf", receipt, name="share_receipt"),
    path("s/<str:token>/", public, name="share_public"),
    path("s/<str:token>/<int:item_pk>/<slug:kind>/", public_media, name="share_media"),
]

__all__ = ["require_POST", "urlpatterns"]

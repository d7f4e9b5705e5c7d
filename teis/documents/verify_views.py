"""The public verification page /verify/<code>/ (no login; rate-limited per address): the document's type, 文号,
issuing unit, date and SM3 digest, whether the stored signature verifies, and the byte-for-byte check of an
uploaded PDF. A code that is malformed or unknown shows 未找到 (404)."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.csrf import csrf_protect

from teis.core.context import client_ip

from .codes import display, parse_verify_code
from .services import verification

RATE_MESSAGE = "请求过于频繁，请一分钟后再试。"


def _throttled(request, cost: int = 1) -> bool:
    """A fixed one-minute window per client address in the shared cache (works across web nodes with Redis)."""
    import time

    key = f"documents:verify:{client_ip(request) or '-'}:{int(time.time() // 60)}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key, cost)
    except ValueError:  # evicted between add and incr
        cache.set(key, cost, timeout=120)
        count = cost
    return count > settings.TEIS_VERIFY_RATE


def verify_home(request):
    code = request.GET.get("code", "")
    if code:
        if _throttled(request):
            return render(request, "documents/verify.html", {"throttled": RATE_MESSAGE}, status=429)
        parsed = parse_verify_code(code)
        if parsed:
            return redirect("documents_verify:verify", code=parsed)
        return render(request, "documents/verify.html", {"not_found": True, "code": code[:40]}, status=404)
    return render(request, "documents/verify.html", {})


@csrf_protect
def verify(request, code: str):
    cost = 5 if request.method == "POST" else 1
    if _throttled(request, cost):
        return render(request, "documents/verify.html", {"throttled": RATE_MESSAGE}, status=429)
    doc = verification.find(code)
    if doc is None:
        return render(request, "documents/verify.html", {"not_found": True, "code": code[:40]}, status=404)
    result = verification.verify(doc)
    ctx = {"doc": doc, "info": verification.summary(doc), "result": result, "code": display(doc.verify_code)}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            ctx["upload_error"] = "请选择要核验的 PDF 文件。"
            status = 400
        else:
            identical, message = verification.compare_upload(doc, upload)
            ctx["upload_identical"], ctx["upload_message"] = identical, message
            if identical is None:
                ctx["upload_error"], status = message, 400
    return render(request, "documents/verify.html", ctx, status=status)


def material(request, code: str, what: str):
    """What an independent verifier needs: the SM2 signature (DER) and the seal's public key (PEM)."""
    from django.http import Http404, HttpResponse

    from .services.seals import public_key_pem

    if _throttled(request):
        return render(request, "documents/verify.html", {"throttled": RATE_MESSAGE}, status=429)
    doc = verification.find(code)
    if doc is None:
        raise Http404
    if what == "signature.der":
        response = HttpResponse(bytes.fromhex(doc.signature), content_type="application/octet-stream")
    elif what == "public-key.pem":
        response = HttpResponse(public_key_pem(doc.seal), content_type="application/x-pem-file")
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{doc.verify_code}-{what}"'
    return response


app_name = "documents_verify"
urlpatterns = [
    path("", verify_home, name="verify_home"),
    path("<str:code>/", verify, name="verify"),
    path("<str:code>/<str:what>", material, name="material"),
]

"""Login, logout, password change, second factor and the security policy page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from teis.core.context import client_ip
from teis.core.services import ServiceError
from teis.core.views import require

from . import security, services
from .forms import LoginForm, PasswordChangeForm, SecurityPolicyForm, TotpForm
from .models import LoginAttempt, SecurityPolicy


def _next_url(request) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return "/"


def _finish_login(request, result: security.LoginResult):
    login(request, result.user, backend="teis.org.backends.RoleBackend")
    request.session.pop("pending_totp_user", None)
    if result.must_change_password:
        request.session["must_change_password"] = True
        messages.warning(request, "首次登录或密码已过期，请先修改密码。")
        return redirect("password_change")
    return redirect(_next_url(request))


def login_view(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = LoginForm(request.POST or None)
    error = ""
    if request.GET.get("timeout"):
        error = "长时间未操作，已自动退出，请重新登录。"
    if request.method == "POST" and form.is_valid():
        try:
            result = security.do_login(form.cleaned_data["username"], form.cleaned_data["password"], client_ip(request))
        except ServiceError as err:
            error = err.message
        else:
            if result.needs_totp:
                request.session["pending_totp_user"] = result.user.pk
                return redirect("login_totp")
            return _finish_login(request, result)
    status = 400 if error and request.method == "POST" else 200
    return render(request, "org/login.html", {"form": form, "error": error, "next": _next_url(request)}, status=status)


def login_totp(request):
    """Second step: the password was right; now the TOTP code."""
    user_id = request.session.get("pending_totp_user")
    if not user_id:
        return redirect("login")
    user = get_user_model().objects.get(pk=user_id)
    form = TotpForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        officer = user.officer
        import pyotp

        if pyotp.TOTP(officer.totp_secret).verify(form.cleaned_data["code"].strip(), valid_window=1):
            from teis.audit import services as audit
            from teis.audit.choices import AuditAction

            from .models import LoginAttempt as Attempt

            Attempt.objects.create(username=user.username, ip=client_ip(request), success=True)
            audit.record(user, AuditAction.LOGIN, detail={"username": user.username, "second_factor": "totp"})
            return _finish_login(
                request, security.LoginResult(user=user, must_change_password=security.password_change_required(user))
            )
        error = "动态口令错误。"
        security._fail(user.username, client_ip(request), SecurityPolicy.current(), "动态口令错误")
    return render(request, "org/login_totp.html", {"form": form, "error": error})


@require_POST
def logout_view(request):
    logout(request)
    return redirect("login")


@login_required
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            security.do_change_password(
                request.user, form.cleaned_data["old_password"], form.cleaned_data["new_password"]
            )
        except ServiceError as err:
            for field, errs in err.fields.items():
                for e in errs:
                    form.add_error(field if field in form.fields else None, e)
            if not err.fields:
                form.add_error(None, err.message)
        else:
            request.session.pop("must_change_password", None)
            login(request, request.user, backend="teis.org.backends.RoleBackend")  # keep the session valid
            messages.success(request, "密码已修改。")
            return redirect("home")
    return render(request, "org/password_change.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def totp_setup(request):
    """Enable the second factor: show a QR code, confirm with one code."""
    import segno

    if request.method == "POST" and "code" in request.POST:
        try:
            security.do_confirm_totp(request.user, request.POST["code"])
        except ServiceError as err:
            messages.error(request, err.message)
        else:
            messages.success(request, "动态口令已启用，下次登录时需要输入。")
            return redirect("home")
    uri = security.do_enable_totp(request.user) if request.method == "GET" or "start" in request.POST else None
    qr = segno.make(uri).svg_inline(scale=4) if uri else ""
    return render(request, "org/totp_setup.html", {"qr": qr, "form": TotpForm()})


@login_required
def security_policy(request):
    require(request, "org.manage_security_policy")
    policy = SecurityPolicy.current()
    form = SecurityPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_update_policy(request.user, {k: form.cleaned_data[k] for k in form.changed_data})
        except ServiceError as err:
            form.add_error(None, err.message)
        else:
            messages.success(request, "安全策略已保存。")
            return redirect("security_policy")
    return render(request, "org/security_policy.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def login_attempts(request):
    require(request, "org.manage_security_policy")
    qs = LoginAttempt.objects.all()
    if request.GET.get("username"):
        qs = qs.filter(username__icontains=request.GET["username"])
    page = Paginator(qs.order_by("-at"), 30).get_page(request.GET.get("page"))
    return render(request, "org/login_attempts.html", {"page": page})

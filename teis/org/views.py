"""Login, logout, password change, second factor and the security policy page."""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from teis.core.context import client_ip
from teis.core.services import ServiceError
from teis.core.views import paginate, require

from . import security, services
from .forms import LoginForm, OAuthClientForm, PasswordChangeForm, SecurityPolicyForm, TotpForm
from .models import LoginAttempt, Officer, SecurityPolicy

BACKEND = "teis.org.backends.RoleBackend"
# The password step of a TOTP login is valid this long; then the user starts again.
PENDING_TOTP_SECONDS = 300


def _next_url(request) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or request.session.get("login_next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return "/"


def _add_service_errors(form, err: ServiceError) -> None:
    """The service's message on top of the form, and its field messages at their fields."""
    form.add_error(None, err.message)
    for field, errs in err.fields.items():
        if field in form.fields:
            for e in errs:
                form.add_error(field, e)


def _finish_login(request, result: security.LoginResult):
    nxt = _next_url(request)
    login(request, result.user, backend=BACKEND)
    request.session.pop("pending_totp", None)
    request.session.pop("login_next", None)
    if result.must_setup_totp:
        request.session["must_setup_totp"] = True
    if result.must_change_password:
        request.session["must_change_password"] = True
        messages.warning(request, "首次登录或密码已过期，请先修改密码。")
        return redirect("password_change")
    if result.must_setup_totp:
        messages.warning(request, "安全策略要求启用动态口令，请先完成绑定。")
        return redirect("totp_setup")
    return redirect(nxt)


def login_view(request):
    if request.user.is_authenticated:
        return redirect("home")
    policy = SecurityPolicy.current()
    form = LoginForm(request.POST or None)
    error = ""
    if request.GET.get("timeout"):
        error = f"超过 {policy.idle_timeout_minutes} 分钟未操作，已自动退出，请重新登录。"
    if request.method == "POST":
        error = ""
        if not form.is_valid():
            error = "请输入账号和密码。"
        else:
            try:
                result = security.do_login(
                    form.cleaned_data["username"], form.cleaned_data["password"], client_ip(request)
                )
            except ServiceError as err:
                error = err.message
            else:
                if result.needs_totp:
                    request.session["pending_totp"] = {"user": result.user.pk, "at": time.time()}
                    request.session["login_next"] = _next_url(request)
                    return redirect("login_totp")
                return _finish_login(request, result)
    status = 400 if error and request.method == "POST" else 200
    ctx = {"form": form, "error": error, "next": _next_url(request), "policy": policy}
    return render(request, "org/login.html", ctx, status=status)


def login_totp(request):
    """Second step: the password was right; now the TOTP code."""
    pending = request.session.get("pending_totp") or {}
    if not pending or time.time() - pending.get("at", 0) > PENDING_TOTP_SECONDS:
        request.session.pop("pending_totp", None)
        return redirect("login")
    user = get_user_model().objects.filter(pk=pending.get("user"), is_active=True).first()
    if user is None:
        request.session.pop("pending_totp", None)
        return redirect("login")
    form = TotpForm(request.POST or None)
    error = ""
    if request.method == "POST":
        if not form.is_valid():
            error = "请输入动态口令。"
        else:
            try:
                result = security.do_login_second_factor(user, form.cleaned_data["code"], client_ip(request))
            except ServiceError as err:
                error = err.message
                if err.code == "locked":
                    request.session.pop("pending_totp", None)
            else:
                return _finish_login(request, result)
    status = 400 if error else 200
    return render(request, "org/login_totp.html", {"form": form, "error": error}, status=status)


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
            _add_service_errors(form, err)
        else:
            request.session.pop("must_change_password", None)
            update_session_auth_hash(request, request.user)  # keep this session, end the others
            messages.success(request, "密码已修改。")
            if request.session.get("must_setup_totp"):
                return redirect("totp_setup")
            return redirect("home")
    forced = bool(request.session.get("must_change_password"))
    ctx = {"form": form, "forced": forced, "policy": SecurityPolicy.current()}
    return render(request, "org/password_change.html", ctx, status=400 if form.errors else 200)


@login_required
def totp_setup(request):
    """Bind an authenticator app: show a QR code of a new secret (kept in the session until confirmed),
    then confirm with one code. A GET changes nothing stored."""
    import segno

    officer = getattr(request.user, "officer", None) if hasattr(request.user, "officer") else None
    if officer is None:
        messages.error(request, "该账号没有人员档案，不能启用动态口令。")
        return redirect("home")
    form = TotpForm(request.POST if "code" in request.POST else None)
    status = 200
    if request.method == "POST" and "code" in request.POST:
        secret = request.session.get("totp_pending_secret", "")
        if not secret:
            form.add_error(None, "请先扫描二维码。")
        elif form.is_valid():
            try:
                security.do_enable_totp(request.user, secret, form.cleaned_data["code"])
            except ServiceError as err:
                _add_service_errors(form, err)
            else:
                request.session.pop("totp_pending_secret", None)
                request.session.pop("must_setup_totp", None)
                messages.success(request, "动态口令已启用，下次登录时需要输入。")
                return redirect("home")
        status = 400
    show_qr = not officer.totp_enabled or "start" in request.POST or request.GET.get("rebind")
    qr = secret = ""
    if show_qr:
        secret = request.session.get("totp_pending_secret") if status == 400 else None
        if not secret:
            secret = security.new_totp_secret()
            request.session["totp_pending_secret"] = secret
        qr = segno.make(security.totp_uri(request.user, secret)).svg_inline(scale=4)
    ctx = {"qr": qr, "secret": secret, "form": form, "enabled": officer.totp_enabled}
    return render(request, "org/totp_setup.html", ctx, status=status)


@login_required
def security_policy(request):
    require(request, "org.manage_security_policy")
    policy = SecurityPolicy.current(cached=False)
    form = SecurityPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_update_policy(request.user, {k: form.cleaned_data[k] for k in form.changed_data})
        except ServiceError as err:
            _add_service_errors(form, err)
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
    page = paginate(request, qs.order_by("-at", "-pk"))
    return render(request, "org/login_attempts.html", {"page": page})


@login_required
def oauth_clients(request):
    """单点登录接入应用 (系统管理): the registered OAuth/OIDC clients and the form to register one."""
    from oauth2_provider.models import Application

    require(request, "oauth2_provider.view_application")
    form = OAuthClientForm(request.POST or None)
    created = secret = None
    status = 200
    if request.method == "POST":
        require(request, "oauth2_provider.add_application")
        if form.is_valid():
            try:
                created, secret = services.do_register_client(request.user, **form.cleaned_data)
            except ServiceError as err:
                _add_service_errors(form, err)
            else:
                form = OAuthClientForm()
        if form.errors:
            status = 400
    apps = Application.objects.order_by("-created")
    ctx = {"apps": apps, "form": form, "created": created, "secret": secret}
    return render(request, "org/oauth_clients.html", ctx, status=status)


@require_POST
@login_required
def oauth_client_revoke(request, pk: int):
    from django.shortcuts import get_object_or_404
    from oauth2_provider.models import Application

    require(request, "oauth2_provider.delete_application")
    app = get_object_or_404(Application, pk=pk)
    services.do_revoke_client(request.user, app)
    messages.success(request, f"已撤销接入应用“{app.name}”，其全部令牌已失效。")
    return redirect("oauth_clients")


@login_required
def login_locks(request):
    """Current login locks (security administrator), each with a button to lift it."""
    require(request, "org.manage_security_policy")
    if request.method == "POST":
        try:
            security.do_release_lock(
                request.user, username=request.POST.get("username", ""), ip=request.POST.get("ip") or None
            )
        except ServiceError as err:
            messages.error(request, err.message)
        else:
            messages.success(request, f"已解除“{request.POST.get('username') or request.POST.get('ip')}”的登录锁定。")
        return redirect("login_locks")
    locks = security.current_locks()
    return render(request, "org/login_locks.html", {"locks": locks, "policy": SecurityPolicy.current()})


@login_required
def auditor_accounts(request):
    """审计、安全管理员账号 (security administrator): who holds audit or security powers; giving them out and
    revoking them is done here, since 三员分立 keeps the system administrator from making or unmaking the
    other two administrators."""
    from django.shortcuts import get_object_or_404

    require(request, "org.manage_security_policy")
    roles = services.protected_roles()
    if request.method == "POST":
        try:
            if request.POST.get("grant"):
                officer = Officer.objects.filter(user__username=request.POST.get("username", "").strip()).first()
                role = next((r for r in roles if str(r.pk) == request.POST.get("role")), None)
                if officer is None or role is None:
                    raise ServiceError("invalid", "请填写存在的账号并选择角色。")
                services.do_grant_admin_role(request.user, officer, role)
                messages.success(request, f"已授予“{officer.name}”角色“{role.name}”。")
            else:
                officer = get_object_or_404(services.auditor_accounts(), pk=request.POST.get("officer"))
                services.do_revoke_audit_roles(request.user, officer)
                messages.success(request, f"已撤销“{officer.name}”的审计、安全管理权限。")
        except ServiceError as err:
            ctx = {"officers": services.auditor_accounts(), "roles": roles, "error": err.message}
            return render(request, "org/auditor_accounts.html", ctx, status=400)
        return redirect("auditor_accounts")
    return render(request, "org/auditor_accounts.html", {"officers": services.auditor_accounts(), "roles": roles})

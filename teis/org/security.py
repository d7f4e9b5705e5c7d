"""Login policy (等保二级 identity): lockout per account and per IP, password expiry and history,
first-login change, TOTP second factor. Used by the login page and the API token endpoint alike."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyotp
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.services import ServiceError

from .models import LoginAttempt, PasswordHistory, SecurityPolicy

User = get_user_model()


@dataclass
class LoginResult:
    user: object
    needs_totp: bool = False
    must_change_password: bool = False


def lockout_remaining(username: str, ip: str | None, policy: SecurityPolicy) -> tuple[str, int] | None:
    """(what is locked, minutes left) when the account or the IP is locked, else None.

    Locked when `max_failures` failures happened within `lockout_minutes` after the last success.
    """
    now = timezone.now()
    window_start = now - dt.timedelta(minutes=policy.lockout_minutes)
    for kind, flt in (("账号", {"username": username}), ("IP", {"ip": ip})):
        if kind == "IP" and not ip:
            continue
        recent = LoginAttempt.objects.filter(at__gte=window_start, **flt).order_by("-at")
        failures = []
        for attempt in recent.values("success", "at")[: policy.max_failures + 50]:
            if attempt["success"]:
                break
            failures.append(attempt["at"])
        if len(failures) >= policy.max_failures:
            until = failures[0] + dt.timedelta(minutes=policy.lockout_minutes)
            minutes = max(1, int((until - now).total_seconds() // 60) + 1)
            return kind, minutes
    return None


def do_login(username: str, password: str, ip: str | None, totp_code: str | None = None) -> LoginResult:
    """Check lockout, credentials and the second factor; record the attempt. Raises ServiceError."""
    policy = SecurityPolicy.current()
    username = (username or "").strip()[:150]
    locked = lockout_remaining(username, ip, policy)
    if locked:
        kind, minutes = locked
        audit.record(None, AuditAction.LOGIN_FAILED, detail={"username": username, "reason": f"{kind}已锁定"})
        raise ServiceError(
            "locked", f"{kind}因连续 {policy.max_failures} 次登录失败已被锁定，请 {minutes} 分钟后再试。"
        )
    user = authenticate(username=username, password=password)
    if user is None:
        _fail(username, ip, policy, "用户名或密码错误")
        locked = lockout_remaining(username, ip, policy)
        if locked:
            kind, minutes = locked
            raise ServiceError(
                "locked", f"{kind}因连续 {policy.max_failures} 次登录失败已被锁定，请 {minutes} 分钟后再试。"
            )
        raise ServiceError("bad_credentials", "用户名或密码错误。")
    officer = getattr(user, "officer", None) if hasattr(user, "officer") else None
    if officer is not None and (officer.totp_enabled or policy.totp_required) and officer.totp_secret:
        if not totp_code:
            return LoginResult(user=user, needs_totp=True)
        if not pyotp.TOTP(officer.totp_secret).verify(totp_code.strip(), valid_window=1):
            _fail(username, ip, policy, "动态口令错误")
            raise ServiceError("bad_totp", "动态口令错误。")
    LoginAttempt.objects.create(username=username, ip=ip, success=True)
    audit.record(user, AuditAction.LOGIN, detail={"username": username})
    return LoginResult(user=user, must_change_password=password_change_required(user, policy))


def _fail(username: str, ip: str | None, policy: SecurityPolicy, reason: str) -> None:
    with transaction.atomic():
        LoginAttempt.objects.create(username=username, ip=ip, success=False)
        audit.record(None, AuditAction.LOGIN_FAILED, detail={"username": username, "reason": reason})
        if lockout_remaining(username, ip, policy):
            audit.record(None, AuditAction.LOCKOUT, detail={"username": username, "ip": ip})


def password_change_required(user, policy: SecurityPolicy | None = None) -> bool:
    """First login (when the policy says so) or a password older than the expiry period."""
    policy = policy or SecurityPolicy.current()
    officer = getattr(user, "officer", None) if hasattr(user, "officer") else None
    if officer is None:
        return False
    if officer.must_change_password and policy.force_change_on_first_login:
        return True
    changed = officer.password_changed_at
    return bool(policy.expiry_days and changed and changed < timezone.now() - dt.timedelta(days=policy.expiry_days))


def do_change_password(user, old_password: str, new_password: str) -> None:
    """Change the password under the policy (length, classes, last N not reused)."""
    if not user.check_password(old_password):
        raise ServiceError("bad_old_password", "原密码错误。", {"old_password": ["原密码错误"]})
    if old_password == new_password:
        raise ServiceError("same_password", "新密码不能与原密码相同。", {"new_password": ["新密码不能与原密码相同"]})
    try:
        validate_password(new_password, user)
    except ValidationError as err:
        raise ServiceError("weak_password", "新密码不符合密码策略。", {"new_password": err.messages}) from err
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        PasswordHistory.objects.create(user=user, password=user.password)
        officer = getattr(user, "officer", None) if hasattr(user, "officer") else None
        if officer is not None:
            officer.must_change_password = False
            officer.password_changed_at = timezone.now()
            officer.save(update_fields=["must_change_password", "password_changed_at"])
        audit.record(user, AuditAction.PASSWORD_CHANGE)


def do_enable_totp(user) -> str:
    """Create a TOTP secret for the user and return its provisioning URI (shown as a QR code)."""
    officer = user.officer
    secret = pyotp.random_base32()
    with transaction.atomic():
        officer.totp_secret = secret
        officer.totp_enabled = False
        officer.save(update_fields=["totp_secret", "totp_enabled"])
        audit.record(user, AuditAction.UPDATE, officer, changes={"动态口令": ["", "待确认"]})
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name="TEIS")


def do_confirm_totp(user, code: str) -> None:
    officer = user.officer
    if not officer.totp_secret or not pyotp.TOTP(officer.totp_secret).verify((code or "").strip(), valid_window=1):
        raise ServiceError("bad_totp", "动态口令错误，请重新输入。", {"code": ["动态口令错误"]})
    with transaction.atomic():
        officer.totp_enabled = True
        officer.save(update_fields=["totp_enabled"])
        audit.record(user, AuditAction.UPDATE, officer, changes={"动态口令": ["未启用", "已启用"]})

"""Login policy (等保二级 identity): lockout per account and per IP, password expiry and history,
first-login change, TOTP second factor. Used by the login page and the API token endpoint alike."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
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

# How far back consecutive failures are looked for, and how many rows at most (bounds the query).
FAILURE_LOOKBACK = dt.timedelta(days=1)
FAILURE_ROWS = 200
TOTP_ISSUER = "TEIS"


@dataclass
class LoginResult:
    user: object
    needs_totp: bool = False
    must_change_password: bool = False
    must_setup_totp: bool = False


def _officer(user):
    return getattr(user, "officer", None) if hasattr(user, "officer") else None


# --- lockout -------------------------------------------------------------------------------------------


def _locked_until(failures: list[dt.datetime], policy: SecurityPolicy) -> dt.datetime | None:
    """Replay consecutive failures (oldest first): every `max_failures` of them lock for `lockout_minutes`
    from the last one; attempts made while locked do not count, and the count restarts after a lock."""
    lock = dt.timedelta(minutes=policy.lockout_minutes)
    count, until = 0, None
    for at in failures:
        if until is not None:
            if at < until:
                continue
            until = None
        count += 1
        if count >= policy.max_failures:
            until, count = at + lock, 0
    return until


def lockout_remaining(username: str, ip: str | None, policy: SecurityPolicy) -> tuple[str, int] | None:
    """(what is locked, whole minutes left, rounded up) when the account or the IP is locked, else None.

    Failures count since the last successful login of that account (or from that IP); `max_failures`
    consecutive ones lock it for `lockout_minutes` counted from the last of them.
    """
    now = timezone.now()
    for kind, flt in (("账号", {"username": username}), ("IP 地址", {"ip": ip})):
        if not next(iter(flt.values())):
            continue
        recent = LoginAttempt.objects.filter(at__gte=now - FAILURE_LOOKBACK, **flt).order_by("-at", "-pk")
        failures = []
        for attempt in recent.values("success", "at")[:FAILURE_ROWS]:
            if attempt["success"]:
                break
            failures.append(attempt["at"])
        failures.reverse()
        until = _locked_until(failures, policy)
        if until is not None and until > now:
            return kind, max(1, math.ceil((until - now).total_seconds() / 60))
    return None


def _locked_error(locked: tuple[str, int], policy: SecurityPolicy) -> ServiceError:
    kind, minutes = locked
    return ServiceError(
        "locked",
        f"该{kind}因连续 {policy.max_failures} 次登录失败已被锁定 {policy.lockout_minutes} 分钟，"
        f"请 {minutes} 分钟后再试。",
    )


def _check_not_locked(username: str, ip: str | None, policy: SecurityPolicy) -> None:
    locked = lockout_remaining(username, ip, policy)
    if locked:
        audit.record(
            None, AuditAction.LOGIN_FAILED, detail={"username": username, "reason": f"{locked[0]}已锁定", "ip": ip}
        )
        raise _locked_error(locked, policy)


def _fail(username: str, ip: str | None, policy: SecurityPolicy, reason: str) -> None:
    """Record a failed attempt; raise the lockout error when this failure locked the account or the IP."""
    with transaction.atomic():
        LoginAttempt.objects.create(username=username, ip=ip, success=False)
        audit.record(None, AuditAction.LOGIN_FAILED, detail={"username": username, "reason": reason})
        locked = lockout_remaining(username, ip, policy)
        if locked:
            audit.record(None, AuditAction.LOCKOUT, detail={"username": username, "ip": ip, "locked": locked[0]})
    if locked:
        raise _locked_error(locked, policy)


def _succeed(user, ip: str | None, policy: SecurityPolicy, **detail) -> LoginResult:
    with transaction.atomic():
        LoginAttempt.objects.create(username=user.username, ip=ip, success=True)
        audit.record(user, AuditAction.LOGIN, detail={"username": user.username, **detail})
    officer = _officer(user)
    return LoginResult(
        user=user,
        must_change_password=password_change_required(user, policy),
        must_setup_totp=bool(policy.totp_required and officer is not None and not officer.totp_enabled),
    )


# --- login ---------------------------------------------------------------------------------------------


def totp_needed(user, policy: SecurityPolicy) -> bool:
    """The second factor is asked when the officer enabled it (a confirmed secret)."""
    officer = _officer(user)
    return bool(officer is not None and officer.totp_enabled and officer.totp_secret)


def verify_totp(secret: str, code: str | None) -> bool:
    code = (code or "").strip().replace(" ", "")
    return bool(secret and code.isdigit() and pyotp.TOTP(secret).verify(code, valid_window=1))


def do_login(
    username: str,
    password: str,
    ip: str | None,
    totp_code: str | None = None,
    *,
    before_success: Callable[[object], None] | None = None,
) -> LoginResult:
    """Check lockout, credentials and (when given) the second factor; record the attempt.

    Returns `needs_totp` without recording success when the officer has TOTP on and no code was given.
    `before_success(user)` may refuse the login (e.g. device binding) by raising ServiceError; it runs after
    the credentials are verified and before the success is recorded. Raises ServiceError.
    """
    policy = SecurityPolicy.current()
    username = (username or "").strip()[:150]
    _check_not_locked(username, ip, policy)
    user = authenticate(username=username, password=password)
    if user is None:
        _fail(username, ip, policy, "用户名或密码错误")
        raise ServiceError("bad_credentials", "用户名或密码错误。")
    if totp_needed(user, policy):
        if not totp_code:
            return LoginResult(user=user, needs_totp=True)
        if not verify_totp(_officer(user).totp_secret, totp_code):
            _fail(username, ip, policy, "动态口令错误")
            raise ServiceError("bad_totp", "动态口令错误。", {"totp": ["动态口令错误"]})
    if before_success is not None:
        before_success(user)
    return _succeed(user, ip, policy)


def do_login_second_factor(user, code: str, ip: str | None) -> LoginResult:
    """Second step of the page login: the password was right, now the TOTP code. Same lockout rules."""
    policy = SecurityPolicy.current()
    _check_not_locked(user.username, ip, policy)
    officer = _officer(user)
    if officer is None or not verify_totp(officer.totp_secret, code):
        _fail(user.username, ip, policy, "动态口令错误")
        raise ServiceError("bad_totp", "动态口令错误。", {"code": ["动态口令错误"]})
    return _succeed(user, ip, policy, second_factor="totp")


# --- passwords -----------------------------------------------------------------------------------------


def password_change_required(user, policy: SecurityPolicy | None = None) -> bool:
    """First login (when the policy says so) or a password older than the expiry period."""
    policy = policy or SecurityPolicy.current()
    officer = _officer(user)
    if officer is None:
        return False
    if officer.must_change_password and policy.force_change_on_first_login:
        return True
    changed = officer.password_changed_at
    return bool(policy.expiry_days and changed and changed < timezone.now() - dt.timedelta(days=policy.expiry_days))


def check_password_policy(user, password: str, field: str = "new_password") -> None:
    """Length, character classes and history (the validators of AUTH_PASSWORD_VALIDATORS)."""
    try:
        validate_password(password, user)
    except ValidationError as err:
        raise ServiceError("weak_password", "密码不符合密码策略：" + "".join(err.messages), {field: err.messages})


def do_change_password(user, old_password: str, new_password: str) -> None:
    """Change the password under the policy (length, classes, last N not reused). One transaction; audited."""
    if not user.check_password(old_password):
        raise ServiceError("bad_old_password", "原密码错误。", {"old_password": ["原密码错误"]})
    if old_password == new_password:
        raise ServiceError("same_password", "新密码不能与原密码相同。", {"new_password": ["新密码不能与原密码相同"]})
    check_password_policy(user, new_password)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        PasswordHistory.objects.create(user=user, password=user.password)
        officer = _officer(user)
        if officer is not None:
            officer.must_change_password = False
            officer.password_changed_at = timezone.now()
            officer.save(update_fields=["must_change_password", "password_changed_at"])
        audit.record(user, AuditAction.PASSWORD_CHANGE)


# --- second factor -------------------------------------------------------------------------------------


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user, secret: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=TOTP_ISSUER)


def do_enable_totp(user, secret: str, code: str) -> None:
    """Bind the authenticator: store `secret` (SM4 at rest) once the user proved it with one code.

    Nothing is stored before the code is confirmed, so showing the setup page changes nothing.
    """
    officer = _officer(user)
    if officer is None:
        raise ServiceError("no_officer", "该账号没有人员档案，不能启用动态口令。")
    if not verify_totp(secret, code):
        raise ServiceError("bad_totp", "动态口令错误，请重新输入。", {"code": ["动态口令错误"]})
    with transaction.atomic():
        was_enabled = officer.totp_enabled
        officer.totp_secret = secret
        officer.totp_enabled = True
        officer.save(update_fields=["totp_secret", "totp_enabled"])
        audit.record(
            user, AuditAction.UPDATE, officer, changes={"动态口令": ["已启用" if was_enabled else "未启用", "已启用"]}
        )


def do_disable_totp(actor, officer) -> None:
    """Switch the second factor off (the officer lost the phone); refused when the policy requires it."""
    if SecurityPolicy.current().totp_required:
        raise ServiceError("totp_required", "安全策略要求启用动态口令，不能关闭。")
    with transaction.atomic():
        officer.totp_secret = ""
        officer.totp_enabled = False
        officer.save(update_fields=["totp_secret", "totp_enabled"])
        audit.record(actor, AuditAction.UPDATE, officer, changes={"动态口令": ["已启用", "未启用"]})

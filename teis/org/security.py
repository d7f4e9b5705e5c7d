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
from django.db.models import Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction, AuditCategory
from teis.core.services import ServiceError

from .models import LoginAttempt, PasswordHistory, SecurityPolicy

User = get_user_model()

# How far back consecutive failures are looked for, and how many rows at most (bounds the query).
FAILURE_LOOKBACK = dt.timedelta(days=1)
FAILURE_ROWS = 200
TOTP_ISSUER = "TEIS"
# A token's last use is rewritten at most this often (like the session's last activity).
TOKEN_ACTIVITY_RESOLUTION_SECONDS = 15


@dataclass
class LoginResult:
    user: object
    needs_totp: bool = False
    must_change_password: bool = False
    must_setup_totp: bool = False


def _officer(user):
    return getattr(user, "officer", None) if hasattr(user, "officer") else None


# --- lockout -------------------------------------------------------------------------------------------
# Three counters, so that one person's typos never lock out an office behind one address:
# - account at an address: `max_failures` consecutive failures of that account from that address lock
#   that account from that address (what a user who forgot the password meets);
# - account: ACCOUNT_LOCK_FACTOR × `max_failures` consecutive failures from any addresses lock the account
#   everywhere (guessing one password from many addresses);
# - address: failures for SPRAY_ACCOUNTS different accounts within `lockout_minutes` throttle the address
#   for everyone (password spraying).
# Every lock lasts `lockout_minutes` from the failure that set it; the security administrator may lift it.

ACCOUNT_LOCK_FACTOR = 2
SPRAY_ACCOUNTS = 10

PAIR, ACCOUNT, ADDRESS = "pair", "account", "address"
LOCK_KIND_LABELS = {PAIR: "账号（本地址）", ACCOUNT: "账号", ADDRESS: "IP 地址"}


@dataclass
class Lock:
    kind: str
    username: str
    ip: str | None
    until: dt.datetime
    failures: int

    @property
    def kind_label(self) -> str:
        return LOCK_KIND_LABELS[self.kind]

    @property
    def minutes_left(self) -> int:
        return max(1, math.ceil((self.until - timezone.now()).total_seconds() / 60))


def _locked_until(failures: list[dt.datetime], threshold: int, policy: SecurityPolicy) -> dt.datetime | None:
    """Replay consecutive failures (oldest first): every `threshold` of them lock for `lockout_minutes`
    from the last one; attempts made while locked do not count, and the count restarts after a lock."""
    lock = dt.timedelta(minutes=policy.lockout_minutes)
    count, until = 0, None
    for at in failures:
        if until is not None:
            if at < until:
                continue
            until = None
        count += 1
        if count >= threshold:
            until, count = at + lock, 0
    return until


def _released_at(username: str = "", ip: str | None = None) -> dt.datetime | None:
    """When the security administrator last lifted the locks of this account (or of this address)."""
    from .models import LockRelease

    qs = LockRelease.objects.filter(username=username) if username else LockRelease.objects.filter(ip=ip)
    return qs.order_by("-released_at").values_list("released_at", flat=True).first()


def _released_at_query(username: str) -> Subquery:
    """`_released_at(username=…)` as a subquery, read in the same query as the failures."""
    from .models import LockRelease

    releases = LockRelease.objects.filter(username=username).order_by("-released_at").values("released_at")
    return Subquery(releases[:1])


def _consecutive_failures(since, **flt) -> list[dt.datetime]:
    """Failures (oldest first) since the last success matching `flt`, the lookback and `since` (a time, or a
    subquery giving one: the release read in the same query)."""
    now = timezone.now()
    recent = LoginAttempt.objects.filter(at__gte=now - FAILURE_LOOKBACK, **flt)
    if isinstance(since, Subquery):
        recent = recent.filter(at__gt=Coalesce(since, Value(now - FAILURE_LOOKBACK - dt.timedelta(seconds=1))))
    elif since is not None:
        recent = recent.filter(at__gt=since)
    failures = []
    for attempt in recent.order_by("-at", "-pk").values("success", "at")[:FAILURE_ROWS]:
        if attempt["success"]:
            break
        failures.append(attempt["at"])
    failures.reverse()
    return failures


def _lock(kind, username, ip, failures, threshold, policy) -> Lock | None:
    until = _locked_until(failures, threshold, policy)
    if until is not None and until > timezone.now():
        return Lock(kind, username, ip, until, threshold)
    return None


def pair_lock(username: str, ip: str | None, policy: SecurityPolicy) -> Lock | None:
    ip_filter = {"ip": ip} if ip else {"ip__isnull": True}
    failures = _consecutive_failures(_released_at_query(username), username=username, **ip_filter)
    return _lock(PAIR, username, ip, failures, policy.max_failures, policy)


def account_lock(username: str, policy: SecurityPolicy) -> Lock | None:
    failures = _consecutive_failures(_released_at_query(username), username=username)
    return _lock(ACCOUNT, username, None, failures, policy.max_failures * ACCOUNT_LOCK_FACTOR, policy)


def address_lock(ip: str | None, policy: SecurityPolicy) -> Lock | None:
    """Password spraying: failures from `ip` for SPRAY_ACCOUNTS different accounts within the lock period
    throttle the address until the period has passed since the SPRAY_ACCOUNTS-th most recent of them."""
    if not ip:
        return None
    now = timezone.now()
    window = dt.timedelta(minutes=policy.lockout_minutes)
    qs = LoginAttempt.objects.filter(ip=ip, success=False, at__gte=now - window)
    released = _released_at(ip=ip)
    if released is not None:
        qs = qs.filter(at__gt=released)
    latest: dict[str, dt.datetime] = {}
    for name, at in qs.order_by("-at").values_list("username", "at")[: FAILURE_ROWS * 5]:
        latest.setdefault(name, at)
    if len(latest) < SPRAY_ACCOUNTS:
        return None
    until = sorted(latest.values(), reverse=True)[SPRAY_ACCOUNTS - 1] + window
    return Lock(ADDRESS, "", ip, until, SPRAY_ACCOUNTS) if until > now else None


def current_lock(username: str, ip: str | None, policy: SecurityPolicy) -> Lock | None:
    return account_lock(username, policy) or pair_lock(username, ip, policy) or address_lock(ip, policy)


def lockout_remaining(username: str, ip: str | None, policy: SecurityPolicy) -> tuple[str, int] | None:
    """(what is locked, whole minutes left, rounded up) when a login of `username` from `ip` is locked."""
    lock = current_lock(username, ip, policy)
    return (lock.kind_label, lock.minutes_left) if lock else None


def current_locks(policy: SecurityPolicy | None = None) -> list[Lock]:
    """Every lock in force now (for the security administrator's page), newest first."""
    policy = policy or SecurityPolicy.current()
    since = timezone.now() - dt.timedelta(minutes=policy.lockout_minutes)
    recent = LoginAttempt.objects.filter(success=False, at__gte=since)
    pairs = recent.values_list("username", "ip").distinct()[:FAILURE_ROWS]
    locks: list[Lock] = []
    seen_accounts = set()
    for username, ip in pairs:
        if username not in seen_accounts:
            seen_accounts.add(username)
            lock = account_lock(username, policy)
            if lock:
                locks.append(lock)
                continue
        if username not in {lk.username for lk in locks if lk.kind == ACCOUNT}:
            lock = pair_lock(username, ip, policy)
            if lock:
                locks.append(lock)
    for ip in recent.exclude(ip=None).values_list("ip", flat=True).distinct()[:FAILURE_ROWS]:
        lock = address_lock(ip, policy)
        if lock:
            locks.append(lock)
    return sorted(locks, key=lambda lk: lk.until, reverse=True)


def do_release_lock(actor, *, username: str = "", ip: str | None = None) -> None:
    """Lift the locks of an account (at every address) or of an address (security administrator)."""
    from .models import LockRelease

    if not actor.has_perm("org.manage_security_policy"):
        raise ServiceError("forbidden", "只有安全管理员可以解除锁定。")
    username = (username or "").strip()[:150]
    if bool(username) == bool(ip):
        raise ServiceError("invalid", "请指定要解锁的账号或 IP 地址。")
    with transaction.atomic():
        LockRelease.objects.create(username=username, ip=ip or None, released_by=actor)
        audit.record(
            actor,
            AuditAction.UPDATE,
            object_type="org.loginlock",
            object_repr=f"登录锁定：{username or ip}",
            detail={"unlocked": username or ip, "kind": "账号" if username else "IP 地址"},
            category=AuditCategory.SECURITY,
        )


def _locked_error(lock: Lock, policy: SecurityPolicy) -> ServiceError:
    minutes = lock.minutes_left
    if lock.kind == ADDRESS:
        message = (
            f"本地址短时间内有 {SPRAY_ACCOUNTS} 个以上账号登录失败，已暂停登录 {policy.lockout_minutes} 分钟，"
            f"请 {minutes} 分钟后再试，或联系安全管理员解除。"
        )
    else:
        where = "在本地址" if lock.kind == PAIR else ""
        message = (
            f"该账号{where}因连续 {lock.failures} 次登录失败已被锁定 {policy.lockout_minutes} 分钟，"
            f"请 {minutes} 分钟后再试，或联系安全管理员解除锁定。"
        )
    return ServiceError("locked", message)


def _check_not_locked(username: str, ip: str | None, policy: SecurityPolicy) -> None:
    lock = current_lock(username, ip, policy)
    if lock:
        audit.record(
            None,
            AuditAction.LOGIN_FAILED,
            detail={"username": username, "reason": f"{lock.kind_label}已锁定", "ip": ip},
        )
        raise _locked_error(lock, policy)


def _fail(username: str, ip: str | None, policy: SecurityPolicy, reason: str) -> None:
    """Record a failed attempt; raise the lockout error when this failure set a lock."""
    with transaction.atomic():
        LoginAttempt.objects.create(username=username, ip=ip, success=False)
        audit.record(None, AuditAction.LOGIN_FAILED, detail={"username": username, "reason": reason})
        lock = current_lock(username, ip, policy)
        if lock:
            audit.record(None, AuditAction.LOCKOUT, detail={"username": username, "ip": ip, "locked": lock.kind_label})
    if lock:
        raise _locked_error(lock, policy)


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


# --- tokens (API bearer tokens and OAuth/OIDC tokens) -------------------------------------------------


def check_token_user(user, policy: SecurityPolicy | None = None) -> None:
    """The login page's rules for a user who holds, or is about to get, a token: an active officer whose
    account is not locked, who need not change the password and has the second factor the policy requires.
    Raises ServiceError (Chinese message)."""
    from .choices import OfficerStatus

    policy = policy or SecurityPolicy.current()
    officer = _officer(user) if user is not None else None
    if user is None or not user.is_active or (officer is not None and officer.status == OfficerStatus.DISABLED):
        raise ServiceError("account_disabled", "账号已停用。")
    if officer is None:
        raise ServiceError("no_officer", "该账号没有人员档案，不能使用令牌。")
    locked = account_lock(user.username, policy)
    if locked:
        raise _locked_error(locked, policy)
    if password_change_required(user, policy):
        raise ServiceError("password_change_required", "首次登录或密码已过期，请先修改密码。")
    if policy.totp_required and not officer.totp_enabled:
        raise ServiceError("totp_setup_required", "安全策略要求启用动态口令，请先在网页端完成绑定。")


def api_token_lifetime() -> dt.timedelta:
    """How long an API bearer token lives after login (TEIS_API_TOKEN_HOURS, default a working day)."""
    from django.conf import settings

    return dt.timedelta(hours=settings.TEIS_API_TOKEN_HOURS)


def issue_api_token(user):
    """A new bearer token for `user` after a successful login; the previous one is revoked."""
    from rest_framework.authtoken.models import Token

    from .models import ApiTokenUse

    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        token = Token.objects.create(user=user)
        ApiTokenUse.objects.create(token=token, last_used_at=token.created)
    return token


def revoke_tokens(user, *, oauth: bool = True) -> None:
    """End every token of `user`: the API bearer token and (with `oauth`) the OAuth/OIDC tokens."""
    from oauth2_provider.models import AccessToken, RefreshToken
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=user).delete()
    if oauth:
        RefreshToken.objects.filter(user=user, revoked__isnull=True).update(revoked=timezone.now())
        AccessToken.objects.filter(user=user).delete()


def check_api_token(token) -> None:
    """A bearer token is good for `api_token_lifetime()` after login and while used within the idle timeout,
    for a user the login page would let in; an expired or idle token is deleted. Raises ServiceError."""
    from .models import ApiTokenUse

    policy = SecurityPolicy.current()
    now = timezone.now()
    try:
        use = token.use  # read with the token by the authentication
    except ApiTokenUse.DoesNotExist:
        use = None
    last = use.last_used_at if use else token.created
    if token.created + api_token_lifetime() < now:
        token.delete()
        raise ServiceError("token_expired", "登录已过期，请重新登录。")
    if now - last > dt.timedelta(minutes=policy.idle_timeout_minutes):
        token.delete()
        raise ServiceError("token_idle", f"超过 {policy.idle_timeout_minutes} 分钟未操作，已自动退出，请重新登录。")
    check_token_user(token.user, policy)
    if now - last >= dt.timedelta(seconds=TOKEN_ACTIVITY_RESOLUTION_SECONDS):
        ApiTokenUse.objects.update_or_create(token=token, defaults={"last_used_at": now})


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
        revoke_tokens(user)  # tokens issued under the old password end with it
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

"""Organisation and unified users: units, officers, roles, devices and the security policy."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import models
from django.utils import timezone

from teis.core.fields import EncryptedCharField
from teis.core.models import DataScope, ScopedModel

from .choices import AdminKind, OfficerStatus, UnitType

BUSINESS_LINE_DICT = "business_line"


def business_line_choices():
    return {"dict_type__code": BUSINESS_LINE_DICT, "is_active": True}


class Unit(ScopedModel):
    """A node of the organisation tree. `path` is a materialised path ("0001.0004.") for subtree queries
    that work the same on SQLite and PostgreSQL."""

    scope_unit_field = ""  # the unit itself
    scope_owner_field = None

    name = models.CharField("单位名称", max_length=100)
    short_name = models.CharField("简称", max_length=50, blank=True)
    unit_type = models.CharField("单位类型", max_length=20, choices=UnitType.choices)
    subject_code = models.CharField(
        "执法主体编码", max_length=30, blank=True, db_index=True, help_text="用于统一案件编码"
    )
    region_code = models.CharField("行政区划代码", max_length=6, blank=True, help_text="GB/T 2260")
    business_lines = models.ManyToManyField(
        "core.DictionaryItem", verbose_name="业务条线", blank=True, limit_choices_to=business_line_choices
    )
    jurisdiction = models.JSONField("辖区范围", null=True, blank=True, help_text="GeoJSON 多边形")
    parent = models.ForeignKey(
        "self", verbose_name="上级单位", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)
    path = models.CharField("路径", max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField("层级", default=0, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "单位"
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_enforcement_subject(self) -> bool:
        return bool(self.subject_code)


class UnitMove(models.Model):
    """History of a unit's place in the tree (moving a unit keeps its history)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="moves")
    old_parent = models.ForeignKey(Unit, null=True, on_delete=models.SET_NULL, related_name="+")
    new_parent = models.ForeignKey(Unit, null=True, on_delete=models.SET_NULL, related_name="+")
    old_path_names = models.CharField("原隶属", max_length=500)
    moved_at = models.DateTimeField("调整时间", default=timezone.now)
    moved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "单位调整记录"
        ordering = ["-moved_at"]


class Role(ScopedModel):
    scope_unit_field = None
    scope_owner_field = None

    code = models.SlugField("角色编码", max_length=50, unique=True)
    name = models.CharField("角色名称", max_length=50, unique=True)
    description = models.CharField("说明", max_length=300, blank=True)
    data_scope = models.CharField("数据权限", max_length=10, choices=DataScope.choices, default=DataScope.UNIT)
    admin_kind = models.CharField(
        "三员类别", max_length=10, choices=AdminKind.choices, default=AdminKind.NONE, blank=True
    )
    permissions = models.ManyToManyField(Permission, verbose_name="权限", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "角色"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Officer(ScopedModel):
    """执法人员: the profile over Django's user. Personal data is SM4-encrypted with a blind index."""

    scope_unit_field = "unit"
    scope_owner_field = "user"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="officer")
    name = models.CharField("姓名", max_length=50)
    badge_number = models.CharField("警号/工号", max_length=30, blank=True)
    certificate_number = models.CharField("执法证号", max_length=30, blank=True, db_index=True)
    certificate_valid_until = models.DateField("执法证有效期至", null=True, blank=True)
    id_number = EncryptedCharField("身份证号", index_field="id_number_index", max_plain_length=18)
    id_number_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone = EncryptedCharField("手机号", index_field="phone_index", max_plain_length=11)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    unit = models.ForeignKey(Unit, verbose_name="所属单位", on_delete=models.PROTECT, related_name="officers")
    position = models.CharField("职务", max_length=50, blank=True)
    business_lines = models.ManyToManyField(
        "core.DictionaryItem",
        verbose_name="业务条线",
        blank=True,
        limit_choices_to=business_line_choices,
        related_name="+",
    )
    roles = models.ManyToManyField(Role, verbose_name="角色", blank=True, related_name="officers")
    status = models.CharField("状态", max_length=10, choices=OfficerStatus.choices, default=OfficerStatus.ACTIVE)
    must_change_password = models.BooleanField("首次登录须修改密码", default=True)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)
    totp_secret = EncryptedCharField("动态口令密钥", max_plain_length=64)
    totp_enabled = models.BooleanField("启用动态口令", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "执法人员"
        ordering = ["unit__path", "name"]
        permissions = [("reveal_personal_data", "查看未脱敏个人信息")]

    def __str__(self) -> str:
        return self.name

    @property
    def certificate_valid(self) -> bool:
        return bool(self.certificate_number) and (
            self.certificate_valid_until is None or self.certificate_valid_until >= timezone.localdate()
        )


class PasswordHistory(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]


class LoginAttempt(models.Model):
    """Every login attempt; lockouts are counted from recent failures per account and per IP."""

    username = models.CharField("账号", max_length=150, db_index=True)
    ip = models.GenericIPAddressField("IP", null=True, db_index=True)
    success = models.BooleanField("成功")
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "登录记录"
        ordering = ["-at"]


class LockRelease(models.Model):
    """The security administrator lifted the login locks of an account (all addresses) or of an address:
    failures before `released_at` no longer count for it."""

    username = models.CharField("账号", max_length=150, blank=True, db_index=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True, db_index=True)
    released_at = models.DateTimeField("解除时间", default=timezone.now)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="解除人", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "解除锁定记录"
        ordering = ["-released_at"]


class ApiTokenUse(models.Model):
    """When an API bearer token was last used, for the idle timeout (the token itself is DRF's)."""

    token = models.OneToOneField(
        "authtoken.Token", on_delete=models.CASCADE, primary_key=True, related_name="use", db_constraint=True
    )
    last_used_at = models.DateTimeField("最近使用时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "接口令牌使用记录"


POLICY_CACHE_KEY = "teis:org:security_policy"
POLICY_CACHE_SECONDS = 30


class SecurityPolicy(models.Model):
    """The single login policy row, edited by the security administrator."""

    min_length = models.PositiveSmallIntegerField("密码最小长度", default=8)
    min_classes = models.PositiveSmallIntegerField("最少字符类别数", default=3, help_text="大写、小写、数字、符号")
    expiry_days = models.PositiveSmallIntegerField("密码有效期（天）", default=90)
    history_count = models.PositiveSmallIntegerField("不得重复最近密码个数", default=5)
    max_failures = models.PositiveSmallIntegerField("连续失败锁定次数", default=5)
    lockout_minutes = models.PositiveSmallIntegerField("锁定时长（分钟）", default=30)
    idle_timeout_minutes = models.PositiveSmallIntegerField("空闲超时（分钟）", default=30)
    force_change_on_first_login = models.BooleanField("首次登录强制修改密码", default=True)
    totp_required = models.BooleanField("强制动态口令", default=False)
    device_binding_enabled = models.BooleanField("移动端设备绑定校验", default=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "安全策略"
        permissions = [("manage_security_policy", "管理安全策略")]

    def __str__(self) -> str:
        return "安全策略"

    @classmethod
    def current(cls, *, cached: bool = True) -> SecurityPolicy:
        """The policy row. Read on every request (middleware), so it is kept in the shared cache for
        `POLICY_CACHE_SECONDS`; `do_update_policy` invalidates it. `cached=False` reads the database."""
        from django.core.cache import cache

        if cached:
            policy = cache.get(POLICY_CACHE_KEY)
            if isinstance(policy, cls):
                return policy
        policy = cls.objects.order_by("pk").first() or cls.objects.create()
        cache.set(POLICY_CACHE_KEY, policy, POLICY_CACHE_SECONDS)
        return policy

    @classmethod
    def invalidate_cache(cls) -> None:
        from django.core.cache import cache

        cache.delete(POLICY_CACHE_KEY)


class MobileDevice(ScopedModel):
    """A registered mobile terminal (spec §2.3.5.1); with binding on, API logins must come from one."""

    scope_unit_field = "owner__unit"
    scope_owner_field = "owner__user"

    owner = models.ForeignKey(Officer, verbose_name="机主", on_delete=models.PROTECT, related_name="devices")
    phone_number = models.CharField("手机号码", max_length=11)
    device_id = models.CharField("设备号(ESN/IMEI)", max_length=64, unique=True)
    imsi = models.CharField("IMSI", max_length=20, blank=True)
    model_name = models.CharField("手机型号", max_length=60, blank=True)
    resolution = models.CharField("屏幕分辨率", max_length=20, blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "移动设备"
        ordering = ["owner__name"]

    def __str__(self) -> str:
        return f"{self.owner} {self.model_name} {self.device_id}"

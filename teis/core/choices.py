"""Choices core's own code names: the audit vocabulary (every audited call site says one of these) and the 三员
kinds. They live here, below the platform apps, so that core can speak of them without importing `teis.audit` or
`teis.org` (ARCHITECTURE.md, Layout: core → platform apps → domain apps); those apps re-export them."""

from django.db import models


class AuditCategory(models.TextChoices):
    DATA = "data", "数据操作"
    SECURITY = "security", "安全事件"
    SYSTEM = "system", "系统"


class AuditAction(models.TextChoices):
    CREATE = "create", "新增"
    UPDATE = "update", "修改"
    DELETE = "delete", "删除"
    VIEW = "view", "查看"
    LOGIN = "login", "登录成功"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOCKOUT = "lockout", "账号锁定"
    LOGOUT = "logout", "退出登录"
    PASSWORD_CHANGE = "password_change", "修改密码"
    EXPORT = "export", "导出"
    PERMISSION_DENIED = "permission_denied", "越权访问"
    REVEAL = "reveal", "查看敏感信息"
    ROLE_CHANGE = "role_change", "角色权限变更"
    POLICY_CHANGE = "policy_change", "安全策略变更"
    DEVICE_REFUSED = "device_refused", "设备校验失败"
    ARCHIVE = "archive", "审计归档"
    ALERT = "alert", "异常告警"


class AdminKind(models.TextChoices):
    """三员分立: no account may hold two of these."""

    NONE = "", "普通角色"
    SYSTEM = "system", "系统管理员"
    SECURITY = "security", "安全管理员"
    AUDIT = "audit", "审计管理员"

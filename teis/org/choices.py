from django.db import models

from teis.core.choices import AdminKind  # noqa: F401 (三员: defined in core, which checks it without importing org)


class UnitType(models.TextChoices):
    COMMISSION = "commission", "委机关"
    CORPS = "corps", "执法总队"
    DETACHMENT = "detachment", "支队"
    DIRECT_BRIGADE = "direct_brigade", "直属大队"
    DEPARTMENT = "department", "机关科室"
    BRIGADE = "brigade", "大队"
    SQUAD = "squad", "中队"
    DISTRICT_BRIGADE = "district_brigade", "区执法大队"


class OfficerStatus(models.TextChoices):
    ACTIVE = "active", "在岗"
    LEAVE = "leave", "离岗"
    DISABLED = "disabled", "停用"

"""自定义查询: saved case queries."""

from __future__ import annotations

from django.db import models

from teis.core.models import ScopedModel


class SavedQuery(ScopedModel):
    """自定义查询: fields, operators and values a user saved, optionally shared."""

    scope_unit_field = None
    scope_owner_field = "created_by"

    name = models.CharField("查询名称", max_length=100)
    definition = models.JSONField("查询条件", help_text='[{"field": …, "op": …, "value": …}]')
    columns = models.JSONField("显示列", default=list, blank=True)
    shared = models.BooleanField("共享", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "自定义查询"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

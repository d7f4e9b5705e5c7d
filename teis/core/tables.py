"""Core's own registered models: dictionaries, the working-day calendar, todo items."""

from typing import Any

import django_filters
from django.urls import reverse

from teis.core.registry import MenuEntry, ModelConfig, registry

from .dictionaries import dictionary_service
from .filters import ScopedFilterSet
from .holidays import calendar_service
from .models import CalendarDay, DictionaryItem, DictionaryType, HolidayNotice


class DictionaryItemFilterSet(ScopedFilterSet):
    code = django_filters.CharFilter(label="编码", lookup_expr="icontains")
    label = django_filters.CharFilter(label="名称", lookup_expr="icontains")

    class Meta:
        model = DictionaryItem
        fields = ["dict_type", "code", "label", "is_active"]


@registry.register
class DictionaryTypeConfig(ModelConfig):
    model = DictionaryType
    service = dictionary_service
    form_fields = ["code", "name", "description"]
    list_columns = ["code", "name", "description", "is_system"]
    menu_label = "字典类型"

    @classmethod
    def detail_actions(cls, obj: Any, user: Any) -> list[tuple[str, str, str]]:
        actions = []
        if user.has_perm("core.view_dictionaryitem"):
            url = reverse("core:dictionary_export", args=[obj.code])
            actions.append(("导出字典项", url, "bi-file-earmark-excel"))
        if user.has_perm("core.change_dictionaryitem"):
            url = reverse("core:dictionary_import", args=[obj.code])
            actions.append(("导入字典项", url, "bi-upload"))
        return actions

    menu_group = "系统管理"
    menu_icon = "bi-journal-text"
    menu_order = 40


@registry.register
class DictionaryItemConfig(ModelConfig):
    model = DictionaryItem
    filterset = DictionaryItemFilterSet
    service = dictionary_service
    form_fields = ["dict_type", "code", "label", "parent", "order", "is_active", "remark"]
    list_columns = ["dict_type", "code", "label", "parent", "order", "is_active"]
    menu_label = "数据字典"
    menu_group = "系统管理"
    menu_icon = "bi-list-ul"
    menu_order = 41


class CalendarDayFilterSet(ScopedFilterSet):
    date = django_filters.DateFromToRangeFilter(label="日期")

    class Meta:
        model = CalendarDay
        fields = ["date", "kind", "name"]


@registry.register
class CalendarDayConfig(ModelConfig):
    """The days of the working-day calendar; the menu entry is the year view `core:calendar`, which links here."""

    model = CalendarDay
    filterset = CalendarDayFilterSet
    service = calendar_service
    form_fields = ["date", "kind", "name", "source"]
    list_columns = ["date", "kind", "name", "source"]
    ordering = ["-date"]


@registry.register
class HolidayNoticeConfig(ModelConfig):
    """The years whose State Council notice is entered (normally by the import on the calendar page)."""

    model = HolidayNotice
    service = calendar_service
    form_fields = ["year", "title", "document_number", "remark"]
    list_columns = ["year", "title", "document_number", "remark"]


registry.add_menu(MenuEntry("节假日安排", "core:calendar", "core.view_calendarday", "系统管理", "bi-calendar3", 42))
registry.add_menu(MenuEntry("我的待办", "core:todo_list", None, "工作台", "bi-check2-square", 10))
registry.add_menu(MenuEntry("我的通知", "core:notification_list", None, "工作台", "bi-bell", 20))
registry.add_menu(MenuEntry("定时任务", "core:jobs", "core.view_jobrun", "运维管理", "bi-clock-history", 10))

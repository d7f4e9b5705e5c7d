"""The unified resource registry (统一资源管理): each app declares its models and menu entries here.

An app's `apps.py` imports its `registrations` (or declares configs at import time); from a `ModelConfig`
core derives the list / detail / edit / delete / export pages, the API viewset, the URL patterns and the
menu entry. The left menu is built from the registry and shows only what the user may open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Prefetch


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url_name: str
    permission: str | None
    group: str
    icon: str = "bi-circle"
    order: int = 100
    # A callable(user) -> bool for entries that need more than one permission (e.g. 三员 pages).
    visible: Callable[[Any], bool] | None = None

    def allowed(self, user) -> bool:
        if not user.is_authenticated:
            return False
        if self.visible is not None:
            return bool(self.visible(user))
        return self.permission is None or user.has_perm(self.permission)


MENU_GROUPS = [
    ("工作台", "bi-house"),
    ("案件办理", "bi-folder2-open"),
    ("证据中心", "bi-camera-video"),
    ("指挥调度", "bi-broadcast"),
    ("水上执法", "bi-water"),
    ("双随机", "bi-shuffle"),
    ("投诉信访", "bi-chat-left-text"),
    ("法律法规", "bi-book"),
    ("组织人员", "bi-diagram-3"),
    ("系统管理", "bi-gear"),
    ("安全管理", "bi-shield-lock"),
    ("审计管理", "bi-journal-check"),
    ("运维管理", "bi-activity"),
]


class ModelConfig:
    """How core presents one model. Subclass and set what differs; `registry.register` the subclass.

    - `list_columns`: field names (or `field__sub`) shown in the list and the Excel export.
    - `masked_fields`: {field: mask function}; masked unless the user holds `reveal_permission`.
    - `service`: an object with `do_create(actor, data)`, `do_update(actor, obj, data)` and
      `do_delete(actor, obj)`; defaults to core's audited generic service.
    """

    model: type[models.Model]
    filterset: Any = None
    form: Any = None
    create_form: Any = None  # a different form for "add" (e.g. with the login account)
    service_extra_fields: list[str] = []  # non-model form fields passed on to the service
    form_fields: list[str] | str = "__all__"
    serializer: Any = None
    list_columns: list[str] = []
    detail_fields: list[str] | None = None
    ordering: list[str] | None = None
    sortable: list[str] | None = None
    masked_fields: dict[str, Callable[[str], str]] = {}
    reveal_permission = "org.reveal_personal_data"
    export_permission: str | None = None  # needed on top of "view" to export, where set
    service: Any = None
    menu_label: str | None = None
    menu_group: str = "系统管理"
    menu_icon: str = "bi-list"
    menu_order: int = 100
    api: bool = True
    api_read_only: bool = False
    api_exclude: list[str] = []
    ui_read_only: bool = False
    api_basename: str | None = None

    # derived in `Registry.register`
    app_label: str = ""
    model_name: str = ""

    @classmethod
    def detail_actions(cls, obj, user) -> list[tuple[str, str, str]]:
        """Extra buttons on the detail page: (label, url, icon). Apps override to add their own."""
        return []

    @classmethod
    def verbose_name(cls) -> str:
        return str(cls.model._meta.verbose_name)

    @classmethod
    def perm(cls, action: str) -> str:
        return f"{cls.app_label}.{action}_{cls.model_name}"

    @classmethod
    def url_name(cls, view: str) -> str:
        return f"{cls.app_label}:{cls.model_name}_{view}"

    @classmethod
    def queryset_for(cls, user):
        qs = cls.model.objects.for_user(user)
        related, prefetch = cls.related_paths()
        if related:
            qs = qs.select_related(*related)
        if prefetch:
            qs = qs.prefetch_related(*prefetch)
        return qs

    @classmethod
    def api_queryset_for(cls, user):
        """The API's queryset: the serializer shows related objects by id, so foreign keys need no join and
        many-to-many relations are prefetched as bare ids; excluded columns are not even loaded (an
        encrypted column costs a decryption per row)."""
        qs = cls.model.objects.for_user(user)
        excluded = set(cls.api_exclude)
        prefetch = [
            Prefetch(f.name, queryset=f.related_model._base_manager.only("pk"))
            for f in cls.model._meta.many_to_many
            if f.name not in excluded
        ]
        deferred = [f.name for f in cls.model._meta.concrete_fields if f.name in excluded]
        if prefetch:
            qs = qs.prefetch_related(*prefetch)
        return qs.defer(*deferred) if deferred else qs

    @classmethod
    def related_paths(cls) -> tuple[list[str], list[str]]:
        """select_related / prefetch_related paths for the list columns, so a page costs a fixed number
        of queries whatever its size."""
        related, prefetch = [], []
        for column in list(cls.list_columns) + list(cls.detail_fields or []):
            name = column.split("__")[0]
            try:
                f = cls.model._meta.get_field(name)
            except Exception:  # a property or method column
                continue
            if f.many_to_many or f.one_to_many:
                prefetch.append(name)
            elif f.is_relation:
                path = column.rsplit("__", 1)[0] if "__" in column else name
                related.append(path)
                if path == name and _is_user_model(f.related_model):
                    related.append(f"{name}__officer")  # people are shown by name (core.display.person_display)
        return sorted(set(related)), sorted(set(prefetch))


def _is_user_model(model) -> bool:
    from django.conf import settings

    return model is not None and model._meta.label == settings.AUTH_USER_MODEL


@dataclass
class Registry:
    configs: dict[str, type[ModelConfig]] = field(default_factory=dict)
    menu: list[MenuEntry] = field(default_factory=list)

    def register(self, config: type[ModelConfig]) -> type[ModelConfig]:
        meta = config.model._meta
        config.app_label = meta.app_label
        config.model_name = meta.model_name
        self.configs[meta.label_lower] = config
        if config.menu_label:
            self.add_menu(
                MenuEntry(
                    label=config.menu_label,
                    url_name=config.url_name("list"),
                    permission=config.perm("view"),
                    group=config.menu_group,
                    icon=config.menu_icon,
                    order=config.menu_order,
                )
            )
        return config

    def add_menu(self, entry: MenuEntry) -> None:
        if all(e.url_name != entry.url_name for e in self.menu):
            self.menu.append(entry)

    def for_app(self, app_label: str) -> list[type[ModelConfig]]:
        return [c for c in self.configs.values() if c.app_label == app_label]

    def get(self, label: str) -> type[ModelConfig]:
        return self.configs[label.lower()]

    def menu_for(self, user) -> list[tuple[str, str, list[MenuEntry]]]:
        """The user's menu: entries they may open that belong to their roles' work (`core.menus`)."""
        from .home import role_codes
        from .menus import declared_menus, shows

        menus = declared_menus(role_codes(user)) if user.is_authenticated and not user.is_superuser else []
        groups = []
        for group, icon in MENU_GROUPS:
            entries = sorted(
                (e for e in self.menu if e.group == group and e.allowed(user) and shows(menus, e)),
                key=lambda e: e.order,
            )
            if entries:
                groups.append((group, icon, entries))
        return groups


registry = Registry()

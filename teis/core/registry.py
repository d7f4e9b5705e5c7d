"""The unified resource registry (统一资源管理): each app declares its models and menu entries here.

An app's `apps.py` imports its `registrations` (or declares configs at import time); from a `ModelConfig`
core derives the list / detail / edit / delete / export pages, the API viewset, the URL patterns and the
menu entry. The left menu is built from the registry and shows only what the user may open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from django.db import models

if TYPE_CHECKING:
    from .api.serializers import ScopedModelSerializer
    from .forms import ScopedModelForm
    from .models import ScopedManager, ScopedModel, ScopedQuerySet


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

    def allowed(self, user: Any) -> bool:
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
    ("统计分析", "bi-bar-chart-line"),
    ("法律法规", "bi-book"),
    ("组织人员", "bi-diagram-3"),
    ("系统管理", "bi-gear"),
    ("安全管理", "bi-shield-lock"),
    ("审计管理", "bi-journal-check"),
    ("运维管理", "bi-activity"),
]


# Fields only a service may set (ARCHITECTURE.md rule 3): lifecycle state, decisions and who/when made them,
# audit columns and values computed by rules. `teis.core.checks` refuses a config that makes one writable
# through the generic form or API, unless the config names its own service and says why in
# `rule_fields_writable` (e.g. a vehicle's 在用/维修/停用, kept by its keeper through VehicleService).
RULE_FIELD_NAMES = frozenset(
    {
        "status",
        "state",
        "decision",
        "opinion",
        "risk_score",
        "repeat_offender",
        "legal_change_flag",
        "flag_reason",
        "current_step",
        "step_due_at",
        "process",
        "hash",
        "prev_hash",
        "is_system",
        "adjustments",
    }
)
RULE_FIELD_PREFIXES = ("last_",)
RULE_FIELD_SUFFIXES = ("_status", "_by")
DECISION_TIMES = frozenset(
    f"{verb}_at"
    for verb in [
        "approved",
        "accepted",
        "acknowledged",
        "acked",
        "archived",
        "assigned",
        "closed",
        "completed",
        "created",
        "decided",
        "dispatched",
        "disposed",
        "explained",
        "filed",
        "flagged",
        "handled",
        "paid",
        "registered",
        "reminded",
        "reopened",
        "resolved",
        "revoked",
        "reviewed",
        "sent",
        "served",
        "supervised",
        "updated",
        "visited",
    ]
)


def is_rule_field(name: str) -> bool:
    """A status / approval / decision / audit / computed field: never writable generically."""
    return (
        name in RULE_FIELD_NAMES
        or name in DECISION_TIMES
        or name.startswith(RULE_FIELD_PREFIXES)
        or name.endswith(RULE_FIELD_SUFFIXES)
    )


def has_lifecycle(model: type[models.Model]) -> bool:
    """A model with a status or an approval: its writes need a service that knows the rules."""
    names = {f.name for f in model._meta.get_fields()}
    return "status" in names or bool(names & {"approved_by", "decided_by"})


ADMINISTRATION_APPS = frozenset({"core", "org", "audit", "workflow"})


class ModelConfig:
    """How core presents one model. Subclass and set what differs; `registry.register` the subclass.

    What may be written is declared here once (rule 3): `writable_fields(create)` — `create_fields` /
    `edit_fields`, by default the fields of the form (`form_fields` or the custom form) — builds the generic
    form and the API serializer; every other field is read-only in the API and its schema. Objects whose
    `state_field` is outside `editable_states` / `deletable_states` (None: any state) are refused by the
    generic edit / delete pages and API with a Chinese message, nothing written.

    - `list_columns`: field names (or `field__sub`) shown in the list and the Excel export.
    - `masked_fields`: {field: mask function}; masked unless the user holds `reveal_permission`.
    - `service`: an object with `do_create(actor, data)`, `do_update(actor, obj, data)` and
      `do_delete(actor, obj)`; defaults to core's audited generic service.
    """

    model: type[models.Model]
    filterset: type[Any] | None = None  # a django-filter FilterSet (untyped)
    form: type[ScopedModelForm] | None = None
    create_form: type[ScopedModelForm] | None = None  # a different form for "add" (e.g. with the login account)
    service_extra_fields: list[str] = []  # non-model form fields passed on to the service
    # Choice fields not limited to the user's scope (form and API): only where the rule itself points outside it,
    # e.g. the unit asked to assist an investigation. Their queryset should still exclude inactive rows.
    open_choices: tuple[str, ...] = ()
    form_fields: list[str] | str = "__all__"
    create_fields: list[str] | None = None  # writable on create; default: the form's fields
    edit_fields: list[str] | None = None  # writable on edit; default: the form's fields
    rule_fields_writable: dict[str, str] = {}  # rule field → why it is plain data here (needs `service`)
    state_field = "status"
    editable_states: tuple[str, ...] | None = None  # None: editable in any state
    deletable_states: tuple[str, ...] | None = None  # None: deletable in any state
    serializer: type[ScopedModelSerializer] | None = None
    list_columns: list[str] = []
    detail_fields: list[str] | None = None
    # a template extending core/object_detail.html (its `detail_extra` block) and what it needs beyond the fields
    detail_template: str | None = None
    detail_context: Callable[[Any, Any], dict[str, Any]] | None = None
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
    # an administration model (organisation, roles, dictionaries, workflow, audit, system settings): the only
    # kind the three administrators (三员) may open; business data is never theirs
    administration: bool | None = None  # default: the models of the platform apps (ADMINISTRATION_APPS)

    # derived in `Registry.register`
    app_label: str = ""
    model_name: str = ""

    @classmethod
    def detail_actions(cls, obj: Any, user: Any) -> list[tuple[str, str, str]]:
        """Extra buttons on the detail page: (label, url, icon). Apps override to add their own."""
        return []

    @classmethod
    def writable_fields(cls, create: bool) -> list[str]:
        """The one list of fields the generic form and the API may write, for create or for edit."""
        declared = cls.create_fields if create else cls.edit_fields
        if declared is not None:
            return list(declared)
        form = cls.create_form if create and cls.create_form is not None else cls.form
        names = {f.name for f in cls.model._meta.get_fields()} | set(cls.service_extra_fields)
        if form is not None:
            return [n for n in form.base_fields if n in names]
        if cls.form_fields != "__all__":
            return list(cls.form_fields)
        # "__all__": every ordinary editable field, never a rule field nor a blind index
        fields = [*cls.model._meta.concrete_fields, *cls.model._meta.many_to_many]
        return [
            f.name
            for f in fields
            if f.editable and not f.auto_created and not f.name.endswith("_index") and not is_rule_field(f.name)
        ]

    @classmethod
    def state_refusal(cls, obj: Any, operation: str) -> str | None:
        """The Chinese refusal when `obj`'s state forbids `operation` ("edit" / "delete"), else None."""
        states = cls.editable_states if operation == "edit" else cls.deletable_states
        if states is None:  # a stateful service declares its states once, for the service and the pages
            return getattr(cls.service, "refusal", lambda obj, operation: None)(obj, operation)
        state = getattr(obj, cls.state_field, None)
        if state in states:
            return None
        display = getattr(obj, f"get_{cls.state_field}_display", lambda: state)()
        verb = "修改" if operation == "edit" else "删除"
        return f"{cls.verbose_name()}“{obj}”当前状态为“{display}”，不能{verb}。"

    @classmethod
    def check_state(cls, obj: Any, operation: str) -> None:
        from .services import ServiceError

        message = cls.state_refusal(obj, operation)
        if message:
            raise ServiceError("bad_state", message)

    @classmethod
    def is_administration(cls) -> bool:
        return cls.app_label in ADMINISTRATION_APPS if cls.administration is None else cls.administration

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
    def queryset_for(cls, user: Any) -> ScopedQuerySet[Any]:
        qs = _scoped_manager(cls.model).for_user(user)
        related, prefetch = cls.related_paths()
        if related:
            qs = qs.select_related(*related)
        if prefetch:
            qs = qs.prefetch_related(*prefetch)
        return qs

    @classmethod
    def api_queryset_for(cls, user: Any) -> ScopedQuerySet[Any]:
        """The API's queryset: the serializer shows related objects by id, so foreign keys need no join, and the
        views read many-to-many ids in bulk for the page (`attach_many_ids`); excluded columns are not even
        loaded (an encrypted column costs a decryption per row)."""
        qs = _scoped_manager(cls.model).for_user(user)
        deferred = [f.name for f in cls.model._meta.concrete_fields if f.name in set(cls.api_exclude)]
        return qs.defer(*deferred) if deferred else qs

    @classmethod
    def related_paths(cls) -> tuple[list[str], list[str]]:
        """select_related / prefetch_related paths for the list columns, so a page costs a fixed number
        of queries whatever its size."""
        related: list[str] = []
        prefetch: list[str] = []
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


def _scoped_manager(model: type[models.Model]) -> ScopedManager[Any]:
    """`model.objects`: a registered model's default manager is core's scoped one (`ScopedModel`)."""
    return cast("type[ScopedModel]", model).objects


def _is_user_model(model: type[models.Model] | str | None) -> bool:
    from django.conf import settings

    return model is not None and not isinstance(model, str) and model._meta.label == settings.AUTH_USER_MODEL


@dataclass
class Registry:
    configs: dict[str, type[ModelConfig]] = field(default_factory=dict)
    menu: list[MenuEntry] = field(default_factory=list)

    def register(self, config: type[ModelConfig]) -> type[ModelConfig]:
        meta = config.model._meta
        config.app_label = meta.app_label
        config.model_name = meta.model_name or ""
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

    def menu_for(self, user: Any) -> list[tuple[str, str, list[MenuEntry]]]:
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

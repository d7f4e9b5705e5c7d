"""The generic audited write service used by the generic views and API for models without rules of their
own, and the `ServiceError` every service raises on a refused request."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django.db import models, transaction


class ServiceError(Exception):
    """A refused request: a stable `code` for programs and a Chinese `message` for people."""

    def __init__(self, code: str, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}


def model_field(model: type[models.Model] | models.Model, name: str) -> models.Field[Any, Any]:
    """`model._meta.get_field(name)` typed as the concrete (or many-to-many) field a caller names: for code that
    reads a field's default, attname or verbose name (django-stubs types `get_field` as any relation too)."""
    return cast("models.Field[Any, Any]", model._meta.get_field(name))


def fit(model: type[models.Model], name: str, value: Any, *, field: str | None = None, strip: bool = False) -> str:
    """`value` as text for the column `model.name`, refused (never cut) when longer than the column holds:
    ServiceError("too_long") naming `field` (the input's name; `name` by default)."""
    text = "" if value is None else str(value)
    if strip:
        text = text.strip()
    column = cast("models.Field[Any, Any]", model._meta.get_field(name))  # a concrete column, by the contract
    limit = getattr(column, "max_length", None)
    if limit and len(text) > limit:
        label = str(column.verbose_name)
        raise ServiceError(
            "too_long",
            f"{label}不能超过 {limit} 个字（现为 {len(text)} 个字）。",
            {field or name: [f"不能超过 {limit} 个字"]},
        )
    return text


def _apply(obj: models.Model, data: dict[str, Any]) -> dict[str, Any]:
    """Set concrete fields on obj; return the many-to-many values to set after saving."""
    m2m: dict[str, Any] = {}
    for name, value in data.items():
        f = cast("models.Field[Any, Any]", obj._meta.get_field(name))  # `data` holds form / model fields only
        if f.many_to_many:
            m2m[name] = value
        else:
            setattr(obj, f.attname if f.is_relation and not isinstance(value, models.Model) else name, value)
    return m2m


def _m2m_snapshot(obj: models.Model, names: Iterable[str]) -> dict[str, str]:
    return {
        str(cast("models.Field[Any, Any]", obj._meta.get_field(n)).verbose_name): "、".join(
            sorted(str(x) for x in getattr(obj, n).all())
        )
        for n in names
    }


class GenericService:
    """Create / update / delete in one transaction with an audit record of what changed."""

    def do_create(self, actor: Any, model: type[models.Model], data: dict[str, Any]) -> models.Model:
        from teis.core.choices import AuditAction
        from teis.core.ports import audit

        with transaction.atomic():
            obj = model()
            m2m = _apply(obj, data)
            if hasattr(obj, "created_by_id") and actor is not None and actor.is_authenticated:
                setattr(obj, "created_by", actor)  # noqa: B010 (the attribute exists only on models that have it)
            obj.full_clean(exclude=list(m2m))
            obj.save()
            for name, value in m2m.items():
                getattr(obj, name).set(value)
            after = audit.snapshot(obj) | _m2m_snapshot(obj, m2m)
            audit.record(actor, AuditAction.CREATE, obj, changes={k: [None, v] for k, v in after.items()})
        return obj

    def do_update(self, actor: Any, obj: models.Model, data: dict[str, Any]) -> models.Model:
        from teis.core.choices import AuditAction
        from teis.core.ports import audit

        with transaction.atomic():
            obj = type(obj)._base_manager.select_for_update().get(pk=obj.pk)
            m2m_names = [n for n in data if obj._meta.get_field(n).many_to_many]
            before = audit.snapshot(obj) | _m2m_snapshot(obj, m2m_names)
            m2m = _apply(obj, data)
            obj.full_clean(exclude=list(m2m))
            obj.save()
            for name, value in m2m.items():
                getattr(obj, name).set(value)
            after = audit.snapshot(obj) | _m2m_snapshot(obj, m2m_names)
            changes = audit.diff(before, after)
            if changes:
                audit.record(actor, AuditAction.UPDATE, obj, changes=changes)
        return obj

    def do_delete(self, actor: Any, obj: models.Model) -> None:
        from teis.core.choices import AuditAction
        from teis.core.ports import audit

        with transaction.atomic():
            before = audit.snapshot(obj)
            pk = str(obj.pk)
            try:
                obj.delete()
            except models.ProtectedError as exc:
                raise ServiceError("protected", f"“{obj}”仍被其他数据引用，不能删除。") from exc
            audit.record(
                actor,
                AuditAction.DELETE,
                None,
                object_type=obj._meta.label_lower,
                object_id=pk,
                object_repr=str(obj),
                changes={k: [v, None] for k, v in before.items()},
            )


class StatefulService(GenericService):
    """The generic writes of a model with a lifecycle: editing and deleting only in the declared states, checked
    under the row lock inside the write's transaction; new records start in the model's default state (the
    generic form and API never write the state — see `ModelConfig.writable_fields`)."""

    state_field = "status"
    editable_states: tuple[str, ...] | None = None
    deletable_states: tuple[str, ...] | None = None

    def refusal(self, obj: models.Model, operation: str) -> str | None:
        states = self.editable_states if operation == "edit" else self.deletable_states
        state = getattr(obj, self.state_field, None)
        if states is None or state in states:
            return None
        display = getattr(obj, f"get_{self.state_field}_display", lambda: state)()
        verb = "修改" if operation == "edit" else "删除"
        return f"{obj._meta.verbose_name}“{obj}”当前状态为“{display}”，不能{verb}。"

    def check_state(self, obj: models.Model, operation: str) -> None:
        message = self.refusal(obj, operation)
        if message:
            raise ServiceError("bad_state", message)

    def do_update(self, actor: Any, obj: models.Model, data: dict[str, Any]) -> models.Model:
        with transaction.atomic():
            locked = type(obj)._base_manager.select_for_update().get(pk=obj.pk)
            self.check_state(locked, "edit")
            return super().do_update(actor, locked, data)

    def do_delete(self, actor: Any, obj: models.Model) -> None:
        with transaction.atomic():
            locked = type(obj)._base_manager.select_for_update().get(pk=obj.pk)
            self.check_state(locked, "delete")
            super().do_delete(actor, locked)


generic_service = GenericService()

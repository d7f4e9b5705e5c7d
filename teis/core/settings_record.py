"""Business thresholds kept as one audited settings record per app (dispatch's alarm thresholds, maritime's smart
alerts): changes to business thresholds are audited (issue 15 §4), made on a page by the role that owns them, and
read on hot paths without a query.

- `SettingsRecord`: an abstract model (no fields of its own). `current()` returns the one row, created on first
  use with `initial_values()` (e.g. the environment's values), from a process-local copy that every `save()`
  drops here and, through a version token in the shared cache, in the other processes within `RECHECK_SECONDS`.
- `settings_service.do_update(actor, record, data)`: the generic audited write (what changed, old and new).
- `SettingsRecordView`: the page `GET` shows and `POST` saves the record's editable fields; it needs
  `<app>.change_<model>` to save and `<app>.view_<model>` (or change) to look.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any, ClassVar, NoReturn, Self

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from .services import GenericService, ServiceError

RECHECK_SECONDS = 10.0
_lock = threading.Lock()
_copies: dict[str, tuple[Any, str | None, float]] = {}  # label -> (record, version, checked at)


def _version_key(label: str) -> str:
    return f"teis:settings-record:{label}"


class SettingsRecord(models.Model):
    """One row of settings; see the module docstring."""

    objects: ClassVar[models.Manager[Self]]  # every concrete settings model has the default manager

    class Meta:
        abstract = True

    @classmethod
    def initial_values(cls) -> dict[str, Any]:
        """Field values for the row created on first use (the model's defaults otherwise)."""
        return {}

    @classmethod
    def current(cls) -> Self:
        from django.core.cache import cache

        label = cls._meta.label_lower
        now = time.monotonic()
        held = _copies.get(label)
        if held is not None and now - held[2] < RECHECK_SECONDS:
            cached: Self = held[0]
            return cached
        version = cache.get(_version_key(label))
        if held is not None and version is not None and version == held[1]:
            _copies[label] = (held[0], version, now)
            confirmed: Self = held[0]
            return confirmed
        if version is None:
            cache.add(_version_key(label), uuid.uuid4().hex, None)
            version = cache.get(_version_key(label))
        with _lock:
            record = cls.objects.order_by("pk").first()
            if record is None:
                record = cls.objects.create(**cls.initial_values())
            _copies[label] = (record, version, now)
        return record

    @classmethod
    def forget(cls) -> None:
        """Drop this process's copy (tests roll back what they wrote)."""
        _copies.pop(cls._meta.label_lower, None)

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        _invalidate(self._meta.label_lower)


def _invalidate(label: str) -> None:
    def bump() -> None:
        from django.core.cache import cache

        _copies.pop(label, None)
        cache.set(_version_key(label), uuid.uuid4().hex, None)

    bump()
    transaction.on_commit(bump)


def forget_all() -> None:
    _copies.clear()


class SettingsService(GenericService):
    """Updates only: the record exists once and is never deleted."""

    def do_create(self, actor: Any, model: Any, data: Any) -> NoReturn:
        raise ServiceError("settings_single", "设置记录只有一条，请修改现有设置。")

    def do_delete(self, actor: Any, obj: Any) -> NoReturn:
        raise ServiceError("settings_single", "设置记录不能删除。")


settings_service = SettingsService()


class SettingsRecordView(LoginRequiredMixin, View):
    """The page of one settings record. Subclass with `model`, `title` and optionally `fields` / `note`."""

    model: ClassVar[type[SettingsRecord]]
    title: ClassVar[str]
    fields: ClassVar[list[str] | None] = None
    note: ClassVar[str] = ""
    template_name = "core/settings_record.html"

    def _perm(self, action: str) -> str:
        return f"{self.model._meta.app_label}.{action}_{self.model._meta.model_name}"

    def _form_class(self) -> type[forms.ModelForm[Any]]:
        names = self.fields or [
            f.name for f in self.model._meta.concrete_fields if f.editable and not f.primary_key and not f.auto_created
        ]
        return forms.modelform_factory(self.model, fields=names)

    def _check(self, request: HttpRequest, action: str) -> None:
        from .views import deny

        perm = self._perm(action)
        if action == "view" and request.user.has_perm(self._perm("change")):
            return
        if not request.user.has_perm(perm):
            deny(request, perm)

    def _form(self, *args: Any, **kwargs: Any) -> forms.ModelForm[Any]:
        from .forms import style_widgets

        form = self._form_class()(*args, **kwargs)
        style_widgets(form)
        return form

    def get(self, request: HttpRequest) -> HttpResponse:
        self._check(request, "view")
        record = self.model.current()
        return self._render(request, self._form(instance=record), record)

    def post(self, request: HttpRequest) -> HttpResponse:
        self._check(request, "change")
        record = self.model.current()
        form = self._form(request.POST, instance=self.model.objects.get(pk=record.pk))
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in form.fields}
            try:
                settings_service.do_update(request.user, record, data)
            except ServiceError as err:
                form.add_error(None, err.message)
                for name, msgs in err.fields.items():
                    for msg in msgs:
                        form.add_error(name if name in form.fields else None, msg)
            except forms.ValidationError as err:
                form.add_error(None, err)
            else:
                messages.success(request, f"{self.title}已保存。")
                return redirect(request.path)
        return self._render(request, form, record, status=400)

    def _render(
        self, request: HttpRequest, form: forms.ModelForm[Any], record: SettingsRecord, status: int = 200
    ) -> HttpResponse:
        ctx = {
            "form": form,
            "title": self.title,
            "note": self.note,
            "record": record,
            "can_change": request.user.has_perm(self._perm("change")),
        }
        return render(request, self.template_name, ctx, status=status)

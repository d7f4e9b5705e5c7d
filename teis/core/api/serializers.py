"""Serializer base: model choices limited to the user's scope, personal data masked."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.db import models
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from teis.core.fields import EncryptedCharField
from teis.core.forms import scoped_choices

if TYPE_CHECKING:
    from teis.core.registry import ModelConfig


class DateTimeField(serializers.DateTimeField):
    """Times in the current time zone, as RFC 3339 requires: a zone offset of whole minutes. Before 1901 the
    zone database gives Asia/Shanghai its local mean time (+08:05:43), which no RFC 3339 reader accepts;
    such times are given in UTC instead."""

    def to_representation(self, value: Any) -> Any:
        text = super().to_representation(value)
        output_format = getattr(self, "format", api_settings.DATETIME_FORMAT)
        if isinstance(value, datetime.datetime) and isinstance(text, str) and output_format in (None, ISO_8601):
            local = self.enforce_timezone(value)
            offset = local.utcoffset()
            if offset is not None and offset.total_seconds() % 60:
                return local.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
        return text


class ScopedModelSerializer(serializers.ModelSerializer[Any]):
    """Related choices limited to the request user's scope; `masked_fields` of the config applied on output."""

    config: type[ModelConfig] | None = None  # set by `serializer_for`

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        EncryptedCharField: serializers.CharField,
        models.DateTimeField: DateTimeField,
    }

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        self._restrict_to_writable(fields)
        guard_text_fields(fields.values())
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if request is not None and request.method in ("GET", "HEAD", "OPTIONS"):
            return fields  # related choices only matter when validating input
        open_choices = getattr(self.config, "open_choices", ())
        for name, f in fields.items():
            target: Any = getattr(f, "child_relation", f)  # a related field (or a many-related one's child)
            qs = getattr(target, "queryset", None)
            if user is not None and qs is not None and not f.read_only and name not in open_choices:
                target.queryset = scoped_choices(qs, user)
        return fields

    def _restrict_to_writable(self, fields: Mapping[str, serializers.Field[Any, Any, Any, Any]]) -> None:
        """Only the config's writable fields (create or edit) accept input: the one list the form uses too."""
        config = self.config
        if config is None:
            return
        writable = set(config.writable_fields(create=self.instance is None)) | set(config.service_extra_fields)
        for name, f in fields.items():
            if not f.read_only and name not in writable:
                f.read_only, f.required = True, False

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)
        config = self.config
        request = self.context.get("request")
        if config is not None and config.masked_fields:
            reveal = False  # revealing goes through the audited reveal endpoint, never a plain read
            for name, mask in config.masked_fields.items():
                if name in data and data[name] and not reveal:
                    data[name] = mask(str(data[name]))
        _ = request
        return data


def guard_text_fields(fields: Iterable[serializers.Field[Any, Any, Any, Any]]) -> None:
    """Text and JSON fields refuse NUL and other control characters with a message of their own (`fields`
    of the error body names them), instead of DRF's NUL-only check."""
    from django.core.validators import ProhibitNullCharactersValidator

    from teis.core.validators import validate_json_text, validate_plain_text

    for f in fields:
        check = (
            validate_plain_text
            if isinstance(f, serializers.CharField)
            else validate_json_text
            if isinstance(f, serializers.JSONField)
            else None
        )
        if check is None or f.read_only or check in f.validators:
            continue
        f.validators = [check, *(v for v in f.validators if not isinstance(v, ProhibitNullCharactersValidator))]


def serializer_for(config: type[ModelConfig]) -> type[serializers.ModelSerializer[Any]]:
    if config.serializer is not None:
        base: type[ScopedModelSerializer] = config.serializer
        if getattr(base, "config", None) is None:
            base.config = config
        return base
    exclude = [f.name for f in config.model._meta.concrete_fields if f.name.endswith("_index")]
    exclude += list(config.api_exclude)
    meta_attrs = (
        {"model": config.model, "exclude": exclude} if exclude else {"model": config.model, "fields": "__all__"}
    )
    # read-only in the schema too: every field neither create nor edit may write
    writable = set(config.writable_fields(True)) | set(config.writable_fields(False))
    fields = [*config.model._meta.concrete_fields, *config.model._meta.many_to_many]
    meta_attrs["read_only_fields"] = [f.name for f in fields if f.name not in writable and f.name not in exclude]
    meta = type("Meta", (), meta_attrs)
    serializer: type[ScopedModelSerializer] = type(
        f"{config.model.__name__}Serializer", (ScopedModelSerializer,), {"Meta": meta, "config": config}
    )
    return serializer

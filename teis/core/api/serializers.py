"""Serializer base: model choices limited to the user's scope, personal data masked."""

from __future__ import annotations

import copy
import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from rest_framework import ISO_8601, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import MANY_RELATION_KWARGS, ManyRelatedField, PKOnlyObject, PrimaryKeyRelatedField
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


Converter = Callable[[Any], Any]
# (field name, column attname or None, convert or None, the serializer field)
ReadingStep = tuple[str, str | None, Converter | None, serializers.Field[Any, Any, Any, Any]]

# Where `attach_many_ids` leaves the related ids of each many-to-many field on an object: {field name: [ids]}.
MANY_IDS = "_teis_many_ids"


def attach_many_ids(model: type[models.Model], objects: Iterable[Any], exclude: Iterable[str] = ()) -> None:
    """The related ids of every many-to-many field of `objects` (a page), one query of the link table per field,
    in id order, without a manager or a model instance per link: a page of 50 officers with
    their roles costs what the rows cost (a prefetch built two managers and a queryset clone per row)."""
    objects = [o for o in objects if o is not None]
    if not objects:
        return
    pks = [o.pk for o in objects]
    for field in model._meta.many_to_many:
        if field.name in exclude:
            continue
        through = field.remote_field.through
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        by_owner: dict[Any, list[Any]] = defaultdict(list)
        links = cast("type[models.Model]", through)._base_manager
        rows = links.filter(**{f"{source}__in": pks}).order_by(f"{target}_id")
        for owner, related in rows.values_list(f"{source}_id", f"{target}_id"):
            by_owner[owner].append(related)
        for obj in objects:
            obj.__dict__.setdefault(MANY_IDS, {})[field.name] = by_owner.get(obj.pk, [])


class ManyIdsRelatedField(ManyRelatedField):
    """A many-to-many field shown as ids: from `attach_many_ids` when the view attached them, else the manager."""

    def get_attribute(self, instance: Any) -> Any:
        attached = instance.__dict__.get(MANY_IDS, {}) if len(self.source_attrs) == 1 else {}
        ids = attached.get(self.source_attrs[0]) if attached else None
        if ids is not None:
            return [PKOnlyObject(pk) for pk in ids]
        return super().get_attribute(instance)


class ScopedPrimaryKeyRelatedField(PrimaryKeyRelatedField[Any]):
    @classmethod
    def many_init(cls, *args: Any, **kwargs: Any) -> ManyIdsRelatedField:
        list_kwargs: dict[str, Any] = {"child_relation": cls(*args, **kwargs)}
        list_kwargs |= {key: value for key, value in kwargs.items() if key in MANY_RELATION_KWARGS}
        return ManyIdsRelatedField(**list_kwargs)


class ScopedModelSerializer(serializers.ModelSerializer[Any]):
    """Related choices limited to the request user's scope; `masked_fields` of the config applied on output."""

    config: type[ModelConfig] | None = None  # set by `serializer_for`

    serializer_related_field = ScopedPrimaryKeyRelatedField
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        EncryptedCharField: serializers.CharField,
        models.DateTimeField: DateTimeField,
    }

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = self._model_fields()
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

    def _model_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        """`ModelSerializer.get_fields`, built once per serializer class and copied for each use (fields are
        rebuilt from their arguments, as DRF copies declared fields): building them from the model cost a
        list page more than showing its rows."""
        cls = type(self)
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            setattr(cls, "_built_fields", built)  # noqa: B010 (a cache on the class, not a declared field)
        return copy.deepcopy(built)

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
        data = self._represent(instance)
        config = self.config
        request = self.context.get("request")
        if config is not None and config.masked_fields:
            reveal = False  # revealing goes through the audited reveal endpoint, never a plain read
            for name, mask in config.masked_fields.items():
                if name in data and data[name] and not reveal:
                    data[name] = mask(str(data[name]))
        _ = request
        return data

    @cached_property
    def _reading_plan(self) -> list[ReadingStep]:
        """Per readable field: (name, column attname or None, convert, field). A plain column or a foreign key
        is read from the loaded row and converted as its field would; anything else goes the DRF way."""
        model = getattr(getattr(self, "Meta", None), "model", None)
        return [(f.field_name or "", *_column_reader(model, f), f) for f in self._readable_fields]

    def _represent(self, instance: Any) -> dict[str, Any]:
        """`ModelSerializer.to_representation` without its per-field attribute walk for plain columns: a page of
        50 rows × 20 fields spent most of its serialisation there. Same output (tests compare both)."""
        ret: dict[str, Any] = {}
        row = instance.__dict__
        for name, attname, convert, field in self._reading_plan:
            if attname is not None and attname in row:
                value = row[attname]
                ret[name] = None if value is None or convert is None else convert(value)
                continue
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            ret[name] = None if check_for_none is None else field.to_representation(attribute)
        return ret


_PLAIN_AS_IS = (serializers.ReadOnlyField, serializers.IntegerField)


def _column_reader(
    model: type[models.Model] | None, field: serializers.Field[Any, Any, Any, Any]
) -> tuple[str | None, Converter | None]:
    """(attname, convert) when `field` shows one concrete column of `model` with no lookup in between, else
    (None, None)."""
    if model is None or len(field.source_attrs) != 1:
        return None, None
    try:
        column = model._meta.get_field(field.source_attrs[0])
    except FieldDoesNotExist:
        return None, None
    if not isinstance(column, models.Field) or not column.concrete or column.many_to_many:
        return None, None
    kind = type(field)
    if column.is_relation:
        related_pk = column.target_field.primary_key if hasattr(column, "target_field") else False
        if isinstance(field, PrimaryKeyRelatedField) and field.pk_field is None and related_pk:
            return column.attname, _as_is  # the foreign key's id, as PrimaryKeyRelatedField shows it
        return None, None
    if kind is serializers.CharField:
        return column.attname, str
    if isinstance(field, DateTimeField) and kind is DateTimeField:
        return column.attname, _datetime_converter(field)
    if kind in _PLAIN_AS_IS and column.get_internal_type() in _INTEGER_COLUMNS:
        return column.attname, _as_is
    return column.attname, field.to_representation


_INTEGER_COLUMNS = {
    "AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField",
    "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField",
}  # fmt: skip


def _datetime_converter(field: DateTimeField) -> Converter:
    """`DateTimeField.to_representation` for ISO 8601 output with the zone looked up once per page."""
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    if output_format not in (None, ISO_8601) or output_format is None or zone is None:
        return field.to_representation

    def convert(value: Any) -> Any:
        if not isinstance(value, datetime.datetime) or value.tzinfo is None:
            return field.to_representation(value)
        local = value.astimezone(cast("datetime.tzinfo", zone))
        offset = local.utcoffset()
        if offset is None or offset.total_seconds() % 60:  # before 1901: the field gives UTC
            return field.to_representation(value)
        text = local.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return convert


def _as_is(value: Any) -> Any:
    return value


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

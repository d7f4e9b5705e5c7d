"""FilterSet helpers shared by the UI lists, the API and exports."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, cast

import django_filters
from django import forms
from django.db import models

from .forms import style_widgets

if TYPE_CHECKING:
    from .registry import ModelConfig


class IdFilter(django_filters.NumberFilter):  # type: ignore[misc]  # django-filter ships no type hints
    """A record id: a whole number the database can hold (a float like 1e308 is a field error)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class ScopedFilterSet(django_filters.FilterSet):  # type: ignore[misc]  # django-filter ships no type hints
    """A FilterSet whose model choices are limited to the user's scope and whose widgets are Bootstrap."""

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        queryset: models.QuerySet[Any] | None = None,
        *,
        request: Any = None,  # a request, or any object with `.user` (`exports._UserRequest`)
        **kwargs: Any,
    ) -> None:
        super().__init__(data, queryset, request=request, **kwargs)
        user = getattr(request, "user", None)
        for f in self.filters.values():
            # django-filter builds the choice field from `filter.queryset` (extra["queryset"] is a copy)
            qs = getattr(f, "queryset", None)
            if user is not None and qs is not None and hasattr(qs, "for_user"):
                f.queryset = f.extra["queryset"] = qs.for_user(user)
            if "empty_label" in f.extra or isinstance(
                f, (django_filters.ChoiceFilter, django_filters.ModelChoiceFilter)
            ):
                f.extra["empty_label"] = "全部"

    @property
    def form(self) -> forms.BaseForm:
        form: forms.BaseForm = super().form
        if not getattr(form, "_teis_styled", False):
            any_value_for_booleans(form)
            style_widgets(form)
            guard_model_choices(form)
            form._teis_styled = True  # type: ignore[attr-defined]  # a marker on this form instance
        return form


BOOLEAN_FILTER_CHOICES = [("", "全部"), ("true", "是"), ("false", "否")]


def any_value_for_booleans(form: forms.BaseForm) -> None:
    """A yes/no filter offers 全部 / 是 / 否 (django-filter's default reads 未知 / 是 / 否)."""
    for field in form.fields.values():
        if isinstance(field, forms.NullBooleanField):
            field.widget = forms.Select(choices=BOOLEAN_FILTER_CHOICES, attrs=field.widget.attrs)


def guard_model_choices(form: forms.BaseForm) -> None:
    """A model choice given as a number the database cannot hold (e.g. 1e308) is a field error, not an
    OverflowError from the driver."""
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField | forms.ModelMultipleChoiceField):
            setattr(field, "to_python", _overflow_safe(field.to_python))  # noqa: B010 (mypy: no method assignment)
            if hasattr(field, "_check_values"):
                field._check_values = _overflow_safe(field._check_values)


def _overflow_safe(method: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def wrapped(value: Any) -> Any:
        try:
            return method(value)
        except OverflowError:
            raise forms.ValidationError("选择的对象不存在。", code="invalid_choice") from None

    return wrapped


TEXT_FIELDS = (models.CharField, models.TextField)
NUMBER_FIELDS = (models.IntegerField, models.DecimalField, models.FloatField)


def filterset_for(config: type[ModelConfig]) -> type[django_filters.FilterSet]:
    """The config's FilterSet, or one generated from the list columns: text contains, choices, relations."""
    if config.filterset is not None:
        return config.filterset
    from .fields import EncryptedCharField

    # Text and date-time filters are declared under the column's own name (`?name=`), the rest are exact.
    declared: dict[str, django_filters.Filter] = {}
    exact: list[str] = []
    for column in config.list_columns:
        if "__" in column:
            continue
        try:
            f = cast("models.Field[Any, Any]", config.model._meta.get_field(column))  # list columns: fields
        except Exception:
            continue
        if isinstance(f, EncryptedCharField):
            continue  # randomised encryption: exact look-up goes through the blind index
        label = str(f.verbose_name)
        if isinstance(f, models.DateTimeField):
            # a day, not an instant (and no out-of-range timestamps on PostgreSQL)
            declared[column] = django_filters.DateFilter(field_name=column, lookup_expr="date", label=label)
        elif isinstance(f, TEXT_FIELDS) and not f.choices:
            declared[column] = django_filters.CharFilter(field_name=column, lookup_expr="icontains", label=label)
        elif f.choices or f.is_relation or isinstance(f, (models.BooleanField, models.DateField, NUMBER_FIELDS)):
            exact.append(column)
    meta = type("Meta", (), {"model": config.model, "fields": exact})
    return type(f"{config.model.__name__}AutoFilterSet", (ScopedFilterSet,), {"Meta": meta, **declared})


def text_input_widget() -> forms.TextInput:
    return forms.TextInput(attrs={"class": "form-control"})

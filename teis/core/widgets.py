"""Pickers: one searchable widget family for every choice of a record (units, 案由, 违章代码, people, vehicles).

The widgets render a plain `<select>` (so a form works without script and the option texts stay the records'
names); `teis/static/teis/pickers.js` turns each `select[data-picker]` into a type-to-filter, keyboard-driven
box with the vendored Tom Select. A unit option carries its path in the tree (第二支队 / 第一大队 / 第一中队),
shown and searched by the picker, so thirty squads called 第一中队 can be told apart; a person's option
carries their unit.

`apply_pickers(form)` (called by `core.forms.style_widgets`, hence by every generic form and filter) puts
them on every model choice field; hand-written forms get them by calling `style_widgets` or using the
widgets directly.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models

UNIT_MODEL = "org.Unit"
# Choices of plain (non-model) select fields past this many options become searchable too.
LONG_LIST = 15
SEPARATOR = " / "


class SearchableSelect(forms.Select):
    """A select with type-to-filter search (Tom Select, vendored)."""

    picker = "search"

    def __init__(self, attrs: dict[str, Any] | None = None, choices: Any = ()) -> None:
        attrs = {"class": "form-select", **(attrs or {})}
        attrs["data-picker"] = self.picker
        super().__init__(attrs, choices)

    def option_data(self, value: Any) -> dict[str, Any] | None:
        """Extra fields of one option for the picker (search and display), or None."""
        return None

    def create_option(
        self,
        name: str,
        value: Any,
        label: Any,
        selected: bool,
        index: int,
        subindex: int | None = None,
        attrs: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        data = self.option_data(value) if value not in ("", None) else None
        for key, text in (data or {}).items():
            option["attrs"][f"data-{key}"] = text  # the picker reads an option's data-* as its fields
        return option


class SearchableSelectMultiple(SearchableSelect, forms.SelectMultiple):
    """Several records picked by typing (no Ctrl-click list box)."""

    allow_multiple_selected = True


def _pk(value: Any) -> Any:
    return getattr(value, "value", value)  # ModelChoiceIteratorValue


class UnitSelect(SearchableSelect):
    """The unit picker: the option text is the unit's name; the picker shows and searches its path."""

    picker = "unit"

    def __init__(self, attrs: dict[str, Any] | None = None, choices: Any = ()) -> None:
        super().__init__(attrs, choices)
        self._paths: dict[Any, str] | None = None

    def unit_paths(self) -> dict[Any, str]:
        """pk → "第二支队 / 第一大队 / 第一中队" for every unit, in one query per render."""
        if self._paths is None:
            model = getattr(getattr(self.choices, "queryset", None), "model", None)
            self._paths = unit_paths(model) if model is not None else {}
        return self._paths

    def option_data(self, value: Any) -> dict[str, Any] | None:
        path = self.unit_paths().get(_pk(value))
        return {"path": path} if path else None

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        self._paths = None  # a fresh tree per render (units move)
        return super().get_context(name, value, attrs)


class UnitSelectMultiple(UnitSelect, forms.SelectMultiple):
    allow_multiple_selected = True


def unit_paths(model: type[models.Model]) -> dict[Any, str]:
    """Each unit's path from below the corps down to itself: the corps (and the commission above it) are the
    root of every path and would only make it longer; the corps itself is shown by its name."""
    rows = {
        pk: (name, parent, kind)
        for pk, name, parent, kind in model._base_manager.values_list("pk", "name", "parent_id", "unit_type")
    }
    top = {"commission", "corps"}
    paths: dict[Any, str] = {}
    for pk in rows:
        names = []
        node = pk
        seen = set()
        while node is not None and node in rows and node not in seen:
            seen.add(node)
            name, parent, kind = rows[node]
            if kind in top and node != pk:
                break
            names.append(name)
            node = parent
        paths[pk] = SEPARATOR.join(reversed(names))
    return paths


class PersonSelect(SearchableSelect):
    """People by name, with their unit for the picker (two 王伟 in different squads)."""

    def __init__(self, attrs: dict[str, Any] | None = None, choices: Any = ()) -> None:
        super().__init__(attrs, choices)
        self._units: dict[Any, str] | None = None

    def option_data(self, value: Any) -> dict[str, Any] | None:
        if self._units is None:
            queryset = getattr(self.choices, "queryset", None)
            self._units = person_units(queryset) if queryset is not None else {}
        unit = self._units.get(_pk(value))
        return {"path": unit} if unit else None

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        self._units = None
        return super().get_context(name, value, attrs)


class PersonSelectMultiple(PersonSelect, forms.SelectMultiple):
    allow_multiple_selected = True


def person_units(queryset: models.QuerySet[Any]) -> dict[Any, str]:
    return dict(queryset.filter(officer__isnull=False).values_list("pk", "officer__unit__name"))


def _is_user_model(model: type[models.Model]) -> bool:
    from django.conf import settings

    return model._meta.label == settings.AUTH_USER_MODEL


def _count(choices: Any) -> int:
    """How many choices (lazy iterators such as Django's BlankChoiceIterator have no len())."""
    if getattr(choices, "queryset", False) is None:
        return 0  # a model choice whose queryset the form sets after __init__ (counted as short)
    try:
        return len(choices)
    except TypeError:
        return sum(1 for _ in choices)


def picker_for(field: forms.Field) -> type[SearchableSelect] | None:
    """The picker widget class a field should use, or None to leave its widget alone."""
    widget = field.widget
    if type(widget) not in (forms.Select, forms.SelectMultiple) and not isinstance(widget, SearchableSelect):
        return None  # radios, check boxes, NullBooleanSelect, hidden inputs keep theirs
    multiple = isinstance(widget, forms.SelectMultiple)
    queryset = getattr(field, "queryset", None)
    if queryset is not None:
        model = queryset.model
        if model._meta.label == UNIT_MODEL:
            return UnitSelectMultiple if multiple else UnitSelect
        if _is_user_model(model):
            return PersonSelectMultiple if multiple else PersonSelect
        return SearchableSelectMultiple if multiple else SearchableSelect
    if multiple or _count(getattr(field, "choices", ())) > LONG_LIST:
        return SearchableSelectMultiple if multiple else SearchableSelect
    return None


def _default_labels(field: Any) -> bool:
    """The field shows str(user) (the login): no custom label set by its form."""
    return "label_from_instance" not in vars(field) and bool(
        type(field).label_from_instance is forms.ModelChoiceField.label_from_instance
    )


def apply_pickers(form: forms.BaseForm) -> None:
    """Give every model choice (and every long choice list) of the form its searchable picker."""
    from .display import person_display

    for field in form.fields.values():
        cls = picker_for(field)
        if cls is None or type(field.widget) is cls:
            continue
        old: Any = field.widget  # a Select (`picker_for`), which has choices
        new = cls(attrs={k: v for k, v in old.attrs.items() if k != "data-picker"})
        new.choices = old.choices
        new.is_required = old.is_required
        field.widget = new
        queryset = getattr(field, "queryset", None)
        if queryset is not None and _is_user_model(queryset.model) and _default_labels(field):
            # people by name (one query for all options, not one per option)
            choice_field: Any = field  # a ModelChoiceField: it has a queryset
            choice_field.queryset = queryset.select_related("officer")
            choice_field.label_from_instance = person_display
            new.choices = choice_field.choices

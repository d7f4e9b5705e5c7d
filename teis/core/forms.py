"""Form helpers: Bootstrap classes and choices limited to the user's data scope."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.db.models import Model, QuerySet

from .widgets import apply_pickers

if TYPE_CHECKING:
    from .registry import ModelConfig
    from .services import ServiceError

CHOICE_CHECKS_TEMPLATE = "core/widgets/choice_checks.html"


def guard_text_fields(fields: Iterable[forms.Field]) -> None:
    """Every text field refuses NUL and other control characters with its own message (next to the field),
    instead of Django's NUL-only check."""
    from django.core.validators import ProhibitNullCharactersValidator

    from .validators import validate_plain_text

    for f in fields:
        if isinstance(f, forms.CharField) and validate_plain_text not in f.validators:
            f.validators = [
                validate_plain_text,
                *(v for v in f.validators if not isinstance(v, ProhibitNullCharactersValidator)),
            ]


def style_widgets(form: forms.BaseForm) -> None:
    guard_text_fields(form.fields.values())
    for f in form.fields.values():
        if getattr(f, "empty_label", None) == "---------":
            cast("forms.ModelChoiceField[Any]", f).empty_label = "请选择"  # only model choices have one
        if isinstance(f, forms.TypedChoiceField):
            choices: Any = f.choices  # a list once the field is built
            if choices and choices[0] == ("", "---------"):
                f.choices = [("", "请选择"), *list(choices)[1:]]
        widget = f.widget
        if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
            # a form-control radio hides which option is chosen once focus leaves (审批结论 同意/退回/不同意)
            widget.attrs.setdefault("class", "form-check-input")
            widget.template_name = CHOICE_CHECKS_TEMPLATE
        elif isinstance(widget, (forms.CheckboxInput,)):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")
        if isinstance(widget, forms.DateInput):
            widget.input_type = "date"
    apply_pickers(form)


def scoped_choices(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    """`qs` restricted to the user's scope: scoped models through `for_user`, accounts (Django's `User`, which
    has no scoped manager) through their officer profiles — so `decided_by`, `leader`, `officers` … can never
    name someone out of reach."""
    if hasattr(qs, "for_user"):
        scoped: QuerySet[Any] = qs.for_user(user)
        return scoped
    from django.contrib.auth import get_user_model

    if qs.model is get_user_model():
        from teis.core.ports import users_in_scope

        return users_in_scope(qs, user)
    return qs


def scope_choices(form: forms.BaseForm, user: Any, open_choices: Collection[str] = ()) -> None:
    """Restrict every model choice to what the user may see (rule 4: form choices too), except the config's
    declared `open_choices` (a unit asked for assistance lies outside the asker's scope by nature)."""
    for name, f in form.fields.items():
        qs = getattr(f, "queryset", None)
        if qs is not None and name not in open_choices:
            cast("forms.ModelChoiceField[Any]", f).queryset = scoped_choices(qs, user)


if TYPE_CHECKING:
    _ModelForm = forms.ModelForm[Any]
else:  # Django's form classes take no type parameters at run time
    _ModelForm = forms.ModelForm


class ScopedModelForm(_ModelForm):
    open_choices: tuple[str, ...] = ()

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None:
            scope_choices(self, user, self.open_choices)
        style_widgets(self)


def modelform_for(config: type[ModelConfig], *, create: bool = False) -> type[ScopedModelForm]:
    if create and config.create_form is not None:
        return config.create_form
    if config.form is not None:
        return config.form
    base = type("ConfigModelForm", (ScopedModelForm,), {"open_choices": tuple(config.open_choices)})
    form_class = forms.modelform_factory(config.model, form=base, fields=config.writable_fields(create))
    return cast("type[ScopedModelForm]", form_class)  # built on `base`, a ScopedModelForm


def cleaned_model_data(form: forms.ModelForm[Any], extra: Iterable[str] = ()) -> dict[str, Any]:
    """The form's cleaned values restricted to model fields (and `extra`), as a service expects them."""
    model: type[Model] = form._meta.model
    names = {f.name for f in model._meta.get_fields()} | set(extra)
    return {k: v for k, v in form.cleaned_data.items() if k in names}


def add_service_error(form: forms.BaseForm, err: ServiceError) -> None:
    """A `ServiceError` shown on a bound form: its message on the form, its field errors on their fields (or on the
    form when the field is not one of the form's)."""
    form.add_error(None, err.message)
    for name, msgs in err.fields.items():
        for m in msgs:
            form.add_error(name if name in form.fields else None, m)

"""One registry for every state change (ARCHITECTURE.md rule 3): an action — approve, reject, acknowledge … — is
declared once, in its app's `tables.py`, and core turns it into

- the button and form on the object's generic detail page (a POST to the same URL, `_action=<name>`),
- a DRF action on the model's viewset, `POST /api/v1/<app>/<model>s/<pk>/<name>/`, documented in OpenAPI,
- the permission check with an audited denial (403), a 404 for an object outside the user's scope, the refusal
  of an object in a state the action does not apply to, and `ServiceError` → HTTP 400 / form errors,
- and the generated tests (`teis.core.testing_mixins.GenericActionTests`).

The service function does the work in one transaction and writes the audit record; it receives the actor, the
object and the cleaned input as keyword arguments, and returns the object.

Example (dispatch)::

    actions.register(Action(
        "dispatch.alarm", "acknowledge", "确认告警", "dispatch.change_alarm",
        run=lambda actor, alarm, note: alarm_services.do_acknowledge(actor, alarm, note),
        form=AcknowledgeForm, applies=lambda alarm: alarm.acknowledged_at is None,
        not_applicable="该告警已确认。",
    ))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django import forms
from rest_framework.request import Request
from rest_framework.response import Response

if TYPE_CHECKING:
    from rest_framework import serializers

    from .registry import ModelConfig

from .services import ServiceError


class NoInput(forms.Form):
    """An action without input (submit, publish …)."""


@dataclass(frozen=True)
class Action:
    model_label: str  # "dispatch.dutyplan"
    name: str  # URL segment and API action name: "approve"
    label: str  # the button: "批准"
    permission: str  # "dispatch.approve_dutyplan"
    run: Callable[..., Any]  # run(actor, obj, **cleaned_input) -> obj; one transaction, audited
    form: type[forms.Form] = NoInput  # the input, validated again by the service
    states: tuple[str, ...] | None = None  # allowed values of `state_field`; None: any
    state_field: str = "status"
    applies: Callable[[Any], bool] | None = None  # for rules a state list cannot say (e.g. not yet acknowledged)
    not_applicable: str = ""  # the refusal when the object's state does not allow the action
    # whether the button is offered to this user on this object, for rules about the user (e.g. an order sent to
    # the user's unit); only hides the button: the service refuses the same cases itself
    offered_to: Callable[[Any, Any], bool] | None = None
    icon: str = "bi-check2-circle"
    style: str = "primary"  # Bootstrap button colour
    # the question the page asks before acting, saying what will happen; "" asks a general question for a
    # rejecting / ending action (style "danger" or "warning") and nothing for the others
    confirm: str = ""
    # free keys read by custom pages: "confirm" (the same as `confirm`), "done" (a custom page's message)
    extra: dict[str, Any] = field(default_factory=dict)

    def refusal(self, obj: Any) -> str | None:
        """The Chinese refusal when `obj` is in a state this action does not apply to, else None."""
        ok = True
        if self.states is not None:
            ok = getattr(obj, self.state_field, None) in self.states
        if ok and self.applies is not None:
            ok = bool(self.applies(obj))
        if ok:
            return None
        if self.not_applicable:
            return self.not_applicable
        display: str = getattr(obj, f"get_{self.state_field}_display", lambda: "")()
        return f"“{obj}”当前状态为“{display}”，不能{self.label}。" if display else f"“{obj}”当前不能{self.label}。"

    def question(self, obj: Any) -> str:
        """The confirmation shown before the button acts (empty: none)."""
        if self.confirm or self.extra.get("confirm"):
            return str(self.confirm or self.extra["confirm"])
        if self.style in ("danger", "warning"):
            return f"将对“{obj}”执行“{self.label}”，提交后不能撤销。确定{self.label}？"
        return ""

    def perform(self, actor: Any, obj: Any, data: Mapping[str, Any]) -> Any:
        """Validate the input with the action's form and run the service: the one path of page and API.
        Raises `ServiceError` (state, invalid input, the service's own refusals)."""
        message = self.refusal(obj)
        if message:
            raise ServiceError("bad_state", message)
        form = self.form(data=data)
        if not form.is_valid():
            fields = {k: [str(e) for e in v] for k, v in form.errors.items()}
            raise ServiceError("invalid", "提交的数据有误。", fields)
        return self.run(actor, obj, **form.cleaned_data)

    def available_to(self, user: Any, obj: Any) -> bool:
        if not user.has_perm(self.permission) or self.refusal(obj) is not None:
            return False
        return self.offered_to is None or bool(self.offered_to(user, obj))


_actions: dict[str, dict[str, Action]] = {}


def register(action: Action) -> Action:
    by_name = _actions.setdefault(action.model_label.lower(), {})
    by_name[action.name] = action
    return action


def for_model(model_label: str) -> list[Action]:
    return list(_actions.get(model_label.lower(), {}).values())


def get(model_label: str, name: str) -> Action | None:
    return _actions.get(model_label.lower(), {}).get(name)


def all_actions() -> list[Action]:
    return [a for by_name in _actions.values() for a in by_name.values()]


# --- the API side: a serializer for the OpenAPI document, built from the action's form -----------------------


def input_serializer(action: Action) -> type[serializers.Serializer[Any]]:
    """A DRF serializer mirroring the action's form fields, for the schema (the form validates)."""
    from rest_framework import serializers

    # first match wins: a ModelChoiceField is a ChoiceField whose choices are a query (not at import)
    mapping: list[tuple[type[forms.Field], Callable[[Any], serializers.Field[Any, Any, Any, Any]]]] = [
        (forms.BooleanField, lambda f: serializers.BooleanField(required=False)),
        (forms.IntegerField, lambda f: serializers.IntegerField(required=f.required)),
        (forms.ModelChoiceField, lambda f: serializers.IntegerField(required=f.required)),
        (forms.ChoiceField, lambda f: serializers.ChoiceField(choices=f.choices, required=f.required)),
        (forms.DateTimeField, lambda f: serializers.DateTimeField(required=f.required)),
        (forms.DateField, lambda f: serializers.DateField(required=f.required)),
    ]
    attrs: dict[str, Any] = {}
    for name, f in action.form.base_fields.items():
        for kind, make in mapping:
            if isinstance(f, kind):
                attrs[name] = make(f)
                break
        else:
            attrs[name] = serializers.CharField(required=f.required, allow_blank=not f.required)
        attrs[name].label = f.label
    model = action.model_label.split(".")[1].title()
    name = f"{model}{action.name.title().replace('_', '')}Input"
    serializer: type[serializers.Serializer[Any]] = type(name, (serializers.Serializer,), attrs)
    return serializer


def viewset_actions(config: type[ModelConfig]) -> dict[str, Any]:
    """DRF `@action` methods for the config's registered actions, to add to its viewset class."""
    from drf_spectacular.utils import extend_schema
    from rest_framework.decorators import action as drf_action

    methods: dict[str, Any] = {}
    for act in for_model(config.model._meta.label_lower):

        def run(self: Any, request: Request, pk: Any = None, _act: Action = act) -> Response:
            obj = self.get_object()  # the scoped queryset: 404 outside the user's scope
            data = request.data if hasattr(request.data, "get") else {}
            obj = _act.perform(request.user, obj, data)
            return Response(self.get_serializer(obj).data)

        run.__name__ = f"action_{act.name}"
        run.__doc__ = f"{act.label}（需要权限 {act.permission}）。"
        decorated = extend_schema(summary=act.label, request=input_serializer(act), responses=None)(
            drf_action(detail=True, methods=["post"], url_path=act.name.replace("_", "-"), url_name=act.name)(run)
        )
        methods[f"action_{act.name}"] = decorated
    return methods

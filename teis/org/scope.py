"""Data scope (数据权限): which rows a user may see, resolved from the user's unit and roles."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q

from teis.core.models import SCOPE_RANK, DataScope

if TYPE_CHECKING:
    from .models import Officer


def officer_with_unit(user: Any) -> Officer | None:
    """The user's officer profile with its unit, in one query, cached on the user object (so that
    `user.officer` and `user.officer.unit` cost nothing more for the rest of the request)."""
    from django.contrib.auth import get_user_model

    from .models import Officer

    descriptor = get_user_model().officer.related
    if descriptor.is_cached(user):
        officer: Officer | None = descriptor.get_cached_value(user)
        return officer
    officer = Officer.objects.select_related("unit__parent").filter(user=user).first()
    descriptor.set_cached_value(user, officer)
    return officer


def users_in_scope(qs, user):
    """Accounts restricted to those whose officer profile is in the user's scope (`User` has no scoped manager)."""
    from .models import Officer

    return qs.filter(officer__in=Officer.objects.for_user(user).values("pk"))


def unit_paths(ids) -> list[str]:
    from .models import Unit

    return list(Unit.objects.filter(pk__in=ids).values_list("path", flat=True))


def scope_unit(officer):
    """The unit whose subtree a subtree scope covers: the officer's unit, except for a 机关科室 (法制科, 督察科 …),
    which works for the organ it belongs to: its parent's subtree (a corps' 法制科 reviews the whole corps' cases,
    not only the few registered in the department itself)."""
    from .choices import UnitType

    unit = officer.unit
    if unit.unit_type == UnitType.DEPARTMENT and unit.parent_id:
        return unit.parent
    return unit


def user_data_scope(user) -> str | None:
    """The widest scope among the user's roles, or None when the user has no officer profile.

    Cached on the user object for the request, so a page pays for it once.
    """
    cached = getattr(user, "_teis_scope", None)
    if cached is not None:
        return cached or None
    if user.is_superuser:
        scope = DataScope.ALL
    else:
        officer = officer_with_unit(user)
        if officer is None:
            scope = ""
        else:
            scopes = list(officer.roles.values_list("data_scope", flat=True))
            scope = max(scopes, key=lambda s: SCOPE_RANK[DataScope(s)]) if scopes else DataScope.OWN
    user._teis_scope = scope
    return scope or None


def scope_filter(user, model) -> Q | None:
    """A Q restricting `model` to the user's scope, or None for no restriction. Unknown users see nothing.

    A model may also be shared with a second unit (`scope_shared_unit_field`, e.g. the unit asked to assist) for
    the rows matching `scope_shared_when` (filter keywords): those rows are in scope for that unit as well, by the
    same rule (its subtree for a subtree scope; the unit itself for a unit or own scope: they are addressed to it).
    With `scope_shared_to_subtree`, a row addressed to a unit is in scope for every unit below it too (orders).
    The shared field may be many-to-many (several addressed units)."""
    condition = _own_scope_filter(user, model)
    shared_field = getattr(model, "scope_shared_unit_field", None)
    scope = user_data_scope(user)
    if condition is None or not shared_field or scope is None:
        return condition
    officer = user.officer
    if scope == DataScope.SUBTREE:
        shared = Q(**{f"{shared_field}__path__startswith": scope_unit(officer).path})
    else:
        shared = Q(**{shared_field: officer.unit_id})
    if getattr(model, "scope_shared_to_subtree", False):
        # addressed to a unit means addressed to everyone below it as well (an order sent to a brigade reaches
        # its squads): the rows addressed to the user's unit or to any unit above it
        shared |= Q(**{f"{shared_field}__path__in": _path_prefixes(officer.unit.path)})
    shared &= Q(**getattr(model, "scope_shared_when", {}))
    if model._meta.get_field(shared_field.split("__")[0]).many_to_many:
        # a row addressed to several units would be joined once per unit: select the rows by key instead
        shared = Q(pk__in=model._base_manager.filter(shared).values("pk"))
    return condition | shared


def _path_prefixes(path: str) -> list[str]:
    """The materialised paths of a unit and of every unit above it ("0001.", "0001.0004." …)."""
    parts = [p for p in path.split(".") if p]
    return [".".join(parts[: i + 1]) + "." for i in range(len(parts))]


def _own_scope_filter(user, model) -> Q | None:
    scope = user_data_scope(user)
    if scope is None:
        return Q(pk__in=[])
    if scope == DataScope.ALL:
        return None
    unit_field = getattr(model, "scope_unit_field", None)
    owner_field = getattr(model, "scope_owner_field", None)
    if unit_field is None and owner_field is None:
        return None  # reference data (dictionaries, roles) is not organisation-bound
    officer = user.officer
    unit_prefix = f"{unit_field}__" if unit_field else ""
    if scope == DataScope.OWN:
        if owner_field:
            return Q(**{owner_field: user})
        return Q(**{f"{unit_prefix}pk": officer.unit_id}) if unit_field is not None else Q(pk__in=[])
    if unit_field is None:
        return Q(**{owner_field: user})
    if scope == DataScope.UNIT:
        return Q(**{f"{unit_prefix}pk": officer.unit_id})
    return Q(**{f"{unit_prefix}path__startswith": scope_unit(officer).path})

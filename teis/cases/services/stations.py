"""站点派发规则 (`StationAssignment`): a detection station's default unit and officer, written through core's
generic views and API with this service (`StationAssignmentConfig.service`): the unit and the officer must be in
the actor's data scope, and the officer must belong to the unit (as in `dispatch.do_reassign`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from teis.core.services import GenericService, ServiceError

from ..models import StationAssignment

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from teis.org.models import Unit


def check_station_rule(actor: User, unit: Unit | None, officer: User | None) -> None:
    """Refuse a unit or officer outside the actor's scope with a Chinese message on the field."""
    from teis.org.models import Officer, Unit

    scoped = Unit.objects.for_user(actor)
    if unit is not None and not scoped.filter(pk=unit.pk).exists():
        raise ServiceError(
            "unit_out_of_scope", "所选默认执法机构不在您的数据权限范围内", {"unit": ["超出数据权限范围"]}
        )
    if officer is None:
        return
    unit_id = Officer.objects.filter(user=officer).values_list("unit_id", flat=True).first()
    if unit_id is None or not scoped.filter(pk=unit_id).exists():
        raise ServiceError(
            "officer_out_of_scope", "所选默认执法人员不在您的数据权限范围内", {"officer": ["超出数据权限范围"]}
        )
    if unit is not None and unit_id != unit.pk:
        raise ServiceError(
            "officer_not_in_unit", "所选默认执法人员不属于该执法机构", {"officer": ["不属于所选执法机构"]}
        )


class StationAssignmentService(GenericService):
    def do_create(self, actor: User, model: type[models.Model], data: dict[str, Any]) -> models.Model:
        check_station_rule(actor, data.get("unit"), data.get("officer"))
        return super().do_create(actor, model, data)

    def do_update(self, actor: User, obj: models.Model, data: dict[str, Any]) -> models.Model:
        assert isinstance(obj, StationAssignment)
        unit = data.get("unit", obj.unit)
        officer = data.get("officer", obj.officer)
        check_station_rule(actor, unit, officer)
        return super().do_update(actor, obj, data)


station_service = StationAssignmentService()

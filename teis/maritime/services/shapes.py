"""Audited writes of areas, sections and checkpoints: the generic service with the geometry checked (the API
sends GeoJSON / coordinate lists straight to it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from teis.core.services import GenericService, ServiceError

from . import geometry

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class ShapeService(GenericService):
    shape_fields: dict[str, tuple[Any, ...]] = {
        "geometry": (geometry.check_polygon, True),
        "coordinates": (geometry.check_polyline, True),
        "coverage": (geometry.check_polygon, False),
    }

    def _clean(self, model: type[models.Model], data: dict[str, Any]) -> dict[str, Any]:
        data = dict(data)
        for name, (check, required) in self.shape_fields.items():
            try:
                model._meta.get_field(name)
            except Exception:
                continue
            if name not in data:
                continue
            value = data[name]
            if value in (None, "", {}):
                if required:
                    raise ServiceError("invalid", "请填写坐标", {name: ["必填"]})
                data[name] = None
                continue
            data[name] = check(value, name)
        return data

    def do_create(self, actor: User, model: type[models.Model], data: dict[str, Any]) -> models.Model:
        return super().do_create(actor, model, self._clean(model, data))

    def do_update(self, actor: User, obj: models.Model, data: dict[str, Any]) -> models.Model:
        return super().do_update(actor, obj, self._clean(type(obj), data))


shape_service = ShapeService()

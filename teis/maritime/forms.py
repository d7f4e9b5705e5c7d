"""Forms of 水上执法: areas and sections accept GeoJSON or typed "经度,纬度;经度,纬度" coordinates (the map page
draws and fills the same field)."""

from __future__ import annotations

import json

from django import forms

from teis.core.forms import ScopedModelForm
from teis.core.services import ServiceError

from .models import Checkpoint, SectionLine, WaterArea
from .services import geometry

GEOMETRY_HELP = "GeoJSON 多边形，或“经度,纬度;经度,纬度;…”（至少三个点，自动闭合）；也可在“重点区域”地图页绘制"


def _parse(value, check, field):
    if isinstance(value, (dict, list)):
        data = value
    else:
        text = (value or "").strip()
        if not text:
            raise forms.ValidationError("请填写坐标")
        try:
            data = json.loads(text)
        except ValueError:
            data = text
    try:
        return check(data, field)
    except ServiceError as exc:
        raise forms.ValidationError(exc.message) from exc


class ShapeForm(ScopedModelForm):
    """A form with one shape field (`shape_field`, checked by `shape_check`): GeoJSON or typed coordinates in,
    the checked value out; an existing record's shape is shown as text (`shape_text`)."""

    shape_field = ""
    shape_check = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.shape_field:
            setattr(cls, f"clean_{cls.shape_field}", cls._clean_shape)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        value = getattr(self.instance, self.shape_field) if self.instance.pk else None
        if isinstance(value, (dict, list)):
            self.initial[self.shape_field] = self.shape_text(value)

    def shape_text(self, value) -> str:
        return json.dumps(value)

    def _clean_shape(self):
        value = self.cleaned_data.get(self.shape_field)
        if not value and not self.fields[self.shape_field].required:
            return None
        return _parse(value, type(self).shape_check, self.shape_field)


class WaterAreaForm(ShapeForm):
    shape_field, shape_check = "geometry", geometry.check_polygon
    geometry = forms.CharField(label="范围", widget=forms.Textarea(attrs={"rows": 3}), help_text=GEOMETRY_HELP)

    class Meta:
        model = WaterArea
        fields = ["name", "kind", "unit", "geometry", "priority", "visible", "monitored", "is_active", "remark"]


class SectionLineForm(ShapeForm):
    shape_field, shape_check = "coordinates", geometry.check_polyline
    coordinates = forms.CharField(
        label="折线坐标", widget=forms.Textarea(attrs={"rows": 2}), help_text="“经度,纬度;经度,纬度”，至少两个点"
    )

    class Meta:
        model = SectionLine
        fields = ["name", "unit", "coordinates", "forward_label", "reverse_label", "is_active", "remark"]

    def shape_text(self, value) -> str:
        return ";".join(f"{x},{y}" for x, y in value)


class CheckpointForm(ShapeForm):
    shape_field, shape_check = "coverage", geometry.check_polygon
    coverage = forms.CharField(
        label="覆盖范围", required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=GEOMETRY_HELP
    )

    class Meta:
        model = Checkpoint
        fields = ["code", "name", "unit", "lon", "lat", "coverage", "is_active", "remark"]

"""Role names for process diagrams: BPMN lanes are named by role code (the engine routes by it), people
read the role's Chinese name."""

from __future__ import annotations

import json

from django import template

register = template.Library()


@register.simple_tag
def role_names_json() -> str:
    from teis.org.models import Role

    return json.dumps(dict(Role.objects.values_list("code", "name")), ensure_ascii=False)

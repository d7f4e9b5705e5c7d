from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def indent(depth) -> str:
    """Full-width spaces for a unit's depth in a select."""
    try:
        return "　" * max(0, int(depth) - 1)
    except (TypeError, ValueError):
        return ""

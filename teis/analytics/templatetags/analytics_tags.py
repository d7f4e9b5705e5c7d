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


@register.filter
def num(value) -> str:
    """A figure as people read it: thousands separated, whole numbers without a decimal point."""
    if value is None or value == "":
        return "—"
    try:
        f = float(value)
    except (TypeError, ValueError):
        return str(value)
    if f.is_integer():
        return f"{int(f):,}"
    return f"{f:,.1f}"

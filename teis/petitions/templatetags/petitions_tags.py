"""Template tags of 投诉信访: the petitions behind a case, for the case page (`petitions/_case_petitions.html`)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def case_petitions(context, case):
    """The petitions linked to `case` that the current user may see; None when the user may not view petitions
    (the section is then not shown)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or case is None or not user.has_perm("petitions.view_petition"):
        return None
    from teis.petitions.services.flow import petitions_of_case

    return petitions_of_case(user, case)


@register.filter
def get(mapping, key):
    """`row|get:"total"` in templates."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def signed(value, suffix=""):
    """A change with its sign and ▲/▼, "—" when there is nothing to compare with."""
    if value is None:
        return "—"
    arrow = "▲" if value > 0 else ("▼" if value < 0 else "")
    return f"{arrow}{abs(value)}{suffix}"

from django import template

register = template.Library()


@register.simple_tag
def workflow_history(instance):
    """The step history of a process instance, for `workflow/_history.html`."""
    from teis.workflow.services import history

    return history(instance) if instance is not None else []


@register.filter
def role_label(code: str) -> str:
    """The Chinese name of a role code (lanes are named by code)."""
    from teis.org.models import Role

    names = dict(Role.objects.values_list("code", "name"))
    return names.get(code, code)

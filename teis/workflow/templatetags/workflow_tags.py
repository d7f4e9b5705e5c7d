from django import template

register = template.Library()


@register.simple_tag
def workflow_history(instance):
    """The step history of a process instance, for `workflow/_history.html`."""
    from teis.workflow.services import history

    return history(instance) if instance is not None else []

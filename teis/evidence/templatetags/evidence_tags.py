"""`{% case_evidence_section case %}`: the case page's evidence section (linked items the user may see,
link and unlink forms). Used by teis/templates/evidence/_case_evidence.html."""

from django import template

from ..models import EvidenceItem
from ..services.links import LINK_PERMISSION, case_links

register = template.Library()


@register.inclusion_tag("evidence/_case_evidence_section.html", takes_context=True)
def case_evidence_section(context, case):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("evidence.view_evidenceitem"):
        return {"visible": False}
    links = list(case_links(user, case))
    can_link = user.has_perm(LINK_PERMISSION)
    linked = {link.item_id for link in links}
    candidates = []
    if can_link:
        candidates = [
            i
            for i in EvidenceItem.objects.for_user(user)
            .filter(status="active")
            .only("pk", "title", "created_at")
            .order_by("-created_at")[:100]
            if i.pk not in linked
        ]
    return {
        "visible": True,
        "case": case,
        "links": links,
        "can_link": can_link,
        "candidates": candidates,
        "csrf_token": context.get("csrf_token"),
    }

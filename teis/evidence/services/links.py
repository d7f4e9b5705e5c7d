"""Links between evidence and cases (many-to-many with a description per link), from either side."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.http import Http404

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.services import ServiceError, fit

from ..models import CaseEvidenceLink, EvidenceItem
from .principal import audit_actor

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models import QuerySet

    from teis.cases.models import EnforcementCase


def access_case(user: User, pk: int) -> EnforcementCase:
    from teis.cases.models import EnforcementCase

    case = EnforcementCase.objects.for_user(user).filter(pk=pk).first()
    if case is None:
        raise Http404("案件不存在或不在您的数据权限范围内")
    return case


def find_case(user: User, key: str) -> EnforcementCase | None:
    """A case in the user's scope by unified case code (统一案件编码), file number (文号) or id."""
    from teis.cases.services.case import find_case as find_case_in_scope

    return find_case_in_scope(user, key)


LINK_PERMISSION = "evidence.link_evidenceitem"


def _check_linkable(actor: User, item: EvidenceItem, case: EnforcementCase) -> None:
    if not actor.has_perm(LINK_PERMISSION):
        raise ServiceError("permission_denied", "没有关联证据的权限")
    if not EvidenceItem.objects.for_user(actor).filter(pk=item.pk).exists():
        raise ServiceError("not_found", "证据不存在或不在您的数据权限范围内")
    access_case(actor, case.pk)


def do_link(
    actor: User, item: EvidenceItem, case: EnforcementCase, description: str = "", *, check_scope: bool = True
) -> CaseEvidenceLink:
    """Link an item to a case. One transaction, audited; refused when already linked."""
    if check_scope:
        _check_linkable(actor, item, case)
    description = fit(CaseEvidenceLink, "description", description or "", strip=True)
    try:
        with transaction.atomic():
            link = CaseEvidenceLink.objects.create(
                item=item, case=case, description=description, linked_by=audit_actor(actor)
            )
            audit.record(
                audit_actor(actor),
                AuditAction.UPDATE,
                item,
                detail={
                    "operation": "evidence.link",
                    "case_id": case.pk,
                    "case": str(case),
                    "description": description,
                },
            )
    except IntegrityError:
        raise ServiceError("already_linked", "该证据已关联此案件") from None
    from .retention import refresh_delete_after

    refresh_delete_after(item)
    return link


def do_unlink(actor: User, item: EvidenceItem, case: EnforcementCase) -> None:
    _check_linkable(actor, item, case)
    with transaction.atomic():
        link = CaseEvidenceLink.objects.select_for_update().filter(item=item, case=case).first()
        if link is None:
            raise ServiceError("not_linked", "该证据未关联此案件")
        link.delete()
        audit.record(
            audit_actor(actor),
            AuditAction.UPDATE,
            item,
            detail={"operation": "evidence.unlink", "case_id": case.pk, "case": str(case)},
        )
    from .retention import refresh_delete_after

    refresh_delete_after(item)


def case_links(user: User, case: EnforcementCase) -> QuerySet[CaseEvidenceLink]:
    """The case's evidence the user may see, with the link descriptions."""
    visible = EvidenceItem.objects.for_user(user).values("pk")
    return (
        CaseEvidenceLink.objects.filter(case=case, item__in=visible)
        .exclude(item__status="purged")
        .select_related("item", "item__officer", "linked_by")
        .order_by("linked_at", "id")
    )

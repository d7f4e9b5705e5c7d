"""代理人: a substitute sees and acts on a principal's tasks for a period (who may act is `people._acting_for`)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.services import ServiceError

from ..models import Substitute
from .people import _check_target_user


def do_set_substitute(actor: Any, user: Any, substitute: Any, start: Any, end: Any, reason: str = "") -> Substitute:
    """代理人: `substitute` may see and act on `user`'s tasks between start and end."""
    if substitute is None or user is None or substitute.pk == user.pk:
        raise ServiceError("invalid_substitute", "代理人不能是本人", {"substitute": ["代理人不能是本人"]})
    if end <= start:
        raise ServiceError("invalid_period", "结束时间必须晚于开始时间", {"end": ["结束时间必须晚于开始时间"]})
    if actor.pk != user.pk and not actor.has_perm("workflow.add_substitute"):
        raise ServiceError("permission_denied", "只能为本人设置代理人")
    if actor.pk != user.pk:
        _check_target_user(actor, substitute)
    with transaction.atomic():
        sub = Substitute.objects.create(
            user=user, substitute=substitute, start=start, end=end, reason=reason, created_by=actor
        )
        audit.record(actor, AuditAction.CREATE, sub, changes={"代理人": [None, str(substitute)]})
    return sub

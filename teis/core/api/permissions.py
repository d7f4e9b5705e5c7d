from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework.request import Request

if TYPE_CHECKING:
    from teis.core.registry import ModelConfig
from rest_framework.permissions import BasePermission

ACTIONS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


class ModelPermission(BasePermission):
    """Authenticated, and holding `<app>.<action>_<model>` for the view's registered model.

    Views without a `config` require authentication only. A refusal is audited.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        config = getattr(view, "config", None)
        if config is None:
            return True
        perm = _action_permission(view, config)
        if perm is None:
            action = getattr(view, "permission_action", None) or ACTIONS.get(request.method or "", "view")
            perm = config.perm(action)
        if request.user.has_perm(perm):
            return True
        from teis.core.choices import AuditAction
        from teis.core.ports import audit

        audit.record(request.user, AuditAction.PERMISSION_DENIED, detail={"permission": perm, "path": request.path})
        return False


def _action_permission(view: Any, config: type[ModelConfig]) -> str | None:
    """The permission of a registered action (`teis.core.actions`) the request runs, if it runs one."""
    name = getattr(view, "action", None) or ""
    if not name.startswith("action_"):
        return None
    from teis.core import actions

    act = actions.get(config.model._meta.label_lower, name.removeprefix("action_"))
    return act.permission if act is not None else None

"""`manage.py sync_roles`: after an upgrade, give the standard roles the permissions new features brought.

Run after `migrate` (scripts/run.sh does; docs/deploy.md lists it for production). Adds only: a standard role
always holds at least its definition's permissions (`teis.org.roles.grant_new_permissions`). Audited as a role
change."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "为标准角色补充新功能带来的权限（只增不减）"

    def handle(self, *args, **options):
        from teis.audit import services as audit
        from teis.audit.choices import AuditAction
        from teis.org.roles import grant_new_permissions

        with transaction.atomic():
            added = grant_new_permissions()
            if added:
                audit.record(None, AuditAction.ROLE_CHANGE, detail={"operation": "org.sync_roles", "added": added})
        if added:
            self.stdout.write("已为角色补充权限：" + "，".join(f"{k} +{v}" for k, v in sorted(added.items())))

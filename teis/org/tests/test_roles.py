"""Standard roles after an upgrade: `manage.py sync_roles`."""

import pytest


@pytest.mark.django_db
def test_sync_roles_after_an_upgrade_adds_what_the_definitions_gained_and_takes_nothing(roles):
    """An upgrade brings a new action's permission: `manage.py sync_roles` gives it to the standard roles that
    define it, creates a standard role that does not exist yet, keeps what was added by hand, and is audited."""
    from django.contrib.auth.models import Permission
    from django.core.management import call_command

    from teis.audit.models import AuditRecord
    from teis.org.models import Role
    from teis.org.roles import grant_new_permissions

    officer = Role.objects.get(code="field_officer")
    new = officer.permissions.get(codename="link_evidenceitem")
    officer.permissions.remove(new)  # as before the upgrade
    extra = Permission.objects.get(codename="view_jobrun")
    officer.permissions.add(extra)  # given by hand
    Role.objects.get(code="finance_officer").delete()
    call_command("sync_roles")
    officer.refresh_from_db()
    assert officer.permissions.filter(pk=new.pk).exists() and officer.permissions.filter(pk=extra.pk).exists()
    assert Role.objects.filter(code="finance_officer").exists()
    assert AuditRecord.objects.filter(detail__operation="org.sync_roles").exists()
    assert grant_new_permissions() == {}  # nothing more to add

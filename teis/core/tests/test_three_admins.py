"""三员分立 for business data (issue 15): the system, security and audit administrators open only
administration pages. Generated: every registered model's list page and API list, as each administrator."""

from __future__ import annotations

import pytest

from teis.core.testing import logged_in_client

pytestmark = pytest.mark.django_db

ADMINS = ("system_admin", "security_admin", "audit_admin")
ADMIN_MENU_GROUPS = {"工作台", "组织人员", "系统管理", "安全管理", "审计管理", "运维管理"}


def _business_configs():
    from teis.core.registry import registry

    return [c for c in registry.configs.values() if not c.is_administration()]


def test_there_is_business_data_to_walk():
    labels = {c.model._meta.label_lower for c in _business_configs()}
    assert {"maritime.crewmember", "maritime.clue", "dispatch.nondutyuse"} <= labels


@pytest.mark.parametrize("role", ADMINS)
def test_administrators_cannot_open_business_models(role, make_user):
    from django.urls import reverse

    from teis.core.api.viewsets import api_slug

    admin = make_user(role, "corps", username=role)
    client = logged_in_client(admin)
    opened = []
    for config in _business_configs():
        status = client.get(reverse(config.url_name("list"))).status_code
        if status not in (403, 404):
            opened.append((config.model._meta.label_lower, "page", status))
        if config.api:
            status = client.get(f"/api/v1/{api_slug(config)}/").status_code
            if status not in (403, 404):
                opened.append((config.model._meta.label_lower, "api", status))
    assert opened == []


@pytest.mark.parametrize("role", ADMINS)
def test_administrators_hold_no_business_permission(role, roles):
    """The permission lists themselves: nothing of a business model, so no page can leak it either."""
    from teis.core.registry import registry

    business_apps = {c.app_label for c in _business_configs()}
    admin_labels = {c.model._meta.label_lower for c in registry.configs.values() if c.is_administration()}
    leaked = []
    for perm in roles[role].permissions.select_related("content_type"):
        label = f"{perm.content_type.app_label}.{perm.content_type.model}"
        if perm.content_type.app_label in business_apps and label not in admin_labels:
            leaked.append(f"{perm.content_type.app_label}.{perm.codename}")
    assert leaked == []


@pytest.mark.parametrize("role", ADMINS)
def test_administrators_menu_holds_only_administration(role, make_user):
    from teis.core.registry import registry

    admin = make_user(role, "corps", username=role)
    by_list_url = {c.url_name("list"): c for c in registry.configs.values()}
    business = []
    for group, _icon, entries in registry.menu_for(admin):
        for entry in entries:
            config = by_list_url.get(entry.url_name)
            # a model's list: only administration models; any other page: only in an administration group
            is_admin = config.is_administration() if config is not None else group in ADMIN_MENU_GROUPS
            if not is_admin:
                business.append(entry.label)
    assert business == []

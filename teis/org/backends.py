"""Authentication backend: permissions come from the officer's roles, not from Django groups."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from .choices import OfficerStatus


class RoleBackend(ModelBackend):
    def user_can_authenticate(self, user) -> bool:
        if not super().user_can_authenticate(user):
            return False
        officer = getattr(user, "officer", None) if hasattr(user, "officer") else None
        return officer is None or officer.status != OfficerStatus.DISABLED

    def _get_group_permissions(self, user_obj):
        return Permission.objects.filter(role__officers__user=user_obj)

    def _get_user_permissions(self, user_obj):
        # Permissions are granted through roles only (统一授权); per-user grants are not used, so the
        # query Django would make for them on every request is skipped.
        return Permission.objects.none()

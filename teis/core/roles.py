"""Permissions core adds to the standard roles (merged by `teis.org.roles.ensure_roles`): the system
administrator maintains the working-day calendar (节假日安排)."""

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "system_admin": [
        *(f"core.{action}_calendarday" for action in ("view", "add", "change", "delete")),
        *(f"core.{action}_holidaynotice" for action in ("view", "add", "change", "delete")),
    ],
}

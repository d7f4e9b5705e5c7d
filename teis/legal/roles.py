"""Permissions this app adds to the standard roles (merged by `teis.org.roles.ensure_roles`).

Every officer may apply a discretion benchmark (选取适用, `legal.view_discretionbenchmark`); the applicant — and the
leaders in scope — see the application's page, where the legal reviewer's decision is (the todo and the
notification link there). The data scope keeps a field officer to their own applications.
"""

_APPLICATIONS = ["legal.view_discretionapplication"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "field_officer": _APPLICATIONS,
    "squad_leader": _APPLICATIONS,
    "brigade_leader": _APPLICATIONS,
}
EXTRA_ROLES: list = []

"""Permissions this app adds to the standard roles (merged by `teis.org.roles.ensure_roles`).

`ROLE_PERMISSIONS` maps a role code of `teis.org.roles.ROLE_DEFS` to permission labels; `EXTRA_ROLES` lists
`RoleDef`s of roles only this app needs.
"""

_VIEW = [
    "maritime.view_vessel", "maritime.view_vesselcertificate", "maritime.view_vesselevent", "maritime.view_waterarea",
    "maritime.view_sectionline", "maritime.view_alert", "maritime.view_checkpoint", "maritime.view_perception",
    "maritime.view_clue", "maritime.view_trackingtask", "maritime.view_crewmember", "maritime.view_port",
    "maritime.view_wateraccident", "maritime.view_emergencyinfo", "maritime.view_aidtonavigation",
    "maritime.view_basestation",
]  # fmt: skip
_OWN = [
    "maritime.view_watchgroup",
    "maritime.add_watchgroup",
    "maritime.change_watchgroup",
    "maritime.delete_watchgroup",
]
_MANAGE = [
    f"maritime.{a}_{m}"
    for m in ("vessel", "vesselcertificate", "waterarea", "sectionline", "checkpoint", "trackingtask", "crewmember",
              "port", "wateraccident", "emergencyinfo", "basestation")
    for a in ("add", "change", "delete")
]  # fmt: skip

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "field_officer": [*_VIEW, *_OWN, "maritime.change_clue", "maritime.dispose_alert"],
    "squad_leader": [
        *_VIEW,
        *_OWN,
        "maritime.change_alert",
        "maritime.dispose_alert",
        "maritime.change_clue",
        "maritime.add_trackingtask",
        "maritime.change_trackingtask",
    ],  # fmt: skip
    "brigade_leader": [*_VIEW, *_OWN, "maritime.change_alert", "maritime.dispose_alert", "maritime.change_clue"],
    "command_center": [
        *_VIEW,
        *_OWN,
        *_MANAGE,
        "maritime.change_alert",
        "maritime.dispose_alert",
        "maritime.change_clue",
        "maritime.add_perception",
        "maritime.view_maritimesettings",
        "maritime.change_maritimesettings",
    ],
    "leadership": [*_VIEW, *_OWN],
    # no administrator role: 三员分立 keeps the system administrator out of business data (crew ID numbers, clues)
}
EXTRA_ROLES: list = []

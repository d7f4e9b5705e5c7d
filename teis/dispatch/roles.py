"""Permissions this app adds to the standard roles (merged by `teis.org.roles.ensure_roles`).

`ROLE_PERMISSIONS` maps a role code of `teis.org.roles.ROLE_DEFS` to permission labels; `EXTRA_ROLES` lists
`RoleDef`s of roles only this app needs.
"""


def _perms(model: str, *actions: str) -> list[str]:
    return [f"dispatch.{a}_{model}" for a in actions]


_VIEW_ALL = [
    *_perms("patrolvehicle", "view"),
    *_perms("checkpoint", "view"),
    *_perms("geofence", "view"),
    *_perms("alarm", "view"),
    *_perms("fixrecord", "view"),
    *_perms("terminalcommand", "view"),
    *_perms("dutytemplate", "view"),
    *_perms("dutyplan", "view"),
    *_perms("dutytask", "view"),
    *_perms("dutyfeedback", "view"),
    *_perms("dutyorder", "view"),
    *_perms("orderfeedback", "view"),
    *_perms("orderreceipt", "view"),
    *_perms("crossdistrictrequest", "view"),
    *_perms("nondutyuse", "view"),
    *_perms("leaderonduty", "view"),
    *_perms("nfctag", "view"),
    *_perms("signin", "view"),
]
_CRUD = ("view", "add", "change", "delete")

_OFFICER = [
    *_VIEW_ALL,
    *_perms("signin", "add"),
    *_perms("dutyfeedback", "add", "change"),
    *_perms("orderfeedback", "add"),
    *_perms("nondutyuse", "add"),
]
_SQUAD = [
    *_OFFICER,
    *_perms("dutyplan", "add", "change", "delete"),
    *_perms("dutytask", "add", "change", "delete"),
    *_perms("dutytemplate", "add", "change"),
    *_perms("crossdistrictrequest", "add", "change"),
    *_perms("nondutyuse", "change"),
    "dispatch.acknowledge_dutyorder",
    *_perms("leaderonduty", "add", "change"),
    *_perms("alarm", "change"),
    *_perms("terminalcommand", "add"),
]
_BRIGADE = [
    *_SQUAD,
    "dispatch.approve_dutyplan",
    "dispatch.approve_crossdistrictrequest",
    "dispatch.approve_nondutyuse",
    *_perms("patrolvehicle", *_CRUD),
    *_perms("geofence", *_CRUD),
    *_perms("checkpoint", *_CRUD),
    *_perms("nfctag", *_CRUD),
    *_perms("dutyorder", "add", "change"),
]
_COMMAND = [
    *_BRIGADE,
    *_perms("dispatchsettings", "view", "change"),
    *_perms("dutyorder", "delete"),
    *_perms("dutytemplate", "delete"),
    *_perms("leaderonduty", "delete"),
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "field_officer": _OFFICER,
    "squad_leader": _SQUAD,
    "brigade_leader": _BRIGADE,
    "command_center": _COMMAND,
    "leadership": [
        *_VIEW_ALL,
        "dispatch.approve_dutyplan",
        "dispatch.approve_crossdistrictrequest",
        "dispatch.approve_nondutyuse",
        *_perms("dutyorder", "add"),
    ],
    "operations": _perms("patrolvehicle", "view") + _perms("fixrecord", "view"),
}
EXTRA_ROLES: list = []

"""Permissions this app adds to the standard roles (merged by `teis.org.roles.ensure_roles`).

`ROLE_PERMISSIONS` maps a role code of `teis.org.roles.ROLE_DEFS` to permission labels; `EXTRA_ROLES` lists
`RoleDef`s of roles only this app needs. Officers add and view their own evidence (their role's data scope
is "own"); leaders view in their scope; evidence administrators hold everything.
"""

VIEW = ["evidence.view_evidenceitem", "evidence.view_device"]
EVIDENCE_ADMIN = [
    *VIEW,
    "evidence.add_evidenceitem",
    "evidence.change_evidenceitem",
    "evidence.link_evidenceitem",
    "evidence.delete_evidenceitem",
    "evidence.download_evidenceitem",
    "evidence.manage_retention",
    "evidence.share_evidenceitem",
    "evidence.add_device",
    "evidence.change_device",
    "evidence.delete_device",
    "evidence.view_retentionpolicy",
    "evidence.add_retentionpolicy",
    "evidence.change_retentionpolicy",
    "evidence.delete_retentionpolicy",
    "evidence.view_sharelink",
    "evidence.view_integritycheck",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "field_officer": [
        *VIEW,
        "evidence.add_evidenceitem",
        "evidence.link_evidenceitem",
        "evidence.download_evidenceitem",
    ],
    "squad_leader": [
        *VIEW,
        "evidence.add_evidenceitem",
        "evidence.change_evidenceitem",
        "evidence.link_evidenceitem",
        "evidence.download_evidenceitem",
    ],
    "brigade_leader": [
        *VIEW,
        "evidence.change_evidenceitem",
        "evidence.link_evidenceitem",
        "evidence.download_evidenceitem",
        "evidence.view_sharelink",
    ],
    "legal_reviewer": [
        *VIEW,
        "evidence.download_evidenceitem",
        "evidence.share_evidenceitem",
        "evidence.view_sharelink",
    ],
    "command_center": VIEW,
    "leadership": [*VIEW, "evidence.view_sharelink", "evidence.view_integritycheck"],
    "evidence_admin": EVIDENCE_ADMIN,
    "operations": ["evidence.view_device", "evidence.view_integritycheck"],
}
EXTRA_ROLES: list = []

"""Permissions the case side records add to the standard roles (merged by `teis.org.roles.ensure_roles`).

涉案财物, custody places, car parks and parking records: the evidence / property custodian (证据管理员, role
`evidence_admin`) sees and manages all of them in scope; officers register property on their cases and see it;
leaders see it and dispose of it. 黑名单 and 非法客运: officers register, leaders review and remove. 一超四罚 and
卸载转运 records are read by everyone who reads cases and written through the overload services.
"""


def _crud(label: str) -> list[str]:
    app, model = label.split(".")
    return [f"{app}.{a}_{model}" for a in ("view", "add", "change", "delete")]


PROPERTY_VIEW = [
    "cases.view_caseproperty",
    "cases.view_custodyplace",
    "cases.view_carpark",
    "cases.view_parkingrecord",
]
PROPERTY_MANAGE = [
    *PROPERTY_VIEW,
    "cases.add_caseproperty",
    "cases.change_caseproperty",
    *_crud("cases.custodyplace"),
    *_crud("cases.carpark"),
    "cases.add_parkingrecord",
    "cases.change_parkingrecord",
]
SIDE_VIEW = [
    "cases.view_overloadunloading",
    "cases.view_fourpenaltylink",
    "cases.view_illegaltransportrecord",
    "cases.view_blacklistentry",
]
OFFICER = [
    *PROPERTY_VIEW,
    *SIDE_VIEW,
    "cases.add_caseproperty",
    "cases.add_parkingrecord",
    "cases.add_overloadunloading",
    "cases.add_fourpenaltylink",
    "cases.add_illegaltransportrecord",
    "cases.change_illegaltransportrecord",
    "cases.add_blacklistentry",
]
LEADER = [*OFFICER, "cases.change_caseproperty", "cases.change_parkingrecord", "cases.change_blacklistentry"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "field_officer": OFFICER,
    "squad_leader": LEADER,
    "brigade_leader": LEADER,
    "legal_reviewer": [*PROPERTY_VIEW, *SIDE_VIEW],
    "command_center": [*PROPERTY_VIEW, *SIDE_VIEW],
    "leadership": [*PROPERTY_VIEW, *SIDE_VIEW, "cases.change_blacklistentry"],
    "evidence_admin": ["cases.view_enforcementcase", *PROPERTY_MANAGE],
}

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
# 办案申请 (回避, 协助调查, 先行登记保存, 延期 / 分期): officers file them on their cases; leaders decide
REQUESTS = _crud("cases.caserequest")
OFFICER += REQUESTS
LEADER = [*OFFICER, "cases.change_caseproperty", "cases.change_parkingrecord", "cases.change_blacklistentry"]
DECIDE_REQUESTS = "cases.decide_caserequest"

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "field_officer": OFFICER,
    "squad_leader": LEADER,
    "brigade_leader": [*LEADER, DECIDE_REQUESTS],
    "legal_reviewer": [*PROPERTY_VIEW, *SIDE_VIEW, "cases.view_caserequest"],
    "command_center": [*PROPERTY_VIEW, *SIDE_VIEW],
    "leadership": [
        *PROPERTY_VIEW,
        *SIDE_VIEW,
        "cases.change_blacklistentry",
        "cases.view_caserequest",
        DECIDE_REQUESTS,
    ],
    "evidence_admin": ["cases.view_enforcementcase", *PROPERTY_MANAGE],
}

"""Permissions this app adds to the standard roles (merged by `teis.org.roles.ensure_roles`).

Legal reviewers and brigade leaders maintain the pools, make plans and draw; field officers see and execute
their own tasks and declare relations; squad leaders follow their unit's tasks; the command centre and
leadership view everything (statistics, warnings)."""

VIEW_ALL = [
    "inspections.view_inspectionplan",
    "inspections.view_inspectiontask",
    "inspections.view_inspectionobject",
    "inspections.view_inspector",
    "inspections.view_declaredrelation",
    "inspections.view_checkitem",
    "inspections.view_requiredcheckquota",
    "inspections.view_inspectionwarning",
    "inspections.view_inspectionindicator",
]
MAINTAIN = [
    *VIEW_ALL,
    *(
        f"inspections.{action}_{model}"
        for model in (
            "inspectionobject",
            "inspector",
            "declaredrelation",
            "checkitem",
            "requiredcheckquota",
            "inspectionindicator",
        )
        for action in ("add", "change", "delete")
    ),
    "inspections.add_inspectionplan",
    "inspections.change_inspectionplan",
    "inspections.delete_inspectionplan",
    "inspections.draw_inspectionplan",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "field_officer": [
        "inspections.view_inspectiontask",
        "inspections.change_inspectiontask",
        "inspections.view_checkitem",
        "inspections.view_declaredrelation",
        "inspections.add_declaredrelation",
    ],
    "squad_leader": [
        "inspections.view_inspectiontask",
        "inspections.change_inspectiontask",
        "inspections.view_inspectionplan",
        "inspections.view_inspectionwarning",
        "inspections.view_inspectionindicator",
        "inspections.view_inspector",
        "inspections.view_checkitem",
    ],
    "brigade_leader": MAINTAIN,
    "legal_reviewer": MAINTAIN,
    "command_center": VIEW_ALL,
    "leadership": VIEW_ALL,
}
EXTRA_ROLES: list = []

"""Permissions this app adds to the standard roles (merged by `teis.org.roles.ensure_roles`).

Who does what in the petition flow (the lanes of `processes/petition_*.bpmn`):
- 指挥中心值班员 (command_center, 12345 / 信访受理): 登记, 受理, 派发, 结案审核, 回访;
- 总队领导 (leadership): 批示, 督察 (supervision of overdue petitions), statistics;
- 中队长 / 大队长 (squad_leader / brigade_leader): 承办处理 (transfer, return) for their unit; the brigade leader
  also does the 水上执法审核 of the water variant;
- field officers see the petitions of their unit they registered; system admins maintain the deadline rules.
"""

VIEW = ["petitions.view_petition", "petitions.view_petitionsupervision", "petitions.view_deadlinerule"]
REGISTER = ["petitions.add_petition", "petitions.change_petition"]
HANDLE = "petitions.handle_petition"  # the steps of the flow; the engine decides whose task each one is
QUERIES = ["petitions.view_petitionquery", "petitions.add_petitionquery", "petitions.delete_petitionquery"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "field_officer": ["petitions.view_petition"],
    "squad_leader": [*VIEW, "petitions.change_petition", HANDLE, *QUERIES],
    "brigade_leader": [*VIEW, "petitions.change_petition", HANDLE, *QUERIES],
    "command_center": [*VIEW, *REGISTER, HANDLE, *QUERIES],
    "leadership": [*VIEW, HANDLE, "petitions.change_petitionsupervision", *QUERIES],
    "system_admin": [
        "petitions.view_deadlinerule",
        "petitions.add_deadlinerule",
        "petitions.change_deadlinerule",
        "petitions.delete_deadlinerule",
    ],
}
EXTRA_ROLES: list = []

"""Permissions this app adds to the standard roles (merged by `teis.org.roles.ensure_roles`).

- 统计分析 (the case / 非法客运 statistics, boards, keyword summary): leaders at every level, legal review, the
  command centre; field officers see their own figures (本人 scope) on the same pages.
- 领导驾驶舱 (the big screen): the corps leadership and the command centre.
- 法定月报 and 失信 analysis: the legal department (法制科) generates, reviews and sends; leaders read them.
"""

STATS = ["analytics.view_statistics"]
REPORTS_READ = ["analytics.view_statutoryreport", "analytics.view_dishonestycandidate", "analytics.view_dishonestyrule"]
REPORTS_WORK = [
    *REPORTS_READ,
    "analytics.change_statutoryreport",
    "analytics.add_dishonestyrule",
    "analytics.change_dishonestyrule",
    "analytics.delete_dishonestyrule",
    "analytics.change_dishonestycandidate",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "field_officer": STATS,
    "squad_leader": STATS,
    "brigade_leader": STATS,
    "legal_reviewer": [*STATS, *REPORTS_WORK],
    "command_center": [*STATS, "analytics.view_screen"],
    "leadership": [*STATS, "analytics.view_screen", *REPORTS_READ],
}
EXTRA_ROLES: list = []

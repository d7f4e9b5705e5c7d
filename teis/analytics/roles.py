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

# 评议考核: the legal department organises and scores; the evaluated units (brigade and squad leaders) see their
# objects, submit materials and give feedback on the published results; the leadership reads.
EVALUATION_READ = ["analytics.view_evaluationbatch", "analytics.view_evaluationtarget"]
EVALUATION_UNIT = [
    *EVALUATION_READ,
    "analytics.add_evaluationmaterial",
    "analytics.view_evaluationmaterial",
    "analytics.feedback_evaluationtarget",
]
EVALUATION_WORK = [
    *EVALUATION_READ,
    "analytics.add_evaluationbatch",
    "analytics.change_evaluationbatch",
    "analytics.delete_evaluationbatch",
    "analytics.score_evaluationtarget",
    "analytics.view_evaluationmaterial",
]
# 日常绩效方案 (the weights): kept by the legal department
WEIGHTS = [f"analytics.{a}_performancescheme" for a in ("view", "add", "change", "delete")]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "field_officer": STATS,
    "squad_leader": [*STATS, *EVALUATION_UNIT],
    "brigade_leader": [*STATS, *EVALUATION_UNIT],
    "legal_reviewer": [*STATS, *REPORTS_WORK, *EVALUATION_WORK, *WEIGHTS],
    "command_center": [*STATS, "analytics.view_screen"],
    "leadership": [*STATS, "analytics.view_screen", *REPORTS_READ, *EVALUATION_READ, WEIGHTS[0]],
}
EXTRA_ROLES: list = []

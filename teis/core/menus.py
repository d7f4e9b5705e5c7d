"""Role-shaped navigation: what each standard role works with, declared in one place.

Permissions say what a user *may* open; this says what belongs in the role's menu, so that a field officer
sees the twenty pages of the street rather than the eighty a read permission would allow (electronic fences,
dictionary types and vessel registers are still reachable by URL where permitted, just not in the way).

A role shows whole menu groups (`groups`: administrators' groups, so a new page there appears by itself) and
single entries (`entries`: URL-name patterns, `fnmatch` style). A user sees the union over their roles,
always within their permissions. A user none of whose roles is declared here (a custom role, a superuser)
sees every permitted entry, as before.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import TYPE_CHECKING


@dataclass(frozen=True)
class RoleMenu:
    groups: tuple[str, ...] = ()
    entries: tuple[str, ...] = ()


INBOX = ("core:todo_list", "core:notification_list")
# 统计分析 (issue 22): the statistics, boards and keyword summary; the big screen and the statutory reports go by
# permission (leadership / command centre; the legal department)
STATISTICS = (
    "analytics:case_statistics",
    "analytics:illegal_statistics",
    "analytics:summary",
    "analytics:board_*",
    "analytics:performance",
)
LAW_LOOKUP = ("legal:search", "legal:discretion_query", "legal:violationcode_list", "legal:casecause_list")

OFFICER_ENTRIES = (
    *INBOX,
    "cases:pre_register",
    "cases:my_cases",
    "cases:enforcementcase_list",
    "cases:on_spot_penalty",
    "cases:party_lookup",
    "cases:caseproperty_list",
    "cases:illegaltransportrecord_list",
    "cases:blacklistentry_list",
    "evidence:upload",
    "evidence:evidenceitem_list",
    "dispatch:dutytask_list",
    "dispatch:sign_in",
    "dispatch:dutyfeedback_list",
    "dispatch:dutyorder_list",
    "dispatch:nondutyuse_list",
    "maritime:clue_list",
    "inspections:my_tasks",
    "inspections:declaredrelation_list",
    "petitions:petition_list",
    "finance:my_stock",
    "finance:receivable_list",
    *LAW_LOOKUP,
)

SQUAD_ENTRIES = (
    *OFFICER_ENTRIES,
    "cases:vehicles_held",
    "cases:fourpenaltylink_list",
    "dispatch:live",
    "dispatch:track",
    "dispatch:alarm_list",
    "dispatch:patrolvehicle_list",
    "dispatch:dutyplan_list",
    "dispatch:orderfeedback_list",
    "dispatch:crossdistrictrequest_list",
    "dispatch:leaderonduty_list",
    "dispatch:signin_list",
    "dispatch:stats",
    "dispatch:coverage",
    "maritime:live",
    "maritime:alert_list",
    "maritime:vessel_list",
    "inspections:inspectionplan_list",
    "inspections:inspectiontask_list",
    "inspections:inspectionwarning_list",
    "inspections:statistics",
    "petitions:query",
    "petitions:stats",
    "petitions:dashboard",
    "petitions:petitionsupervision_list",
    "org:officer_list",
    "org:mobiledevice_list",
    "documents:document_list",
    "finance:stockrequest_list",
    "finance:stockwriteoff_list",
    "finance:stock_overview",
    "finance:collections",
    # the squad menu stays within 50 entries (test_home): the case board and 扫码查案 are the brigade's and above
    "analytics:case_statistics",
)

BRIGADE_ENTRIES = (
    *SQUAD_ENTRIES,
    "dispatch:geofence_list",
    "dispatch:dutytemplate_list",
    "evidence:sharelink_list",
    "inspections:inspectionobject_list",
    "inspections:inspector_list",
    "cases:*dispatch*",
    "cases:*warning*",
    "org:unit_list",
    "documents:scan",
    "documents:casefile_list",
    "documents:unitseal_list",
    *STATISTICS,
    # 评议考核 (issue 22 §4): the evaluated brigade's objects, materials and feedback
    "analytics:evaluationtarget_list",
)

ROLE_MENUS: dict[str, RoleMenu] = {
    "field_officer": RoleMenu(entries=OFFICER_ENTRIES),
    "squad_leader": RoleMenu(entries=SQUAD_ENTRIES),
    "brigade_leader": RoleMenu(entries=BRIGADE_ENTRIES),
    "legal_reviewer": RoleMenu(
        groups=("案件办理", "法律法规", "双随机", "统计分析"),
        entries=(*INBOX, "evidence:evidenceitem_list", "org:officer_list"),
    ),
    "command_center": RoleMenu(
        groups=("指挥调度", "水上执法"),
        entries=(
            *INBOX,
            *STATISTICS,
            "analytics:screen",
            "cases:enforcementcase_list",
            "cases:*dispatch*",
            "cases:*warning*",
            "evidence:evidenceitem_list",
            "petitions:register",
            "petitions:petition_list",
            "petitions:query",
            "org:officer_list",
            "legal:search",
        ),
    ),
    "leadership": RoleMenu(
        groups=("统计分析",),
        entries=(
            *INBOX,
            "cases:enforcementcase_list",
            "documents:document_list",
            "dispatch:live",
            "dispatch:alarm_list",
            "dispatch:dutyplan_list",
            "dispatch:dutyorder_list",
            "dispatch:leaderonduty_list",
            "dispatch:stats",
            "dispatch:coverage",
            "maritime:live",
            "maritime:alert_list",
            "inspections:inspectionplan_list",
            "inspections:statistics",
            "petitions:petition_list",
            "petitions:query",
            "petitions:stats",
            "petitions:dashboard",
            "petitions:petitionsupervision_list",
            "evidence:evidenceitem_list",
            "finance:collections",
            "finance:stock_stats",
            "org:unit_list",
            "org:officer_list",
            "legal:search",
        ),
    ),
    "evidence_admin": RoleMenu(
        groups=("证据中心",),
        entries=(
            *INBOX,
            "org:officer_list",
            "legal:search",
            # 涉案财物 and 扣押车辆停车管理: the property custodian's work (issue 18)
            "cases:enforcementcase_list",
            "cases:caseproperty_list",
            "cases:custodyplace_list",
            "cases:carpark_list",
            "cases:parkingrecord_list",
            "cases:vehicles_held",
        ),
    ),
    "system_admin": RoleMenu(
        groups=("组织人员", "系统管理"),
        entries=(*INBOX, "workflow:*", "petitions:deadlinerule_list", "maritime:*_list", "maritime:import_index"),
    ),
    "security_admin": RoleMenu(groups=("安全管理",), entries=INBOX),
    "audit_admin": RoleMenu(groups=("审计管理",), entries=INBOX),
    "operations": RoleMenu(
        groups=("运维管理",),
        entries=(
            *INBOX,
            "evidence:device_list",
            "evidence:health",
            "evidence:integritycheck_list",
            "dispatch:live",
            "dispatch:patrolvehicle_list",
        ),
    ),
}


if TYPE_CHECKING:
    from .registry import MenuEntry


def declared_menus(codes: set[str]) -> list[RoleMenu]:
    return [ROLE_MENUS[c] for c in sorted(codes) if c in ROLE_MENUS]


def shows(menus: list[RoleMenu], entry: MenuEntry) -> bool:
    """Whether an entry belongs in the menu of a user with these declared role menus (none: everything)."""
    if not menus:
        return True
    for menu in menus:
        if entry.group in menu.groups:
            return True
        if any(fnmatch.fnmatchcase(entry.url_name, pattern) for pattern in menu.entries):
            return True
    return False

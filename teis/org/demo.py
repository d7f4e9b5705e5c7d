"""Demo data tables for `manage.py seed_demo`: the Shanghai corps tree, the 16 district brigades, the
system dictionaries, the demo logins, and generators for valid 身份证号 / 手机号.

Only data and pure functions live here; `seed_demo` writes them through the services.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from .choices import UnitType

DEMO_PASSWORD = "Teis@2025"
SHANGHAI_REGION = "310000"
FAKER_SEED = 20250101
OFFICER_COUNT = 300

# --- units --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitDef:
    name: str
    unit_type: str
    short_name: str = ""
    region_code: str = ""
    subject_code: str = ""
    business_lines: tuple[str, ...] = ()
    children: tuple[UnitDef, ...] = field(default=())
    # relative weight when spreading the seeded officers over squads (brigades without squads get officers
    # directly); 0 for units that get only their named staff
    staff_weight: int = 0


def _squads(*names: str, weight: int = 4, lines: tuple[str, ...] = ()) -> tuple[UnitDef, ...]:
    return tuple(UnitDef(n, UnitType.SQUAD, business_lines=lines, staff_weight=weight) for n in names)


def subject_code(serial: int) -> str:
    """执法主体编码 as the unified case code uses it (2 digits by default, TEIS_CASE_CODE_WIDTHS): the corps is
    01, the district brigades 02–17. Demo values."""
    return f"{serial + 1:02d}"


# GB/T 2260 codes of Shanghai's 16 districts (2016 onwards: 闸北 merged into 静安, 崇明县 became 崇明区).
DISTRICTS: list[tuple[str, str]] = [
    ("黄浦区", "310101"),
    ("徐汇区", "310104"),
    ("长宁区", "310105"),
    ("静安区", "310106"),
    ("普陀区", "310107"),
    ("虹口区", "310109"),
    ("杨浦区", "310110"),
    ("闵行区", "310112"),
    ("宝山区", "310113"),
    ("嘉定区", "310114"),
    ("浦东新区", "310115"),
    ("金山区", "310116"),
    ("松江区", "310117"),
    ("青浦区", "310118"),
    ("奉贤区", "310120"),
    ("崇明区", "310151"),
]

CORPS_NAME = "上海市交通委员会执法总队"
COMMISSION_NAME = "上海市交通委员会"
DISTRICT_LINES = ("taxi", "ride_hailing", "bus", "freight", "road_admin")


def district_brigade_name(district: str) -> str:
    return f"{district}交通执法大队"


def _district_brigades() -> tuple[UnitDef, ...]:
    out = []
    for i, (district, code) in enumerate(DISTRICTS, start=1):
        lines = (*DISTRICT_LINES, "waterway") if district in ("浦东新区", "崇明区", "宝山区") else DISTRICT_LINES
        out.append(
            UnitDef(
                district_brigade_name(district),
                UnitType.DISTRICT_BRIGADE,
                short_name=f"{district.removesuffix('新区').removesuffix('区')}大队",
                region_code=code,
                subject_code=subject_code(i),
                business_lines=lines,
                children=_squads("第一中队", "第二中队", weight=3, lines=lines),
            )
        )
    return tuple(out)


TREE = UnitDef(
    COMMISSION_NAME,
    UnitType.COMMISSION,
    short_name="市交通委",
    region_code=SHANGHAI_REGION,
    children=(
        UnitDef(
            CORPS_NAME,
            UnitType.CORPS,
            short_name="执法总队",
            region_code=SHANGHAI_REGION,
            subject_code=subject_code(0),
            business_lines=(
                "taxi",
                "ride_hailing",
                "bus",
                "coach",
                "tour_coach",
                "freight",
                "overload",
                "road_admin",
                "waterway",
                "port",
                "maritime",
            ),
            children=(
                # 机关科室
                UnitDef("办公室", UnitType.DEPARTMENT),
                UnitDef("法制科", UnitType.DEPARTMENT),
                UnitDef("执法指导科", UnitType.DEPARTMENT),
                UnitDef("指挥中心", UnitType.DEPARTMENT),
                UnitDef("信息科", UnitType.DEPARTMENT),
                UnitDef("督察科", UnitType.DEPARTMENT),
                UnitDef("装备财务科", UnitType.DEPARTMENT),
                UnitDef("组织人事科", UnitType.DEPARTMENT),
                # 支队 → 大队 → 中队
                UnitDef(
                    "第一支队",
                    UnitType.DETACHMENT,
                    short_name="一支队",
                    business_lines=("taxi", "ride_hailing"),
                    children=(
                        UnitDef(
                            "第一大队",
                            UnitType.BRIGADE,
                            business_lines=("taxi", "ride_hailing"),
                            children=_squads("第一中队", "第二中队", "第三中队", weight=24, lines=("taxi",)),
                        ),
                        UnitDef(
                            "第二大队",
                            UnitType.BRIGADE,
                            business_lines=("ride_hailing",),
                            children=_squads("第一中队", "第二中队", lines=("ride_hailing",)),
                        ),
                    ),
                ),
                UnitDef(
                    "第二支队",
                    UnitType.DETACHMENT,
                    short_name="二支队",
                    business_lines=("bus", "coach", "tour_coach"),
                    children=(
                        UnitDef(
                            "第一大队",
                            UnitType.BRIGADE,
                            business_lines=("bus",),
                            children=_squads("第一中队", "第二中队", lines=("bus",)),
                        ),
                        UnitDef(
                            "第二大队",
                            UnitType.BRIGADE,
                            business_lines=("coach", "tour_coach"),
                            children=_squads("第一中队", "第二中队", lines=("coach", "tour_coach")),
                        ),
                    ),
                ),
                UnitDef(
                    "第三支队",
                    UnitType.DETACHMENT,
                    short_name="三支队",
                    business_lines=("freight", "overload"),
                    children=(
                        UnitDef(
                            "货运执法大队",
                            UnitType.BRIGADE,
                            business_lines=("freight",),
                            children=_squads("第一中队", "第二中队", lines=("freight",)),
                        ),
                        UnitDef(
                            "治超大队",
                            UnitType.BRIGADE,
                            business_lines=("overload",),
                            children=_squads("第一中队", "第二中队", lines=("overload",)),
                        ),
                    ),
                ),
                UnitDef(
                    "路政支队",
                    UnitType.DETACHMENT,
                    business_lines=("road_admin",),
                    children=(
                        UnitDef(
                            "高速公路路政大队",
                            UnitType.BRIGADE,
                            business_lines=("road_admin",),
                            children=_squads("第一中队", "第二中队", lines=("road_admin",)),
                        ),
                        UnitDef(
                            "国省道路政大队",
                            UnitType.BRIGADE,
                            business_lines=("road_admin",),
                            children=_squads("第一中队", "第二中队", lines=("road_admin",)),
                        ),
                    ),
                ),
                UnitDef(
                    "水上执法支队",
                    UnitType.DETACHMENT,
                    business_lines=("waterway", "port", "maritime"),
                    children=(
                        UnitDef(
                            "黄浦江大队",
                            UnitType.BRIGADE,
                            business_lines=("waterway", "maritime"),
                            children=_squads("吴淞中队", "杨浦中队", lines=("waterway", "maritime")),
                        ),
                        UnitDef(
                            "内河大队",
                            UnitType.BRIGADE,
                            business_lines=("waterway", "port"),
                            children=_squads("苏州河中队", "码头中队", lines=("waterway", "port")),
                        ),
                    ),
                ),
                # 直属大队 (transport hubs)
                UnitDef(
                    "浦东机场执法大队",
                    UnitType.DIRECT_BRIGADE,
                    short_name="浦东机场大队",
                    business_lines=("taxi", "ride_hailing", "tour_coach"),
                    children=_squads("T1中队", "T2中队", lines=("taxi", "ride_hailing")),
                ),
                UnitDef(
                    "虹桥枢纽执法大队",
                    UnitType.DIRECT_BRIGADE,
                    short_name="虹桥枢纽大队",
                    business_lines=("taxi", "ride_hailing", "coach"),
                    children=_squads("机场中队", "高铁站中队", lines=("taxi", "ride_hailing")),
                ),
                UnitDef(
                    "铁路站点执法大队",
                    UnitType.DIRECT_BRIGADE,
                    short_name="铁路站点大队",
                    business_lines=("taxi", "ride_hailing", "coach"),
                    children=_squads("上海站中队", "上海南站中队", lines=("taxi", "ride_hailing")),
                ),
                *_district_brigades(),
            ),
        ),
    ),
)

# --- dictionaries ---------------------------------------------------------------------------------------
# (type code, type name, description, [(code, label, parent code)])

DictRows = list[tuple[str, str, str]]

DICTIONARIES: list[tuple[str, str, str, DictRows]] = [
    (
        "business_line",
        "业务条线",
        "执法业务条线；单位和人员按条线分工",
        [
            ("taxi", "出租汽车", ""),
            ("ride_hailing", "网约车", ""),
            ("bus", "公交", ""),
            ("coach", "长途客运", ""),
            ("tour_coach", "旅游客运", ""),
            ("freight", "货运", ""),
            ("overload", "治超", ""),
            ("road_admin", "路政", ""),
            ("waterway", "水上", ""),
            ("port", "码头", ""),
            ("maritime", "海事", ""),
            ("driving_school", "驾培", ""),
            ("vehicle_repair", "机动车维修", ""),
        ],
    ),
    (
        "industry",
        "行业类别",
        "检查对象和当事人所属行业",
        [
            ("passenger", "道路旅客运输", ""),
            ("taxi_company", "出租汽车客运", ""),
            ("ride_hailing_platform", "网络预约出租汽车经营", ""),
            ("bus_company", "城市公共汽电车客运", ""),
            ("freight_general", "道路普通货物运输", ""),
            ("freight_dangerous", "道路危险货物运输", ""),
            ("station", "道路运输站（场）", ""),
            ("repair", "机动车维修", ""),
            ("driving_school", "机动车驾驶员培训", ""),
            ("waterway_transport", "水路运输", ""),
            ("port_operation", "港口经营", ""),
        ],
    ),
    (
        "certificate_type",
        "证件类型",
        "当事人身份证件",
        [
            ("id_card", "居民身份证", ""),
            ("passport", "护照", ""),
            ("hk_macao_pass", "港澳居民来往内地通行证", ""),
            ("taiwan_pass", "台湾居民来往大陆通行证", ""),
            ("residence_permit", "港澳台居民居住证", ""),
            ("foreigner_permit", "外国人永久居留身份证", ""),
            ("credit_code", "统一社会信用代码", ""),
            ("driving_licence", "机动车驾驶证", ""),
            ("qualification", "从业资格证", ""),
        ],
    ),
    (
        "vehicle_type",
        "车辆类型",
        "车辆类型（GA 802 简化）",
        [
            ("K", "客车", ""),
            ("K1", "大型客车", "K"),
            ("K2", "中型客车", "K"),
            ("K3", "小型客车", "K"),
            ("K4", "微型客车", "K"),
            ("H", "货车", ""),
            ("H1", "重型货车", "H"),
            ("H2", "中型货车", "H"),
            ("H3", "轻型货车", "H"),
            ("H4", "微型货车", "H"),
            ("Q", "牵引车", ""),
            ("Q1", "重型半挂牵引车", "Q"),
            ("G", "挂车", ""),
            ("G1", "重型普通半挂车", "G"),
            ("M", "摩托车", ""),
        ],
    ),
    (
        "ship_type",
        "船舶类型",
        "船舶类型",
        [
            ("passenger_ship", "客船", ""),
            ("ferry", "渡船", "passenger_ship"),
            ("cruise_ship", "游览船", "passenger_ship"),
            ("cargo_ship", "货船", ""),
            ("bulk_carrier", "散货船", "cargo_ship"),
            ("container_ship", "集装箱船", "cargo_ship"),
            ("tanker", "油船", "cargo_ship"),
            ("dangerous_cargo", "危险品船", "cargo_ship"),
            ("tug", "拖船", ""),
            ("engineering", "工程船", ""),
            ("fishing", "渔船", ""),
            ("other_ship", "其他", ""),
        ],
    ),
    (
        # the one source of the 反映类别 (issue #9): `teis.petitions.services.intake.ensure_categories` loads it;
        # code `water` selects the water-enforcement flow
        "petition_category",
        "反映类别",
        "投诉信访反映类别",
        [
            ("refusal", "拒载", ""),
            ("detour", "绕道", ""),
            ("overcharge", "议价", ""),
            ("ride_hailing", "网约车", ""),
            ("illegal_transport", "非法客运", ""),
            ("bus", "公交", ""),
            ("road_admin", "路政", ""),
            ("water", "水上", ""),
            ("attitude", "服务态度", ""),
            ("other", "其他", ""),
        ],
    ),
    (
        "plate_color",
        "号牌颜色",
        "机动车号牌颜色",
        [
            ("blue", "蓝色", ""),
            ("yellow", "黄色", ""),
            ("green", "绿色（新能源）", ""),
            ("yellow_green", "黄绿色", ""),
            ("white", "白色", ""),
            ("black", "黑色", ""),
        ],
    ),
    (
        "party_type",
        "当事人类型",
        "",
        [("person", "自然人", ""), ("legal_person", "法人", ""), ("other_org", "其他组织", "")],
    ),
]

# --- roles and logins ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role_code: str
    name: str
    unit_path: tuple[str, ...]  # names from the corps down
    position: str


DEMO_LOGINS: list[DemoLogin] = [
    DemoLogin("officer", "field_officer", "王晓明", ("第一支队", "第一大队", "第一中队"), "执法队员"),
    DemoLogin("squad", "squad_leader", "李建国", ("第一支队", "第一大队", "第一中队"), "中队长"),
    DemoLogin("brigade", "brigade_leader", "张伟华", ("第一支队", "第一大队"), "大队长"),
    DemoLogin("legal", "legal_reviewer", "陈静", ("法制科",), "法制审核员"),
    DemoLogin("command", "command_center", "刘洋", ("指挥中心",), "值班长"),
    DemoLogin("leader", "leadership", "周振华", (), "副总队长"),
    DemoLogin("evidence", "evidence_admin", "吴敏", ("第一支队",), "证据管理员"),
    DemoLogin("sysadmin", "system_admin", "赵磊", ("信息科",), "系统管理员"),
    DemoLogin("secadmin", "security_admin", "孙丽", ("信息科",), "安全管理员"),
    DemoLogin("auditor", "audit_admin", "钱芳", ("督察科",), "审计管理员"),
    DemoLogin("ops", "operations", "郑宇", ("信息科",), "运维工程师"),
    DemoLogin("cashier", "finance_officer", "何秀英", (), "收款员"),  # role of teis.finance (财务收款员)
]

# Staff per unit type beyond the squads' members: (role code, position).
LEADER_ROLES: dict[str, list[tuple[str, str]]] = {
    UnitType.CORPS: [("leadership", "总队长"), ("leadership", "副总队长"), ("leadership", "政委")],
    UnitType.DETACHMENT: [("brigade_leader", "支队长"), ("brigade_leader", "副支队长")],
    UnitType.BRIGADE: [("brigade_leader", "大队长"), ("brigade_leader", "副大队长")],
    UnitType.DIRECT_BRIGADE: [("brigade_leader", "大队长"), ("brigade_leader", "副大队长")],
    UnitType.DISTRICT_BRIGADE: [("brigade_leader", "大队长"), ("legal_reviewer", "法制员")],
    UnitType.SQUAD: [("squad_leader", "中队长")],
}
DEPARTMENT_STAFF: dict[str, list[tuple[str, str]]] = {
    "办公室": [("field_officer", "科长"), ("field_officer", "科员"), ("field_officer", "科员")],
    "法制科": [("legal_reviewer", "科长"), ("legal_reviewer", "法制审核员"), ("legal_reviewer", "法制审核员")],
    "执法指导科": [("legal_reviewer", "科长"), ("field_officer", "科员")],
    "指挥中心": [("command_center", "主任"), ("command_center", "值班员"), ("command_center", "值班员")],
    "信息科": [("operations", "科长"), ("operations", "运维工程师")],
    "督察科": [("field_officer", "科长"), ("field_officer", "督察员")],
    "装备财务科": [("evidence_admin", "证据管理员"), ("field_officer", "科员")],
    "组织人事科": [("field_officer", "科长"), ("field_officer", "科员")],
}

# --- personal data generators ---------------------------------------------------------------------------

ID_WEIGHTS = tuple(2 ** (17 - i) % 11 for i in range(17))


def id_check_digit(first17: str) -> str:
    """GB 11643-1999 check character: ISO 7064 MOD 11-2."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def make_id_number(region: str, birth: datetime.date, serial: int, male: bool) -> str:
    """A valid 18-digit 身份证号: region, birth date, 3-digit serial (odd for men), check digit."""
    serial = serial % 500 * 2 + (1 if male else 0)
    first17 = f"{region}{birth:%Y%m%d}{serial:03d}"
    return first17 + id_check_digit(first17)


MOBILE_PREFIXES = tuple(
    str(n)
    for n in (*range(130, 140), *range(150, 154), *range(155, 160), 166, 173, 175, 176, 177, *range(180, 190), 191, 199)
)


def make_mobile(rng) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"

"""Choices of 水上执法 (TextChoices with Chinese labels)."""

from django.db import models


class AisClass(models.TextChoices):
    A = "A", "A类"
    B = "B", "B类"


class ShipCategory(models.TextChoices):
    """Broad ship categories derived from the ITU-R M.1371 ship and cargo type (icon and statistics)."""

    CARGO = "cargo", "货船"
    TANKER = "tanker", "油船/液货船"
    PASSENGER = "passenger", "客船"
    TUG = "tug", "拖轮/引航"
    FISHING = "fishing", "渔船"
    HIGH_SPEED = "high_speed", "高速船"
    PLEASURE = "pleasure", "游艇/帆船"
    SPECIAL = "special", "工程/执法/特种船"
    OTHER = "other", "其他"


class MotionState(models.TextChoices):
    UNKNOWN = "unknown", "未知"
    STOPPED = "stopped", "停泊"
    DRIFTING = "drifting", "漂航"
    UNDERWAY = "underway", "航行"


class AreaKind(models.TextChoices):
    KEY_AREA = "key_area", "重点区域"
    WATER_SOURCE_ZONE = "water_source_zone", "水源保护地"
    BERTH = "berth", "泊位"
    ANCHORAGE = "anchorage", "锚地"


class CrossingDirection(models.TextChoices):
    FORWARD = "forward", "正向"
    REVERSE = "reverse", "反向"


class EventKind(models.TextChoices):
    NAME_CHANGE = "name_change", "船名变更"
    DESTINATION_CHANGE = "destination_change", "目的地变更"
    DRAUGHT_CHANGE = "draught_change", "吃水变更"
    STOPPED = "stopped", "停船"
    DRIFTING = "drifting", "漂航"
    UNDERWAY = "underway", "起航"
    AREA_ENTRY = "area_entry", "进入区域"
    AREA_EXIT = "area_exit", "离开区域"
    BERTH_ARRIVAL = "berth_arrival", "靠泊/抵锚"
    BERTH_DEPARTURE = "berth_departure", "离泊/起锚"
    SECTION_CROSSING = "section_crossing", "穿越断面"


class AlertKind(models.TextChoices):
    AIS_DARK = "ais_dark", "AIS信号消失"
    NO_AIS_SIGHTING = "no_ais_sighting", "卡口发现无AIS船舶"
    ZONE_ENTRY = "zone_entry", "闯入水源保护地"
    KEY_VESSEL_CHECKPOINT = "key_vessel_checkpoint", "重点船舶进入卡口区域"
    CERTIFICATE = "certificate", "证书缺失/无效/过期"
    TYPE_MISMATCH = "type_mismatch", "船舶类型与登记不符"
    HIGH_RISK = "high_risk", "高风险船舶出现"
    TRACKED_EVENT = "tracked_event", "追踪船舶事件"


class AlertStatus(models.TextChoices):
    OPEN = "open", "待处置"
    ASSIGNED = "assigned", "已指派"
    HANDLING = "handling", "处置中"
    CLOSED = "closed", "已办结"


class AlertResult(models.TextChoices):
    CONFIRMED = "confirmed", "属实，已处置"
    CASE = "case", "属实，已立案"
    FALSE_ALARM = "false_alarm", "误报"
    NO_ACTION = "no_action", "无需处置"


class ClueStatus(models.TextChoices):
    NEW = "new", "待筛选"
    SCREENED = "screened", "待审核"
    APPROVED = "approved", "审核通过"
    REJECTED = "rejected", "不予处理"
    PUSHED = "pushed", "已推送办案"


class AccidentLevel(models.TextChoices):
    MINOR = "minor", "小事故"
    GENERAL = "general", "一般事故"
    MAJOR = "major", "较大事故"
    SERIOUS = "serious", "重大事故"
    EXTRAORDINARY = "extraordinary", "特别重大事故"


class EmergencyInfoKind(models.TextChoices):
    WEATHER_WARNING = "weather_warning", "气象预警"
    RESOURCE = "resource", "应急资源"
    PLAN = "plan", "应急预案"


class CertificateState(models.TextChoices):
    """A filter over a certificate's validity date (crew certificates)."""

    EXPIRED = "expired", "已过期"
    EXPIRING = "expiring", "30日内到期"
    VALID = "valid", "有效"


def ship_category(ship_type: int | None) -> str:
    """ITU-R M.1371 ship and cargo type → `ShipCategory`."""
    if ship_type is None:
        return ShipCategory.OTHER
    t = int(ship_type)
    if 70 <= t <= 79:
        return ShipCategory.CARGO
    if 80 <= t <= 89:
        return ShipCategory.TANKER
    if 60 <= t <= 69:
        return ShipCategory.PASSENGER
    if t in (31, 32, 52, 50):
        return ShipCategory.TUG
    if t == 30:
        return ShipCategory.FISHING
    if 40 <= t <= 49:
        return ShipCategory.HIGH_SPEED
    if t in (36, 37):
        return ShipCategory.PLEASURE
    if t in (33, 34, 35, 51, 53, 54, 55, 58):
        return ShipCategory.SPECIAL
    return ShipCategory.OTHER


# --- ITU-R M.1371-5 code tables (labels shown beside the code as sent) ---------------------------------------------

_SHIP_TYPE_RANGES = (  # table 53, first digit ranges; codes not listed are reserved / regional
    (20, 29, "地效翼船"),
    (40, 49, "高速船"),
    (60, 69, "客船"),
    (70, 79, "货船"),
    (80, 89, "油轮"),
    (90, 99, "其他"),
)
_SHIP_TYPE_CODES = {
    30: "捕捞",
    31: "拖带",
    32: "拖带",
    33: "疏浚或水下作业",
    34: "潜水作业",
    35: "军事行动",
    36: "帆船",
    37: "游艇",
    50: "引航船",
    51: "搜救船",
    52: "拖轮",
    53: "港口供应船",
    54: "防污染船",
    55: "执法船",
    58: "医疗船",
    59: "非冲突国船舶",
}
# second digit of 20–29, 40–49, 60–99: the hazard category of the cargo (table 53, note 1)
_HAZARD = {1: "危险品A类", 2: "危险品B类", 3: "危险品C类", 4: "危险品D类"}


def ship_type_category(ship_type: int | None) -> str:
    """The ITU-R M.1371-5 table 53 category of an AIS ship and cargo type, kept apart from the code: 0 or none →
    未提供; 1–19, 38–39, 56–57, 100–255 (reserved or regional) → "保留/未定义（代码 N）"."""
    if ship_type is None or ship_type == 0:
        return "未提供"
    t = int(ship_type)
    label = _SHIP_TYPE_CODES.get(t)
    if label is None:
        label = next((name for low, high, name in _SHIP_TYPE_RANGES if low <= t <= high), None)
    if label is None:
        return f"保留/未定义（代码 {t}）"
    hazard = _HAZARD.get(t % 10) if t in range(20, 30) or t >= 40 and t not in range(50, 60) else None
    return f"{label}（{hazard}）" if hazard else label


def ship_type_text(ship_type: int | None) -> str:
    """The code as sent with its category beside it: "66 · 客船", "9 · 保留/未定义（代码 9）", "未提供"."""
    if ship_type is None or ship_type == 0:
        return "未提供"
    return f"{int(ship_type)} · {ship_type_category(ship_type)}"


# table 34: type of aid to navigation (5 bits)
_AID_TYPES = {
    0: "未指定",
    1: "参考点",
    2: "雷达应答器",
    3: "海上平台、风电场等",
    5: "灯桩（无扇区）",
    6: "灯桩（有扇区）",
    7: "导标前灯",
    8: "导标后灯",
    9: "北方位立标",
    10: "东方位立标",
    11: "南方位立标",
    12: "西方位立标",
    13: "左侧立标",
    14: "右侧立标",
    15: "推荐航道左侧立标",
    16: "推荐航道右侧立标",
    17: "孤立危险物立标",
    18: "安全水域立标",
    19: "专用立标",
    20: "北方位浮标",
    21: "东方位浮标",
    22: "南方位浮标",
    23: "西方位浮标",
    24: "左侧浮标",
    25: "右侧浮标",
    26: "推荐航道左侧浮标",
    27: "推荐航道右侧浮标",
    28: "孤立危险物浮标",
    29: "安全水域浮标",
    30: "专用浮标",
    31: "灯船/大型自动导航浮标/海上钻井平台",
}


def aid_type_category(aid_type: int | None) -> str:
    """Table 34 group of an aid-to-navigation type: 参考点, RACON, 固定结构物, 固定航标 (5–19), 浮动航标 (20–31)."""
    if aid_type is None or aid_type == 0:
        return "未指定"
    t = int(aid_type)
    if t == 1:
        return "参考点"
    if t == 2:
        return "RACON"
    if t == 3:
        return "固定结构物"
    if 5 <= t <= 19:
        return "固定航标"
    if 20 <= t <= 31:
        return "浮动航标"
    return f"保留/未定义（代码 {t}）"


def aid_type_label(aid_type: int | None) -> str:
    """The aid's type in words: "浮动航标 · 左侧浮标" (group and kind), "保留/未定义（代码 4）"."""
    group = aid_type_category(aid_type)
    kind = _AID_TYPES.get(int(aid_type)) if aid_type is not None else None
    if kind is None or kind == group or group in ("参考点", "未指定"):
        return group
    return f"{group} · {kind}"


def is_floating_aid(aid_type: int | None) -> bool:
    return aid_type is not None and 20 <= int(aid_type) <= 31


# the aid-to-navigation type field's choices: "code · group · kind"
AID_TYPE_CHOICES = [(code, f"{code} · {aid_type_label(code)}") for code in range(32)]

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

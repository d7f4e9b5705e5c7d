"""Choices of 指挥调度 (TextChoices with Chinese labels)."""

from django.db import models


class VehicleKind(models.TextChoices):
    CAR = "car", "执法车"
    VAN = "van", "执法面包车"
    MOTORBIKE = "motorbike", "摩托车"
    TRUCK = "truck", "清障/工程车"
    BOAT = "boat", "执法船艇"
    PHONE = "phone", "执法手机"
    OTHER = "other", "其他"


class VehicleStatus(models.TextChoices):
    IN_SERVICE = "in_service", "在用"
    MAINTENANCE = "maintenance", "维修"
    RETIRED = "retired", "停用"


class LiveState(models.TextChoices):
    """A vehicle's state on the live map (computed, not stored)."""

    MOVING = "moving", "行驶"
    STOPPED = "stopped", "停车"
    OFFLINE = "offline", "离线"
    ALARM = "alarm", "告警"


class FixSource(models.TextChoices):
    JT808 = "jt808", "车载终端"
    MOBILE = "mobile", "移动终端"
    OSMAND = "osmand", "OsmAnd/Traccar"


class FixFlag(models.TextChoices):
    """Why a stored fix does not count as a position: kept (a terminal told "success" never resends it), but
    never evaluated for alarms, never the live map's current position, not drawn in tracks or counted in
    mileage and coverage. Empty: a normal fix."""

    NONE = "", "正常"
    TOO_OLD = "too_old", "超期补报"
    OUT_OF_REGION = "out_of_region", "超出服务区域"
    NO_FIX = "no_fix", "未定位"
    NO_TIME = "no_time", "时间无效"
    FUTURE = "future", "时间超前"
    SPEED = "speed", "速度异常"
    JUMP = "jump", "定位跳变"


class GeofenceKind(models.TextChoices):
    PATROL_AREA = "patrol_area", "执法区域"
    RESTRICTED = "restricted", "禁入区域"
    KEY_AREA = "key_area", "重点区域"


class AlarmKind(models.TextChoices):
    OUT_OF_AREA = "out_of_area", "车辆违规行驶（驶出执法区域）"
    RESTRICTED_AREA = "restricted_area", "驶入禁入区域"
    NO_FIX = "no_fix", "定位异常（长时间无定位）"
    POSITION_JUMP = "position_jump", "定位异常（位置跳变）"
    UNREGISTERED_DRIVING = "unregistered_driving", "未登录行驶"
    OFFICER_NOT_SIGNED_IN = "officer_not_signed_in", "人员未登录"
    TERMINAL_ALARM = "terminal_alarm", "终端报警"


class CommandStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENT = "sent", "已发送"
    ACKED = "acked", "终端已确认"
    FAILED = "failed", "发送失败"


class CheckpointKind(models.TextChoices):
    CHECKPOINT = "checkpoint", "检查站"
    OVERLOAD_STATION = "overload_station", "治超站"
    MONITORING = "monitoring", "监测点"


class TaskType(models.TextChoices):
    DAILY = "daily", "日常任务"
    SPECIAL = "special", "专项任务"
    EMERGENCY = "emergency", "突发任务"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "已退回"


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "不予批准"


class OrderStatus(models.TextChoices):
    ISSUED = "issued", "已下达"
    CLOSED = "closed", "已办结"


class SignInMethod(models.TextChoices):
    NFC = "nfc", "NFC 签到"
    TERMINAL = "terminal", "车载终端签到"
    MOBILE = "mobile", "移动端定位签到"

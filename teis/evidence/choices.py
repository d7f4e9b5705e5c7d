"""Choices of 执法证据中心 (TextChoices with Chinese labels)."""

from django.db import models


class EvidenceCategory(models.TextChoices):
    VIDEO = "video", "视频"
    AUDIO = "audio", "音频"
    PHOTO = "photo", "照片"
    DOCUMENT = "document", "文档"
    OTHER = "other", "其他"


class EvidenceSource(models.TextChoices):
    BODY_CAMERA = "body_camera", "执法记录仪"
    VEHICLE_CAMERA = "vehicle_camera", "车载摄像机"
    PHONE = "phone", "移动终端"
    CHECKPOINT_CAMERA = "checkpoint_camera", "卡口摄像机"
    UPLOAD = "upload", "网页上传"
    SYSTEM = "system", "系统推送"


class EvidenceStatus(models.TextChoices):
    ACTIVE = "active", "在库"
    DELETED = "deleted", "已删除（可恢复）"
    PURGED = "purged", "已清除"


class ProxyStatus(models.TextChoices):
    NONE = "none", "无需转码"
    PENDING = "pending", "待转码"
    READY = "ready", "已生成"
    FAILED = "failed", "转码失败"


class UploadStatus(models.TextChoices):
    OPEN = "open", "上传中"
    COMPLETED = "completed", "已完成"
    FAILED = "failed", "失败"
    CANCELLED = "cancelled", "已取消"
    EXPIRED = "expired", "已过期"


class IntegrityResult(models.TextChoices):
    OK = "ok", "一致"
    MISMATCH = "mismatch", "不一致"
    MISSING = "missing", "文件缺失"


class DeviceKind(models.TextChoices):
    BODY_CAMERA = "body_camera", "执法记录仪"
    COLLECTION_STATION = "collection_station", "采集工作站"
    STORAGE_SERVER = "storage_server", "存储服务器"
    VEHICLE_CAMERA_SET = "vehicle_camera_set", "车载取证终端"


class DeviceStatus(models.TextChoices):
    IN_SERVICE = "in_service", "在用"
    OFFLINE = "offline", "离线"
    FAULTY = "faulty", "故障"
    RETIRED = "retired", "停用"


class ShareAccess(models.TextChoices):
    VIEW = "view", "仅查看"
    DOWNLOAD = "download", "查看并下载"


class ShareRecipientKind(models.TextChoices):
    COURT = "court", "法院"
    PROSECUTOR = "prosecutor", "检察院"
    PARTY = "party", "当事人"
    OTHER = "other", "其他"

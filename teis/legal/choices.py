from django.db import models


class EffectLevel(models.TextChoices):
    """效力级别, highest first."""

    LAW = "law", "法律"
    ADMINISTRATIVE_REGULATION = "admin_regulation", "行政法规"
    LOCAL_REGULATION = "local_regulation", "地方性法规"
    DEPARTMENTAL_RULE = "departmental_rule", "部门规章"
    LOCAL_GOVERNMENT_RULE = "local_gov_rule", "地方政府规章"
    NORMATIVE_DOCUMENT = "normative_document", "规范性文件"


class Validity(models.TextChoices):
    """时效性."""

    IN_FORCE = "in_force", "有效"
    AMENDED = "amended", "已修改"
    ABOLISHED = "abolished", "已废止"
    NOT_YET = "not_yet", "尚未生效"


class ProvisionLevel(models.TextChoices):
    """The seven levels of a law's text (spec §2.7.1.1), outermost first."""

    PART = "part", "编"
    CHAPTER = "chapter", "章"
    SECTION = "section", "节"
    ARTICLE = "article", "条"
    PARAGRAPH = "paragraph", "款"
    ITEM = "item", "项"
    SUB_ITEM = "sub_item", "目"


LEVEL_RANK = {level: i for i, level in enumerate(ProvisionLevel.values)}


class ProvisionStatus(models.TextChoices):
    IN_FORCE = "in_force", "有效"
    AMENDED = "amended", "已修改"
    ABOLISHED = "abolished", "已废止"


class PenaltyType(models.TextChoices):
    WARNING = "warning", "警告"
    FINE = "fine", "罚款"
    CONFISCATE_ILLEGAL_GAINS = "confiscate_gains", "没收违法所得"
    CONFISCATE_PROPERTY = "confiscate_property", "没收非法财物"
    SUSPEND_LICENCE = "suspend_licence", "暂扣许可证件"
    REVOKE_LICENCE = "revoke_licence", "吊销许可证件"
    LOWER_QUALIFICATION = "lower_qualification", "降低资质等级"
    RESTRICT_OPERATION = "restrict_operation", "限制开展生产经营活动"
    ORDER_CLOSURE = "order_closure", "责令停产停业、责令关闭"
    DETENTION = "detention", "行政拘留"


class CodeStatus(models.TextChoices):
    ACTIVE = "active", "启用"
    SUSPENDED = "suspended", "暂停"
    RETIRED = "retired", "停用"


class ItemType(models.TextChoices):
    """事项类型 of the case-cause catalogue."""

    PENALTY = "penalty", "行政处罚"
    COERCION = "coercion", "行政强制"
    INSPECTION = "inspection", "行政检查"
    LICENSING = "licensing", "行政许可"
    COLLECTION = "collection", "行政征收"
    OTHER = "other", "其他行政权力"


class ExerciseLevel(models.TextChoices):
    """行使层级."""

    MINISTRY = "ministry", "部级"
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    DISTRICT = "district", "区县级"
    TOWN = "town", "乡镇（街道）级"


class ApplicationStatus(models.TextChoices):
    """State of a discretion selection (选取适用)."""

    WITHIN = "within", "符合基准"
    PENDING = "pending", "待法制审核"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "已驳回"


class WarningStatus(models.TextChoices):
    OPEN = "open", "待处理"
    ACKNOWLEDGED = "acknowledged", "已确认"
    UPDATED = "updated", "已更新"

from django.db import models


class Procedure(models.TextChoices):
    GENERAL = "general", "一般程序"
    SIMPLIFIED = "simplified", "简易程序"
    COERCIVE = "coercive", "行政强制措施"
    INSPECTION = "inspection", "行政检查"


class CaseSource(models.TextChoices):
    ON_SITE = "on_site", "现场检查"
    COMPLAINT = "complaint", "投诉举报"
    ASSIGNED = "assigned", "上级交办"
    REPORTED = "reported", "下级报请"
    TRANSFERRED = "transferred", "部门移送"
    NON_SITE = "non_site", "非现场"
    DETECTION = "detection", "检测站点派发"
    OTHER = "other", "其他"


class CaseStatus(models.TextChoices):
    """Where a case stands; the workflow's current node gives the detail."""

    PRE_REGISTERED = "pre_registered", "预登记"
    FILING = "filing", "立案审批中"
    INVESTIGATING = "investigating", "调查取证"
    DECIDING = "deciding", "审查决定"
    DECIDED = "decided", "已作出决定"
    ENFORCING = "enforcing", "执行中"
    CLOSED = "closed", "已结案"
    ARCHIVED = "archived", "已归档"
    NOT_FILED = "not_filed", "不予立案"
    TRANSFERRED_OUT = "transferred_out", "已移送"


class ItemTypeCode(models.TextChoices):
    """事项类型码, the one-digit segment of the unified case code."""

    PENALTY = "1", "行政处罚"
    COERCION = "2", "行政强制"
    INSPECTION = "3", "行政检查"


class PartyKind(models.TextChoices):
    PERSON = "person", "自然人"
    ORGANISATION = "organisation", "法人或其他组织"


class DecisionType(models.TextChoices):
    PENALTY = "penalty", "给予行政处罚"
    NO_PENALTY = "no_penalty", "不予行政处罚"
    TRANSFER = "transfer", "移送司法机关"


class PaymentStatus(models.TextChoices):
    NONE = "none", "无需缴款"
    UNPAID = "unpaid", "未缴款"
    PARTIAL = "partial", "部分缴款"
    PAID = "paid", "已缴款"
    OVERDUE = "overdue", "逾期未缴"
    COURT = "court", "已申请法院强制执行"


class PropertyKind(models.TextChoices):
    VEHICLE = "vehicle", "车辆"
    CERTIFICATE = "certificate", "证件"
    TOOL = "tool", "工具"
    OTHER = "other", "其他物品"


class PropertyStatus(models.TextChoices):
    SEIZED = "seized", "已扣押"
    SEALED = "sealed", "已查封"
    IN_CUSTODY = "in_custody", "保管中"
    TRANSFERRED = "transferred", "已移交"
    RETURNED = "returned", "已返还"
    AUCTIONED = "auctioned", "已拍卖"
    CONFISCATED = "confiscated", "已没收"


class RecordStatus(models.TextChoices):
    """A violation record from a detection station (信息派发)."""

    NEW = "new", "待派发"
    ASSIGNED = "assigned", "已派发"
    CASE_CREATED = "case_created", "已生成案件"
    DISMISSED = "dismissed", "不予处理"


class WarningKind(models.TextChoices):
    """执法全过程智能监控 points."""

    NOT_REGISTERED = "not_registered", "发现后逾期未立案"
    STEP_OVERDUE = "step_overdue", "环节超期"
    MISSING_MATERIAL = "missing_material", "缺少必要材料"
    AMOUNT_OUTSIDE_BENCHMARK = "amount_outside", "金额超出裁量基准"
    CASE_OVERDUE = "case_overdue", "办案期限将届满"
    ON_SPOT_UNAPPROVED = "on_spot_unapproved", "当场强制措施逾期未补办批准"


class OverloadDisposal(models.TextChoices):
    """卸载 / 转运 of the goods above the limit (公路安全保护条例 art. 66)."""

    UNLOAD = "unload", "卸载"
    TRANSSHIP = "tranship", "转运"


class FourPenaltyTarget(models.TextChoices):
    """一超四罚: besides the vehicle, the driver, the transport operator and the source loading site."""

    VEHICLE = "vehicle", "超限车辆"
    DRIVER = "driver", "驾驶人"
    OPERATOR = "operator", "道路运输企业"
    LOADING_SITE = "loading_site", "货运源头装载单位"


class FourPenaltyAction(models.TextChoices):
    CASE = "case", "预登记案件"
    COPY_REPORT = "copy_report", "抄告"


class BlacklistKind(models.TextChoices):
    PERSON = "person", "人员"
    VEHICLE = "vehicle", "车辆"
    OPERATOR = "operator", "经营者"


class BlacklistStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    ACTIVE = "active", "已列入"
    REJECTED = "rejected", "不予列入"
    REMOVED = "removed", "已移出"


class OnSpotPenaltyKind(models.TextChoices):
    """当场处罚 (行政处罚法 art. 51): a warning, or a fine within the limit."""

    WARNING = "warning", "警告"
    FINE = "fine", "罚款"


class RecordKind(models.TextChoices):
    """笔录 kinds (交通运输行政执法程序规定: 询问 / 勘验 / 现场笔录; 陈述申辩 and 听证 have their own)."""

    INQUIRY = "inquiry", "询问笔录"
    EXAMINATION = "examination", "勘验笔录"
    SCENE = "scene", "现场笔录"
    STATEMENT = "statement", "陈述申辩笔录"
    HEARING = "hearing", "听证笔录"


class PenaltyKind(models.TextChoices):
    """行政处罚法 art. 9."""

    WARNING = "warning", "警告"
    CRITICISM = "criticism", "通报批评"
    FINE = "fine", "罚款"
    CONFISCATE_GAINS = "confiscate_gains", "没收违法所得"
    CONFISCATE_PROPERTY = "confiscate_property", "没收非法财物"
    SUSPEND_LICENCE = "suspend_licence", "暂扣许可证件"
    REVOKE_LICENCE = "revoke_licence", "吊销许可证件"
    LOWER_QUALIFICATION = "lower_qualification", "降低资质等级"
    RESTRICT_ACTIVITY = "restrict_activity", "限制开展生产经营活动"
    SUSPEND_BUSINESS = "suspend_business", "责令停产停业"
    DETENTION = "detention", "行政拘留"


class ServiceMethod(models.TextChoices):
    DIRECT = "direct", "直接送达"
    LEFT = "left", "留置送达"
    POST = "post", "邮寄送达"
    NOTICE = "notice", "公告送达"
    ELECTRONIC = "electronic", "电子送达"


class RemedyKind(models.TextChoices):
    RECONSIDERATION = "reconsideration", "行政复议"
    LITIGATION = "litigation", "行政诉讼"


class RemedyResult(models.TextChoices):
    PENDING = "pending", "审理中"
    UPHELD = "upheld", "维持"
    CHANGED = "changed", "变更"
    REVOKED = "revoked", "撤销"
    CONFIRMED_ILLEGAL = "illegal", "确认违法"
    WITHDRAWN = "withdrawn", "撤回申请/起诉"


class ClosingKind(models.TextChoices):
    """How a case ended (结案报告)."""

    EXECUTED = "executed", "处罚决定执行完毕"
    NO_PENALTY = "no_penalty", "不予行政处罚"
    CANCELLED = "cancelled", "撤销立案"
    TRANSFERRED = "transferred", "移送其他机关或司法机关"
    COURT = "court", "申请法院强制执行"
    OTHER = "other", "其他"


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "已驳回"


class RoadDamageSettlement(models.TextChoices):
    """路政案件: how the road-property loss found at 勘验 was settled (a civil liability beside the penalty)."""

    NONE = "none", "无路产损失"
    PAID = "paid", "已赔偿"
    AGREED = "agreed", "已达成赔偿协议"
    DISPUTED = "disputed", "未达成协议，另行处理"


class CoerciveKind(models.TextChoices):
    """行政强制措施 taken by the transport agencies (行政强制法 art. 9)."""

    SEIZE = "seize", "扣押财物"
    SEAL = "seal", "查封场所设施财物"
    VEHICLE = "vehicle", "暂扣车辆"
    OTHER = "other", "其他"


class CoerciveResult(models.TextChoices):
    """How a 查封 / 扣押 ended (行政强制法 art. 27–28)."""

    RELEASED = "released", "解除"
    TO_PENALTY = "to_penalty", "转入行政处罚"
    CONFISCATED = "confiscated", "依法没收"


class InspectionResult(models.TextChoices):
    QUALIFIED = "qualified", "合格"
    PROBLEMS = "problems", "发现问题"


class InspectionHandling(models.TextChoices):
    NONE = "none", "无需处理"
    RECTIFY = "rectify", "责令改正"
    FILE_CASE = "file_case", "立案查处"


class CaseRequestKind(models.TextChoices):
    """Requests within a case decided by the unit's leader (行政处罚法 art. 43 回避, 56 先行登记保存, 66 延期或分期)."""

    RECUSAL = "recusal", "回避申请"
    ASSISTANCE = "assistance", "协助调查"
    PRESERVATION = "preservation", "证据先行登记保存"
    DEFERRAL = "deferral", "延期缴纳罚款"
    INSTALMENTS = "instalments", "分期缴纳罚款"


class CaseRequestStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "不予批准"
    DONE = "done", "已办结"

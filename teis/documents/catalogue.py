"""The catalogue of the 46 document formats (交通运输部《交通运输行政执法文书式样》 and the corps' own forms),
each with the step(s) that issue it, the facts it needs, its 联 and its initial template.

The initial template of each type is generated here from a short layout (a letter, a form table, a 笔录, a
list, the receipt, the cover, the contents); `services.catalogue.ensure_catalogue` stores it as version 1.
Administrators edit templates afterwards (new versions); this file is not read again for a type that has one.
In the layouts `[[key]]` is a filled-in placeholder (`<span class="fill">{{ key }}</span>`).
"""

from __future__ import annotations

from .choices import DocumentCategory as C
from .layouts import _PARTY_ROWS, Spec, _fill, initial_source

__all__ = ["SPECS", "BY_CODE", "FILE_ORDER", "Spec", "initial_source"]

_REMEDY = (
    "如不服本决定，可以在收到本决定书之日起六十日内向[[authority.name]]的上一级主管部门或者本级人民政府申请行政复议，"
    "也可以在六个月内依法向人民法院提起行政诉讼。"
)
_E = (
    ("证据名称", "{{ e.title }}"),
    ("类别", "{{ e.category }}"),
    ("取证时间", "{{ e.captured_at }}"),
    ("证明内容", "{{ e.description }}"),
)
_TWO = ("第一联 存根", "第二联 交当事人")
_THREE = ("第一联 存根", "第二联 交当事人", "第三联 附卷")

SPECS: tuple[Spec, ...] = (
    Spec(
        "filing_register",
        "立案登记表",
        C.FILING,
        "立",
        ("Task_FilingApproval", "Task_PreRegister"),
        "form",
        (
            ("|案件来源", "{{ case.source }}", "案由", "{{ case.cause }}"),
            *_PARTY_ROWS,
            ("|发现时间", "{{ case.discovered_at }}", "发现地点", "{{ case.place }}"),
            ("简要案情", "{{ case.facts|linebreaksbr }}", "tall"),
            ("违章代码", "{{ case.violation_codes }}"),
            ("立案依据", "{{ case.violated }}"),
            (
                "承办人意见",
                "建议立案调查。　承办人：{{ case.handler }}{% if case.co_handler %}、{{ case.co_handler }}{% endif %}",
                "medium",
            ),
            ("负责人审批意见", "同意立案。　立案时间：{{ case.filed_at }}", "medium"),
        ),
        required=("case.cause", "party.name", "case.facts"),  # issued before 赋码 (立案审批 gives the code)
        aliases=("立案审批表",),
    ),
    Spec(
        "inquiry_record",
        "询问笔录",
        C.RECORD,
        "询",
        ("Task_Register",),
        "record",
        required=("case.code", "has.inquiry"),
        extra={"kind": "询问笔录"},
    ),
    Spec(
        "examination_record",
        "勘验笔录",
        C.RECORD,
        "勘",
        ("Task_Register",),
        "record",
        required=("case.code", "has.examination"),
        extra={"kind": "勘验笔录", "who": "当事人或见证人"},
    ),
    Spec(
        "scene_record",
        "现场笔录",
        C.RECORD,
        "现",
        ("Task_Register", "Task_PreRegister"),
        "record",
        required=("has.scene",),
        aliases=("现场检查笔录",),
        extra={"kind": "现场笔录", "who": "当事人或见证人"},
    ),
    Spec(
        "sampling_voucher",
        "抽样取证凭证",
        C.EVIDENCE,
        "抽",
        ("Task_Register",),
        "list",
        _E,
        copies=_TWO,
        extra={"intro": ("根据《中华人民共和国行政处罚法》第五十六条，本机关对[[party.name]]的下列物品抽样取证：",)},
    ),
    Spec(
        "evidence_register",
        "证据登记保存清单",
        C.EVIDENCE,
        "登存",
        ("Task_Register",),
        "list",
        (*_E, ("SM3 摘要", '<span class="mono">{{ e.sm3 }}</span>')),
        required=("case.code", "party.name", "has.evidence"),
        copies=_TWO,
        extra={
            "intro": (
                "因[[case.title]]一案调查需要，根据《中华人民共和国行政处罚法》第五十六条，对下列证据予以先行登记保存，"
                "登记保存期间当事人或者有关人员不得销毁或者转移。",
            ),
            "outro": ("本机关将在七日内作出处理决定。当事人（签名）：________　执法人员（签名）：________",),
        },
    ),
    Spec(
        "evidence_release",
        "解除证据登记保存决定书",
        C.EVIDENCE,
        "解存",
        ("Task_Register",),
        "letter",
        (
            "本机关于[[case.filed_at]]对你（单位）涉嫌[[case.cause]]一案中的有关证据予以登记保存。经调查，现决定解除登记保存，"
            "请于收到本决定书之日起七日内到本机关领取登记保存物品。",
        ),
    ),
    Spec(
        "coercive_decision",
        "行政强制措施决定书",
        C.COERCIVE,
        "强决",
        ("Task_CoerciveDecision",),
        "letter",
        (
            "你（单位）[[case.facts]]，涉嫌违反[[case.violated]]的规定。",
            "根据《中华人民共和国行政强制法》第九条、第二十四条及[[case.penalty_basis]]的规定，本机关决定对涉案物品（车辆"
            "[[vehicle.plate]]）采取查封、扣押的行政强制措施，期限为三十日。查封、扣押物品详见查封（扣押）物品清单。",
            _REMEDY,
        ),
        aliases=("查封扣押决定书",),
        copies=_TWO,
    ),
    Spec(
        "coercive_list",
        "查封（扣押）物品清单",
        C.COERCIVE,
        "强单",
        ("Task_CoerciveDecision",),
        "list",
        _E,
        aliases=("查封扣押清单",),
        copies=_TWO,
        extra={"intro": ("依据行政强制措施决定书，对[[party.name]]的下列物品予以查封（扣押）：",)},
    ),
    Spec(
        "coercive_extension",
        "延长行政强制措施期限决定书",
        C.COERCIVE,
        "强延",
        ("Task_ExtensionApproval",),
        "letter",
        (
            "因案情复杂，根据《中华人民共和国行政强制法》第二十五条的规定，经本机关负责人批准，决定将对你（单位）涉案物品采取的"
            "行政强制措施期限延长三十日。",
            _REMEDY,
        ),
        aliases=("延长查封扣押期限决定书",),
    ),
    Spec(
        "coercive_release",
        "解除行政强制措施决定书",
        C.COERCIVE,
        "强解",
        ("Task_CoerciveRelease",),
        "letter",
        (
            "根据《中华人民共和国行政强制法》第二十八条的规定，本机关决定解除对你（单位）涉案物品（车辆[[vehicle.plate]]）"
            "采取的行政强制措施，请于收到本决定书之日起到指定地点领取。",
        ),
        aliases=("解除查封扣押决定书",),
    ),
    Spec(
        "violation_notice",
        "违法行为通知书",
        C.DECISION,
        "违通",
        ("Task_Finding", "Task_Statement", "Task_Hearing"),
        "letter",
        (
            "经调查，你（单位）[[case.facts]]",
            "以上事实有[[decision.evidence_list]]等证据为证。你（单位）的行为违反了[[case.violated]]的规定，"
            "依据[[case.penalty_basis]]的规定，本机关拟对你（单位）作出如下行政处罚：[[decision.penalty_kinds]]，"
            "罚款人民币[[case.fine_upper]]（￥[[case.fine_amount]]元）。",
            "根据《中华人民共和国行政处罚法》第四十四条、第四十五条、第六十三条、第六十四条的规定，你（单位）有权进行陈述和申辩；"
            "符合听证条件的，你（单位）有权在收到本通知书之日起五日内要求举行听证。逾期未提出的，视为放弃上述权利。",
            "联系人：[[case.handler]]　　联系地址：[[unit.name]]",
        ),
        required=("case.code", "party.name", "case.facts", "case.violated", "case.fine_amount"),
        aliases=("行政处罚事先告知书",),
        copies=_TWO,
    ),
    Spec(
        "hearing_notice",
        "听证通知书",
        C.DECISION,
        "听通",
        ("Task_Hearing",),
        "letter",
        (
            "根据你（单位）的申请，本机关决定于[[decision.hearing_held_at]]在[[unit.name]]就[[case.title]]一案举行听证，"
            "请准时出席。",
            "你（单位）可以委托一至二名代理人参加听证，委托代理人参加的应当提交授权委托书。无正当理由不出席听证的，视为放弃听证权利。",
            "你（单位）认为听证主持人与本案有直接利害关系的，有权申请回避。",
        ),
        required=("case.code", "party.name", "decision.hearing_held_at"),
    ),
    Spec(
        "hearing_record",
        "听证笔录",
        C.RECORD,
        "听录",
        ("Task_Hearing",),
        "record",
        required=("case.code", "has.hearing"),
        extra={"kind": "听证笔录", "who": "当事人"},
    ),
    Spec(
        "hearing_report",
        "听证报告",
        C.INTERNAL,
        "听报",
        ("Task_Hearing",),
        "form",
        (
            ("|案由", "{{ case.cause }}", "当事人", "{{ party.name }}"),
            ("|听证日期", "{{ decision.hearing_held_at }}", "主持人", "{{ decision.legal_reviewer }}"),
            ("听证笔录摘要", "{{ decision.hearing_record|linebreaksbr }}", "tall"),
            ("听证报告及处理意见", "{{ decision.hearing_report|linebreaksbr }}", "tall"),
        ),
        required=("case.code", "decision.hearing_report"),
        official=False,
        extra={"seal": False},
    ),
    Spec(
        "statement_record",
        "陈述申辩笔录",
        C.RECORD,
        "申辩",
        ("Task_Statement",),
        "record",
        required=("case.code", "has.statement"),
        extra={"kind": "陈述申辩笔录", "who": "陈述申辩人"},
    ),
    Spec(
        "on_spot_decision",
        "当场行政处罚决定书",
        C.DECISION,
        "当罚",
        ("Task_OnSpotDecision",),
        "form",
        (
            *_PARTY_ROWS,
            ("|车牌号", "{{ vehicle.plate }}", "驾驶员", "{{ vehicle.driver }}"),
            ("违法事实", "{{ case.facts|linebreaksbr }}", "medium"),
            ("违反条款", "{{ case.violated }}"),
            ("处罚依据", "{{ case.penalty_basis }}"),
            (
                "处罚决定",
                "{{ case.decision_type }}{% if case.fine_amount %}：罚款人民币"
                " {{ case.fine_upper }}（￥{{ case.fine_amount }}元）{% endif %}",
            ),
            (
                "缴款方式",
                "当事人应当自收到本决定书之日起十五日内到指定银行或通过电子支付缴纳罚款；到期不缴纳的，每日按罚款数额的百分之三加处罚款。",
            ),
            ("救济途径", _fill(_REMEDY)),
            ("当事人签名", "", "medium"),
        ),
        required=("case.code", "party.name", "case.facts", "case.decision_type"),
        aliases=("当场处罚决定书",),
        copies=_THREE,
    ),
    Spec(
        "penalty_decision",
        "行政处罚决定书",
        C.DECISION,
        "罚决",
        ("Task_Decision", "Task_Execution"),
        "letter",
        (
            "当事人：[[party.name]]（[[party.kind]]）{% if party.id_number %}，身份证号：[[party.id_number]]{% endif %}"
            "{% if party.credit_code %}，统一社会信用代码：[[party.credit_code]]{% endif %}，住址：[[party.address]]。",
            "经查，[[decision.proposal_facts]]{% if not decision.proposal_facts %}[[case.facts]]{% endif %}",
            "以上事实有[[decision.evidence_list]]等证据为证。",
            "本机关于[[decision.notice_served_at]]向你（单位）送达了违法行为通知书，告知了拟作出行政处罚的事实、理由、依据及你（单位）"
            "依法享有的陈述、申辩和要求听证的权利。{% if decision.statement_adopted %}你（单位）提出"
            "的陈述申辩意见经复核，[[decision.statement_adopted]]。{% endif %}",
            "你（单位）的行为违反了[[case.violated]]的规定，依据[[case.penalty_basis]]的规定，本机关决定对你（单位）作出如下行政处罚："
            "[[decision.penalty_kinds]]，罚款人民币[[case.fine_upper]]（￥[[case.fine_amount]]元）。",
            "请在收到本决定书之日起十五日内缴纳罚款{% if payment.code %}（缴款码：[[payment.code]]，"
            "可通过非税收入电子缴款平台或指定银行缴纳）{% endif %}。到期不缴纳罚款的，本机关可以每日按罚款数额的"
            "百分之三加处罚款，并依法申请人民法院强制执行。",
            _REMEDY,
        ),
        extra={"to": False},
        required=(
            "case.code",
            "party.name",
            "case.facts",
            "case.violated",
            "case.penalty_basis",
            "case.fine_amount",
            "decision.notice_served_at",
        ),
    ),
    Spec(
        "correction_order",
        "责令改正违法行为通知书",
        C.DECISION,
        "责改",
        ("Task_Register", "Task_Finding"),
        "letter",
        (
            "经查，你（单位）[[case.facts]]，违反了[[case.violated]]的规定。",
            "根据《中华人民共和国行政处罚法》第二十八条的规定，"
            "现责令你（单位）立即（或于　　年　　月　　日前）改正上述违法行为。",
        ),
        copies=_TWO,
    ),
    Spec(
        "installment_notice",
        "分期（延期）缴纳罚款通知书",
        C.EXECUTION,
        "分缴",
        ("Task_Execution",),
        "letter",
        (
            "本机关于[[case.decided_at]]对你（单位）作出罚款人民币[[case.fine_amount]]元的行政处罚决定。根据你（单位）的申请，"
            "依据《中华人民共和国行政处罚法》第六十六条的规定，经本机关批准：[[decision.installment_note]]。",
        ),
        required=("case.code", "party.name", "decision.installment_note"),
    ),
    Spec(
        "execution_notice",
        "执行公告",
        C.EXECUTION,
        "执告",
        ("Task_Execution",),
        "letter",
        (
            "[[party.name]]因[[case.cause]]，本机关依法作出行政处罚决定（[[case.code]]）。当事人在法定期限内未申请行政复议或提起行政诉讼，"
            "又不履行行政决定，本机关依法予以执行。特此公告。",
        ),
        extra={"to": False},
    ),
    Spec(
        "urge_notice",
        "催告书",
        C.EXECUTION,
        "催告",
        ("Task_Execution", "Task_Urge"),
        "letter",
        (
            "本机关于[[case.decided_at]]对你（单位）作出行政处罚决定，罚款人民币[[case.fine_amount]]元，已依法送达。你（单位）在规定期限内"
            "未履行该决定。根据《中华人民共和国行政强制法》第三十五条、第五十四条的规定，现催告你（单位）自收到本催告书之日起十日内履行。",
            "你（单位）有权进行陈述和申辩。逾期仍未履行的，本机关将依法申请人民法院强制执行。",
        ),
        copies=_TWO,
    ),
    Spec(
        "enforcement_decision",
        "行政强制执行决定书",
        C.EXECUTION,
        "强执",
        ("Task_Execution",),
        "letter",
        (
            "本机关于[[decision.urged_at]]向你（单位）送达催告书，你（单位）逾期仍未履行行政处罚决定。根据《中华人民共和国行政强制法》第三十七条"
            "的规定，本机关决定强制执行。",
            _REMEDY,
        ),
    ),
    Spec(
        "substitute_performance",
        "代履行决定书",
        C.EXECUTION,
        "代履",
        ("Task_Execution",),
        "letter",
        (
            "你（单位）未在规定期限内履行排除妨碍、恢复原状的义务，根据《中华人民共和国行政强制法》第五十条、第五十一条的规定，本机关决定"
            "依法代履行，代履行费用由你（单位）承担。",
            _REMEDY,
        ),
    ),
    Spec(
        "suspension_notice",
        "中止（终结、恢复）行政强制执行通知书",
        C.EXECUTION,
        "中执",
        ("Task_Execution",),
        "letter",
        (
            "根据《中华人民共和国行政强制法》第三十九条、第四十条的规定，本机关决定中止（终结、恢复）对你（单位）[[case.title]]一案的强制执行。",
        ),
    ),
    Spec(
        "service_receipt",
        "送达回证",
        C.SERVICE,
        "送",
        ("Task_Decision", "Task_Execution", "Task_Remedy"),
        "receipt",
        required=("case.code", "decision.service_recipient", "decision.service_method", "case.served_at"),
    ),
    Spec(
        "closing_report",
        "结案报告",
        C.CLOSING,
        "结",
        ("Task_Archive",),
        "form",
        (
            ("|案由", "{{ case.cause }}", "当事人", "{{ party.name }}"),
            ("|立案日期", "{{ case.filed_at }}", "结案日期", "{{ case.closed_at }}"),
            (
                "处理结果",
                "{{ case.decision_type }}{% if case.fine_amount %}，罚款 {{ case.fine_amount }} 元{% endif %}",
            ),
            (
                "执行情况",
                "{% for p in payments %}{{ p.paid_at }} 缴纳 {{ p.amount }}"
                " 元（票据号 {{ p.receipt_number }}）；{% empty %}—{% endfor %}",
            ),
            ("结案方式", "{{ decision.closing_kind }}"),
            ("结案报告", "{{ decision.closing_report|linebreaksbr }}", "tall"),
            ("负责人审批意见", "同意结案。", "medium"),
        ),
        required=("case.code", "decision.closing_report", "case.closed_at"),
        extra={"seal": False},
    ),
    Spec(
        "no_penalty_decision",
        "不予行政处罚决定书",
        C.DECISION,
        "不罚",
        ("Task_Decision",),
        "letter",
        (
            "经查，[[case.facts]]",
            "[[decision.reason]]根据《中华人民共和国行政处罚法》第三十三条的规定，本机关决定对你（单位）不予行政处罚。",
            _REMEDY,
        ),
        required=("case.code", "party.name", "decision.reason"),
    ),
    Spec(
        "case_cancel_decision",
        "撤销立案决定书",
        C.FILING,
        "撤案",
        ("Task_Decision", "Task_CaseApproval"),
        "letter",
        (
            "本机关于[[case.filed_at]]对[[case.title]]一案立案调查。经查，[[decision.reason]]根据《交通运输行政执法程序规定》的有关规定，"
            "决定撤销立案。",
        ),
        required=("case.code", "decision.reason"),
    ),
    Spec(
        "judicial_transfer",
        "涉嫌犯罪案件移送书",
        C.FILING,
        "刑移",
        ("Task_JudicialTransfer",),
        "letter",
        (
            "[[case.title]]一案，经调查，当事人[[party.name]]涉嫌犯罪。根据《行政执法机关移送涉嫌犯罪案件的规定》第三条的规定，"
            "现将该案移送你单位依法处理。附：案件调查报告、涉案物品清单、有关检验报告或者鉴定结论及其他有关材料。",
        ),
        required=("case.code", "decision.transfer_authority"),
        extra={"to": False},
    ),
    Spec(
        "enforcement_application",
        "强制执行申请书",
        C.EXECUTION,
        "执申",
        ("Task_Execution", "Task_CourtApplication"),
        "letter",
        (
            "申请人：[[authority.name]]。被申请人：[[party.name]]，住址：[[party.address]]。",
            "申请人于[[case.decided_at]]对被申请人作出行政处罚决定，罚款人民币[[case.fine_amount]]元。被申请人在法定期限内未申请行政复议或者提起"
            "行政诉讼，又不履行，经[[decision.urged_at]]催告仍未履行。根据《中华人民共和国行政强制法》第五十三条的规定，特申请人民法院强制执行。",
        ),
        required=("case.code", "party.name", "decision.urged_at"),
        extra={"to": False},
    ),
    Spec(
        "inspection_record",
        "行政检查记录",
        C.RECORD,
        "检",
        ("Task_InspectionRegister",),
        "form",
        (
            *_PARTY_ROWS,
            ("|检查时间", "{{ case.discovered_at }}", "检查地点", "{{ case.place }}"),
            ("检查情况", "{{ case.investigation|linebreaksbr }}{{ case.facts|linebreaksbr }}", "tall"),
            ("被检查人签名", "", "medium"),
        ),
        required=("case.code",),
        aliases=("检查记录",),
    ),
    Spec(
        "service_address",
        "送达地址确认书",
        C.SERVICE,
        "址",
        ("Task_Finding",),
        "form",
        (
            *_PARTY_ROWS,
            (
                "告知事项",
                "受送达人应当如实提供送达地址；提供的地址不准确或者变更后未及时告知，导致文书未能被实际接收的，文书退回之日视为送达之日。",
            ),
            ("受送达人确认", "以上地址准确无误。签名：", "medium"),
        ),
    ),
    # --- the corps' own forms ---------------------------------------------------------------------------
    Spec(
        "case_proposal",
        "案件处理意见书",
        C.INTERNAL,
        "处意",
        ("Task_Finding",),
        "form",
        (
            ("|案由", "{{ case.cause }}", "当事人", "{{ party.name }}"),
            ("违法事实", "{{ decision.proposal_facts|default:case.facts|linebreaksbr }}", "tall"),
            ("证据", "{{ decision.evidence_list|linebreaksbr }}", "medium"),
            ("法律依据", "{{ decision.legal_basis|default:case.penalty_basis }}"),
            (
                "处理意见",
                "{{ decision.proposal|linebreaksbr }}{% if case.fine_amount %}"
                "（拟罚款 {{ case.fine_amount }} 元）{% endif %}",
                "medium",
            ),
            ("承办人", "{{ case.handler }}{% if case.co_handler %}、{{ case.co_handler }}{% endif %}"),
        ),
        required=("case.code", "decision.proposal"),
        official=False,
        extra={"seal": False},
    ),
    Spec(
        "case_investigation_report",
        "案件调查报告",
        C.INTERNAL,
        "调报",
        ("Task_CaseApproval",),
        "form",
        (
            ("|案由", "{{ case.cause }}", "当事人", "{{ party.name }}"),
            ("调查经过", "{{ case.investigation|linebreaksbr }}", "tall"),
            ("违法事实", "{{ case.facts|linebreaksbr }}", "medium"),
            ("证据", "{% for e in evidence %}{{ forloop.counter }}. {{ e.title }}；{% empty %}—{% endfor %}"),
        ),
        required=("case.code", "case.investigation"),
        official=False,
        aliases=("案件调查终结报告",),
        extra={"seal": False},
    ),
    Spec(
        "legal_review_opinion",
        "法制审核意见书",
        C.INTERNAL,
        "法审",
        ("Task_LegalReview",),
        "form",
        (
            ("|案由", "{{ case.cause }}", "当事人", "{{ party.name }}"),
            ("拟处理决定", "{{ decision.proposal|linebreaksbr }}"),
            ("审核意见", "{{ decision.legal_opinion|linebreaksbr }}", "tall"),
            ("|审核人", "{{ decision.legal_reviewer }}", "审核日期", "{{ doc.date }}"),
        ),
        required=("case.code", "decision.legal_opinion"),
        official=False,
        extra={"seal": False},
    ),
    Spec(
        "collective_discussion",
        "集体讨论记录",
        C.INTERNAL,
        "集讨",
        ("Task_Discussion",),
        "form",
        (
            ("|案由", "{{ case.cause }}", "讨论时间", "{{ decision.discussion_at }}"),
            ("讨论记录", "{{ decision.discussion_minutes|linebreaksbr }}", "tall"),
            ("结论性意见", "{{ decision.proposal|linebreaksbr }}", "medium"),
            ("参加人员签名", "", "medium"),
        ),
        required=("case.code", "decision.discussion_minutes"),
        official=False,
        aliases=("重大案件集体讨论记录",),
        extra={"seal": False},
    ),
    Spec(
        "case_approval",
        "案件审批表",
        C.INTERNAL,
        "审批",
        ("Task_CaseApproval", "Task_LeaderApproval", "Task_DeptApproval"),
        "form",
        (
            ("|案由", "{{ case.cause }}", "当事人", "{{ party.name }}"),
            ("案情摘要", "{{ case.facts|linebreaksbr }}", "medium"),
            (
                "处理意见",
                "{{ decision.proposal|linebreaksbr }}"
                "{% if case.fine_amount %}（罚款 {{ case.fine_amount }} 元）{% endif %}",
            ),
            ("承办机构意见", "", "medium"),
            ("法制审核意见", "{{ decision.legal_opinion }}", "medium"),
            ("负责人审批意见", "", "medium"),
        ),
        required=("case.code", "party.name"),
        official=False,
        aliases=("行政处罚决定审批表",),
        extra={"seal": False},
    ),
    Spec(
        "vehicle_detention",
        "车辆暂扣凭证",
        C.COERCIVE,
        "扣车",
        ("Task_Register", "Task_CoerciveDecision"),
        "form",
        (
            *_PARTY_ROWS,
            ("|车牌号", "{{ vehicle.plate }}", "车辆类型", "{{ vehicle.type }}"),
            ("|驾驶员", "{{ vehicle.driver }}", "道路运输证号", "{{ vehicle.licence }}"),
            ("暂扣理由", "{{ case.facts }}"),
            ("暂扣依据", "{{ case.penalty_basis }}"),
            ("停放地点", ""),
            ("当事人签名", "", "medium"),
        ),
        required=("case.code", "party.name", "vehicle.plate"),
        official=False,
        copies=_THREE,
    ),
    Spec(
        "vehicle_stop_order",
        "责令车辆停驶通知书",
        C.COERCIVE,
        "停驶",
        ("Task_Register",),
        "letter",
        (
            "你（单位）的车辆[[vehicle.plate]]（驾驶员[[vehicle.driver]]）[[case.facts]]。依据[[case.penalty_basis]]的规定，"
            "现责令该车辆立即停驶，接受处理。",
        ),
        required=("case.code", "party.name", "vehicle.plate"),
        official=False,
        copies=_TWO,
    ),
    Spec(
        "licence_detention",
        "证件暂扣凭证",
        C.COERCIVE,
        "扣证",
        ("Task_Register",),
        "form",
        (
            *_PARTY_ROWS,
            ("|证件名称", "道路运输证", "证件号码", "{{ vehicle.licence }}"),
            ("暂扣理由", "{{ case.facts }}"),
            ("当事人签名", "", "medium"),
        ),
        required=("case.code", "party.name"),
        official=False,
        copies=_TWO,
    ),
    Spec(
        "passenger_statement",
        "乘客证明",
        C.RECORD,
        "乘证",
        ("Task_Register",),
        "form",
        (
            ("|车牌号", "{{ vehicle.plate }}", "驾驶员", "{{ vehicle.driver }}"),
            ("|乘车时间", "{{ case.discovered_at }}", "乘车地点", "{{ case.place }}"),
            ("乘车情况", "本人乘坐上述车辆，目的地：________，约定车费：________元，支付方式：________。", "medium"),
            ("乘客签名", "", "medium"),
        ),
        required=("case.code", "vehicle.plate"),
        official=False,
        extra={"seal": False},
    ),
    Spec(
        "handover_letter",
        "移送书",
        C.FILING,
        "移送",
        ("Task_Handover",),
        "letter",
        (
            "[[case.title]]一案，[[decision.handover_reason]]现根据《交通运输行政执法程序规定》的有关规定，将该案移送[[decision.handover_unit]]"
            "依法处理，请查收。",
        ),
        required=("case.code", "decision.handover_unit"),
        official=False,
        aliases=("案件移送函",),
        extra={"to": False},
    ),
    Spec(
        "file_cover",
        "卷宗封面",
        C.CLOSING,
        "卷",
        ("Task_Archive", "Task_ArchiveReview"),
        "cover",
        required=("case.code", "party.name", "case.cause"),
        official=False,
    ),
    Spec(
        "file_contents",
        "卷内目录",
        C.CLOSING,
        "目",
        ("Task_Archive", "Task_ArchiveReview"),
        "toc",
        required=("case.code",),
        official=False,
    ),
    Spec(
        "file_reference",
        "卷内备考表",
        C.CLOSING,
        "备考",
        ("Task_ArchiveReview",),
        "form",
        (
            ("本卷情况说明", "本卷共有文书材料若干件，均为原件。{{ case.archive_location }}", "tall"),
            ("|立卷人", "{{ case.handler }}", "立卷时间", "{{ case.closed_at }}"),
            ("|检查人", "", "检查时间", ""),
        ),
        required=("case.code",),
        official=False,
        extra={"seal": False},
    ),
)

BY_CODE = {s.code: s for s in SPECS}
# Legal order in the case file (卷内文书排列顺序): the order of SPECS, cover and contents first.
FILE_ORDER = ("file_cover", "file_contents", *(s.code for s in SPECS if not s.code.startswith("file_")))

"""What core shows of the documents app: lists, details, API (read-only: documents are written by the issuing
service), menu entries (group 案件办理) and the declared actions of 作废 (request, approve, reject)."""

from __future__ import annotations

from django import forms
from django.urls import reverse

from teis.core import actions
from teis.core.actions import Action
from teis.core.registry import MenuEntry, ModelConfig, registry

from .choices import CaseFileStatus, DocumentStatus
from .models import CaseFile, Document, DocumentTemplate, DocumentType, UnitSeal
from .services import issuing


class DocumentsConfig(ModelConfig):
    menu_group = "案件办理"


@registry.register
class DocumentTypeConfig(DocumentsConfig):
    model = DocumentType
    create_fields = ["code", "name", "category", "abbr", "copies", "order", "official", "is_active"]
    edit_fields = ["name", "category", "abbr", "copies", "order", "official", "is_active"]
    form_fields = create_fields
    list_columns = ["order", "code", "name", "category", "abbr", "copies", "official", "is_active"]
    menu_label = "文书种类与模板"
    menu_icon = "bi-file-earmark-text"
    menu_order = 60

    @classmethod
    def detail_actions(cls, obj, user):
        out = []
        tpl = obj.templates.order_by("-version").first()
        if tpl is not None:
            out.append(
                (
                    f"当前模板 v{tpl.version}",
                    reverse("documents:documenttemplate_detail", args=[tpl.pk]),
                    "bi-filetype-html",
                )
            )
        if user.has_perm("documents.add_documenttemplate"):
            out.append(("编辑模板（保存为新版本）", reverse("documents:template_edit", args=[obj.pk]), "bi-pencil"))
        return out


@registry.register
class DocumentTemplateConfig(DocumentsConfig):
    model = DocumentTemplate
    ui_read_only = True
    api_read_only = True
    list_columns = ["doc_type", "version", "note", "created_by", "created_at"]
    detail_fields = ["doc_type", "version", "note", "created_by", "created_at", "source"]

    @classmethod
    def detail_actions(cls, obj, user):
        out = [("预览样张", reverse("documents:template_sample", args=[obj.pk]), "bi-eye")]
        if user.has_perm("documents.add_documenttemplate"):
            out.append(
                (
                    "基于此版本编辑",
                    reverse("documents:template_edit", args=[obj.doc_type_id]) + f"?from={obj.pk}",
                    "bi-pencil",
                )
            )
        return out


@registry.register
class DocumentConfig(DocumentsConfig):
    model = Document
    ui_read_only = True
    api_read_only = True
    api_exclude = ["facts"]
    list_columns = ["number", "doc_type", "case", "unit", "issued_by", "issued_at", "status"]
    detail_fields = [
        "number",
        "doc_type",
        "case",
        "unit",
        "step",
        "template",
        "status",
        "issued_by",
        "issued_at",
        "pages",
        "size",
        "sm3",
        "signature",
        "verify_code",
        "seal",
        "reprints",
        "cancel_reason",
        "cancel_requested_by",
        "decided_by",
        "decided_at",
    ]
    filter_exclude = {}
    menu_label = "执法文书"
    menu_icon = "bi-file-earmark-pdf"
    menu_order = 61

    @classmethod
    def detail_actions(cls, obj, user):
        return [
            ("下载原件", reverse("documents:download", args=[obj.pk]), "bi-download"),
            ("打印副本", reverse("documents:reprint", args=[obj.pk]), "bi-printer"),
            ("验证页", reverse("documents_verify:verify", args=[obj.verify_code]), "bi-patch-check"),
            ("案件", reverse("cases:case_detail", args=[obj.case_id]), "bi-folder2-open"),
        ]


@registry.register
class UnitSealConfig(DocumentsConfig):
    model = UnitSeal
    ui_read_only = True
    api_read_only = True
    api_exclude = ["private_key"]
    list_columns = ["name", "unit", "public_key", "created_at"]
    detail_fields = ["name", "unit", "public_key", "created_at", "created_by"]
    menu_label = "电子印章"
    menu_icon = "bi-patch-check"
    menu_order = 63


@registry.register
class CaseFileConfig(DocumentsConfig):
    model = CaseFile
    ui_read_only = True
    api_read_only = True
    list_columns = ["case", "unit", "status", "pages", "built_at", "created_by"]
    detail_fields = [
        "case",
        "unit",
        "status",
        "done",
        "total",
        "pages",
        "sm3",
        "signature",
        "seal",
        "built_at",
        "error",
        "created_by",
        "created_at",
    ]
    menu_label = "电子卷宗"
    menu_icon = "bi-journal-bookmark"
    menu_order = 62

    @classmethod
    def detail_actions(cls, obj, user):
        out = [("生成进度", reverse("documents:casefile_progress", args=[obj.pk]), "bi-hourglass-split")]
        if obj.status == CaseFileStatus.DONE:
            out.insert(0, ("下载电子卷宗", reverse("documents:casefile_download", args=[obj.pk]), "bi-download"))
        return out


registry.add_menu(
    MenuEntry("扫码查案（一案一码）", "documents:scan", "cases.view_enforcementcase", "案件办理", "bi-qr-code-scan", 64)
)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="作废理由", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class OpinionForm(forms.Form):
    opinion = forms.CharField(
        label="审批意见", max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


_DOC = "documents.document"
actions.register(
    Action(
        _DOC, "request_cancel", "申请作废", "documents.issue_document",
        run=lambda actor, doc, reason: issuing.do_request_cancel(actor, doc, reason),
        form=ReasonForm, states=(DocumentStatus.ISSUED,), icon="bi-x-octagon", style="danger",
    )
)  # fmt: skip
actions.register(
    Action(
        _DOC, "approve_cancel", "批准作废", "documents.approve_cancel_document",
        run=lambda actor, doc, opinion: issuing.do_decide_cancel(actor, doc, approve=True, opinion=opinion),
        form=OpinionForm, states=(DocumentStatus.CANCEL_PENDING,), icon="bi-check2-circle", style="danger",
    )
)  # fmt: skip
actions.register(
    Action(
        _DOC, "reject_cancel", "驳回作废", "documents.approve_cancel_document",
        run=lambda actor, doc, opinion: issuing.do_decide_cancel(actor, doc, approve=False, opinion=opinion),
        form=OpinionForm, states=(DocumentStatus.CANCEL_PENDING,), icon="bi-arrow-return-left", style="warning",
    )
)  # fmt: skip

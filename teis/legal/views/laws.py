"""Pages of laws: tree view, version diff, text import, text / JSON export, provision search."""

from __future__ import annotations

import json
import urllib.parse

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse

from teis.core.forms import style_widgets
from teis.core.services import ServiceError
from teis.core.views import require

from ..choices import EffectLevel, ProvisionLevel, Validity
from ..models import Law, LawVersion
from ..parser import render_law_text, to_city_platform_json
from ..search import MAX_QUERY_LENGTH, provision_url, search_provisions
from ..services.laws import diff_versions, do_import_version

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
HEADING_LEVELS = {ProvisionLevel.PART, ProvisionLevel.CHAPTER, ProvisionLevel.SECTION}


def access_law(user, pk) -> Law:
    return get_object_or_404(Law.objects.for_user(user).select_related("current_version"), pk=pk)


def _version(law: Law, number) -> LawVersion | None:
    if number in (None, ""):
        return law.current_version or law.versions.order_by("-number").first()
    try:
        return law.versions.get(number=int(number))
    except (ValueError, LawVersion.DoesNotExist):
        raise Http404 from None


def build_tree(version: LawVersion) -> list[dict]:
    """Nested nodes of a version: {"p": provision, "children": [...], "single": bool}."""
    rows = list(version.provisions.order_by("order"))
    nodes = {p.pk: {"p": p, "children": [], "heading": p.level in HEADING_LEVELS} for p in rows}
    roots = []
    for p in rows:
        node = nodes[p.pk]
        if p.parent_id and p.parent_id in nodes:
            nodes[p.parent_id]["children"].append(node)
        else:
            roots.append(node)
    for node in nodes.values():
        p = node["p"]
        # an article's paragraphs carry no printed label; a single one is the article itself
        node["single"] = p.level == ProvisionLevel.ARTICLE and len(node["children"]) == 1
    return roots


@login_required
def law_tree(request, pk):
    require(request, "legal.view_law")
    law = access_law(request.user, pk)
    version = _version(law, request.GET.get("version"))
    ctx = {
        "law": law,
        "version": version,
        "versions": list(law.versions.order_by("-number")),
        "tree": build_tree(version) if version else [],
        "can_import": request.user.has_perm("legal.change_law"),
    }
    return render(request, "legal/law_tree.html", ctx)


@login_required
def law_diff(request, pk):
    require(request, "legal.view_law")
    law = access_law(request.user, pk)
    versions = list(law.versions.order_by("-number"))
    if len(versions) < 2 and not (request.GET.get("old") and request.GET.get("new")):
        return render(request, "legal/law_diff.html", {"law": law, "versions": versions, "diffs": None})
    old = _version(law, request.GET.get("old") or (versions[1].number if len(versions) > 1 else None))
    new = _version(law, request.GET.get("new") or versions[0].number)
    diffs = diff_versions(old, new)
    counts = {k: sum(1 for d in diffs if d.kind == k) for k in ("added", "removed", "changed")}
    ctx = {"law": law, "versions": versions, "old": old, "new": new, "diffs": diffs, "counts": counts}
    return render(request, "legal/law_diff.html", ctx)


class LawImportForm(forms.Form):
    label = forms.CharField(label="版本名称", max_length=100, help_text="如：2019年修正")
    effective_from = forms.DateField(label="施行日期")
    text = forms.CharField(
        label="正文",
        required=False,
        widget=forms.Textarea(attrs={"rows": 18, "class": "form-control font-monospace"}),
        help_text="按“第一章 总则 / 第一条 …… / （一）…… / 1. ……”的通常格式粘贴全文；也可上传 .txt 文件。",
    )
    file = forms.FileField(label="或上传文本文件（.txt，UTF-8 或 GBK）", required=False)
    note = forms.CharField(label="修订说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)

    def clean_file(self):
        f = self.cleaned_data.get("file")
        if f is None:
            return None
        if not f.name.lower().endswith(".txt"):
            raise forms.ValidationError("请上传 .txt 文本文件。")
        if f.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("文件不能超过 5 MB。")
        raw = f.read()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                continue
        raise forms.ValidationError("无法识别文件编码，请使用 UTF-8 或 GBK。")

    def clean(self):
        data = super().clean()
        if not self.errors and not (data.get("text") or "").strip() and not data.get("file"):
            raise forms.ValidationError("请粘贴正文或上传文本文件。")
        return data


@login_required
def law_import(request, pk):
    require(request, "legal.change_law")
    law = access_law(request.user, pk)
    form = LawImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            text = d["file"] if d.get("file") else d["text"]
            try:
                version = do_import_version(
                    request.user, law, text, label=d["label"], effective_from=d["effective_from"], note=d["note"]
                )
            except ServiceError as err:
                form.add_error(None, err.message)
            else:
                messages.success(
                    request, f"已导入《{law.name}》{version.label}，共 {version.provisions.count()} 个条款节点。"
                )
                return redirect(reverse("legal:law_tree", args=[law.pk]) + f"?version={version.number}")
    return render(request, "legal/law_import.html", {"law": law, "form": form}, status=status)


def _attachment(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{urllib.parse.quote(filename)}"
    return response


def _audit_export(request, law, fmt):
    from teis.audit import services as audit
    from teis.audit.choices import AuditAction

    audit.record(request.user, AuditAction.EXPORT, law, detail={"format": fmt, "model": "legal.law"})


@login_required
def law_export_txt(request, pk):
    require(request, "legal.view_law")
    law = access_law(request.user, pk)
    version = _version(law, request.GET.get("version"))
    if version is None:
        raise Http404
    _audit_export(request, law, "txt")
    return _attachment(
        render_law_text(version).encode("utf-8"), f"{law.name}（{version.label}）.txt", "text/plain; charset=utf-8"
    )


@login_required
def law_export_json(request, pk):
    require(request, "legal.view_law")
    law = access_law(request.user, pk)
    version = _version(law, request.GET.get("version"))
    if version is None:
        raise Http404
    _audit_export(request, law, "json")
    body = json.dumps(to_city_platform_json(law, version), ensure_ascii=False, indent=2)
    return _attachment(body.encode("utf-8"), f"{law.name}（{version.label}）.json", "application/json; charset=utf-8")


class SearchForm(forms.Form):
    q = forms.CharField(label="关键词", required=False, max_length=MAX_QUERY_LENGTH)
    effect_level = forms.ChoiceField(label="效力级别", required=False, choices=[("", "全部"), *EffectLevel.choices])
    validity = forms.ChoiceField(label="时效性", required=False, choices=[("", "全部"), *Validity.choices])
    date_from = forms.DateField(label="颁布日期自", required=False)
    date_to = forms.DateField(label="颁布日期至", required=False)
    law_name = forms.CharField(label="法规名称", required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("开始日期不能晚于结束日期。")
        return data


@login_required
def search(request):
    require(request, "legal.view_law")
    form = SearchForm(request.GET or None)
    results = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            d = form.cleaned_data
            if d["q"].strip():
                found = search_provisions(
                    d["q"],
                    effect_level=d["effect_level"] or None,
                    validity=d["validity"] or None,
                    date_from=d["date_from"],
                    date_to=d["date_to"],
                    law_name=d["law_name"] or None,
                )
                results = [
                    {
                        "provision": p,
                        "score": score,
                        "url": provision_url(p),
                    }
                    for p, score in found
                ]
        else:
            status = 400
    return render(request, "legal/search.html", {"form": form, "results": results}, status=status)


urlpatterns = [
    path("laws/<int:pk>/tree/", law_tree, name="law_tree"),
    path("laws/<int:pk>/diff/", law_diff, name="law_diff"),
    path("laws/<int:pk>/import/", law_import, name="law_import"),
    path("laws/<int:pk>/export.txt", law_export_txt, name="law_export_txt"),
    path("laws/<int:pk>/export.json", law_export_json, name="law_export_json"),
    path("search/", search, name="search"),
]

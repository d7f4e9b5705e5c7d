"""Serializers of the legal API: the law (with its provision tree on request) and search results."""

from __future__ import annotations

from rest_framework import serializers

from teis.core.api.serializers import ScopedModelSerializer

from ..models import Law, Provision

TREE_FIELDS = ("id", "stable_id", "key", "level", "number", "label", "title", "text", "citation", "status", "order")


def provision_tree(version) -> list[dict]:
    """The provisions of a version as nested dicts (`children`), in text order; two queries' worth of work."""
    if version is None:
        return []
    rows = list(version.provisions.order_by("order").values("parent_id", *TREE_FIELDS))
    nodes = {}
    roots = []
    for row in rows:
        parent_id = row.pop("parent_id")
        node = {**row, "children": []}
        nodes[row["id"]] = node
        if parent_id and parent_id in nodes:
            nodes[parent_id]["children"].append(node)
        else:
            roots.append(node)
    return roots


class ProvisionNodeSerializer(serializers.Serializer):
    """One node of the tree (for the schema; the tree itself is built from plain dicts)."""

    id = serializers.IntegerField()
    stable_id = serializers.CharField(label="稳定标识")
    key = serializers.CharField(label="结构路径")
    level = serializers.CharField(label="层级")
    number = serializers.IntegerField(label="序号")
    label = serializers.CharField(label="标号")
    title = serializers.CharField(label="标题")
    text = serializers.CharField(label="内容")
    citation = serializers.CharField(label="引用名")
    status = serializers.CharField(label="状态")
    order = serializers.IntegerField(label="排序号")
    children = serializers.ListField(child=serializers.DictField(), label="下级条款")


class LawSerializer(ScopedModelSerializer):
    """A law; `?tree=1` on the detail adds `tree`, the provision tree of its current version."""

    class Meta:
        model = Law
        fields = "__all__"
        read_only_fields = ["current_version"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        view = self.context.get("view")
        wants_tree = request is not None and request.query_params.get("tree", "").lower() in ("1", "true", "yes")
        if wants_tree and getattr(view, "action", None) == "retrieve":
            data["current_version_label"] = instance.current_version.label if instance.current_version_id else ""
            data["tree"] = provision_tree(instance.current_version)
        return data


class SearchResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    stable_id = serializers.CharField(label="稳定标识")
    citation = serializers.CharField(label="引用名")
    level = serializers.CharField(label="层级")
    title = serializers.CharField(label="标题")
    text = serializers.CharField(label="内容")
    law_id = serializers.IntegerField(label="法律法规")
    law_name = serializers.CharField(label="法律法规名称")
    effect_level = serializers.CharField(label="效力级别")
    validity = serializers.CharField(label="时效性")
    version = serializers.IntegerField(label="版本序号")
    score = serializers.IntegerField(label="相关度")
    url = serializers.CharField(label="条文链接")


def search_result(provision: Provision, score: int, url: str) -> dict:
    return {
        "id": provision.pk,
        "stable_id": provision.stable_id,
        "citation": provision.citation,
        "level": provision.level,
        "title": provision.title,
        "text": provision.text,
        "law_id": provision.law_id,
        "law_name": provision.law.name,
        "effect_level": provision.law.effect_level,
        "validity": provision.law.validity,
        "version": provision.version.number,
        "score": score,
        "url": url,
    }

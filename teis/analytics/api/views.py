"""The analytics API (/api/v1/analytics/…): the same semantic layer, parameters, scope and refusals as the pages.

- `GET facts/`: the declared facts and their dimensions;
- `GET totals/?fact=&group=&start=&end=&unit=&f_<dim>=`: rows of a fact (the figures of any table or chart);
- `GET drill/?…&key=&page=`: the rows of one figure (20 a page, their count and amount beside them);
- `GET case-report/?…`: the case statistics table with its comparisons;
- `GET screen/`: the big screen's numbers (what the page refreshes every minute).
"""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import semantic as sem
from ..services import boards, case_report
from ..services.params import parse

PAGE = 20
PARAMS = [
    OpenApiParameter("fact", str, description="统计指标，见 facts/"),
    OpenApiParameter("group", str, description="统计维度：unit、district、month、day 或指标的维度"),
    OpenApiParameter("start", str, description="起始日期 YYYY-MM-DD（默认本年 1 月 1 日）"),
    OpenApiParameter("end", str, description="截止日期 YYYY-MM-DD（默认今天）"),
    OpenApiParameter("unit", int, description="统计单位（本单位及下级）；数据权限外 404"),
]


class AnalyticsView(APIView):
    permission = "analytics.view_statistics"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not request.user.has_perm(self.permission):
            from teis.audit import services as audit
            from teis.audit.choices import AuditAction

            audit.record(
                request.user,
                AuditAction.PERMISSION_DENIED,
                detail={"permission": self.permission, "path": request.path},
            )
            raise PermissionDenied("没有权限查看统计分析")


def _num(v):
    return str(v) if isinstance(v, Decimal) else v


def _row(r: sem.Row) -> dict:
    return {"key": r.key, "label": r.label, "n": r.n, "amount": str(r.amount)}


class FactsView(AnalyticsView):
    @extend_schema(summary="统计指标及其维度", responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(
            [
                {
                    "key": f.key,
                    "label": f.label,
                    "dimensions": list(f.dimensions),
                    "aggregated": f.aggregated,
                    "snapshot": f.snapshot,
                    "amount": f.amount_label or None,
                    "provider": f.provider,
                }
                for f in sem.facts()
            ]
        )


class TotalsView(AnalyticsView):
    @extend_schema(summary="按维度统计", parameters=PARAMS, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        params = parse(request.user, request.query_params)
        f = sem.fact(request.query_params.get("fact", ""))
        root = sem.report_root(request.user, params.unit)
        group = request.query_params.get("group") or None
        rows = sem.totals(request.user, f.key, params.slice(root), group)
        return Response({"fact": f.key, "unit": root.pk, "group": group, "rows": [_row(r) for r in rows]})


class DrillView(AnalyticsView):
    @extend_schema(
        summary="统计数字的明细记录",
        parameters=[*PARAMS, OpenApiParameter("key", str), OpenApiParameter("page", int)],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        params = parse(request.user, request.query_params)
        f = sem.fact(request.query_params.get("fact", ""))
        root = sem.report_root(request.user, params.unit)
        key = request.query_params.get("key")
        group = request.query_params.get("group") if key is not None else None
        qs = sem.drill(request.user, f.key, params.slice(root), group or None, key)
        n, amount = sem.measure_of(f, qs)
        try:
            page = min(10**6, max(1, int(request.query_params.get("page", "1"))))
        except ValueError:
            page = 1
        from teis.core.display import display_value
        from teis.core.registry import registry

        config = registry.configs.get(f.model.lower())
        rows = []
        for obj in qs[(page - 1) * PAGE : page * PAGE]:
            item = {"id": obj.pk}
            for c in f.drill_columns:
                item[c] = display_value(obj, c, config, request.user) if config else str(getattr(obj, c, ""))
            rows.append(item)
        return Response({"fact": f.key, "count": n, "amount": str(amount), "page": page, "results": rows})


class CaseReportView(AnalyticsView):
    @extend_schema(summary="案件统计（含环比、同比）", parameters=PARAMS[1:], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        params = parse(request.user, request.query_params)
        data = case_report.build(request.user, params)
        keys = [k for k, _ in data["columns"]]

        def line(r):
            return {"key": r["key"], "label": r["label"], **{k: _num(r["cells"][k].value) for k in keys}}

        return Response(
            {
                "unit": data["root"].pk,
                "start": data["slice"].start,
                "end": data["slice"].end,
                "group": params.group,
                "columns": dict(data["columns"]),
                "rows": [line(r) for r in data["rows"]],
                "total": line(data["total"]),
                "overdue": data["overdue"],
                "pending": data["pending"],
            }
        )


class ScreenView(AnalyticsView):
    permission = "analytics.view_screen"

    @extend_schema(summary="领导驾驶舱数据", responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(boards.screen(request.user))


class EvaluationMaterialView(APIView):
    """考核材料 of one evaluation object (multipart `files`, optional `note`): the same checks as the page (file
    types by content, size, the batch's state); 404 outside the user's scope, 400 with the Chinese refusal."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="提交考核材料",
        request={
            "multipart/form-data": inline_serializer(
                "EvaluationMaterialUpload",
                {"files": serializers.ListField(child=serializers.FileField()), "note": serializers.CharField()},
            )
        },
        responses={
            201: inline_serializer(
                "EvaluationMaterialStored",
                {"stored": serializers.ListField(child=serializers.DictField())},
            )
        },
    )
    def post(self, request, pk: int):
        from ..services import evaluation

        if not request.user.has_perm(evaluation.MATERIAL):
            from teis.audit import services as audit
            from teis.audit.choices import AuditAction

            audit.record(
                request.user,
                AuditAction.PERMISSION_DENIED,
                detail={"permission": evaluation.MATERIAL, "path": request.path},
            )
            raise PermissionDenied("没有提交考核材料的权限")
        target = evaluation.access_target(request.user, pk)
        stored = evaluation.do_submit_material(
            request.user, target, request.FILES.getlist("files"), request.data.get("note", "")
        )
        return Response(
            {"stored": [{"id": m.pk, "name": m.original_name, "size": m.size, "sm3": m.sm3} for m in stored]},
            status=201,
        )


class PerformanceView(AnalyticsView):
    @extend_schema(
        summary="日常绩效（月度得分与排名）",
        parameters=[
            OpenApiParameter("month", str, description="月份 YYYY-MM（默认本月）"),
            OpenApiParameter("unit", int, description="单位（本单位及下级）；数据权限外 404"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        from django.http import Http404

        from teis.org.models import Unit

        from ..services import performance

        unit = None
        raw = request.query_params.get("unit")
        if raw:
            if not raw.isdigit() or int(raw) > 2**31 - 1:
                raise Http404
            unit = Unit.objects.for_user(request.user).filter(pk=int(raw)).first()
            if unit is None:
                raise Http404
        data = performance.monthly(request.user, request.query_params.get("month") or None, unit)
        return Response(
            {
                "unit": data["root"].pk,
                "start": data["start"],
                "end": data["end"],
                "indicators": [
                    {
                        "key": i.key,
                        "label": i.label,
                        "fact": i.fact,
                        "weight": str(i.weight),
                        "target": i.target,
                        "penalty": i.penalty,
                    }
                    for i in data["indicators"]
                ],
                "rows": [
                    {
                        "user": r.user_id,
                        "name": r.name,
                        "unit": r.unit,
                        "counts": r.counts,
                        "score": str(r.score),
                        "rank": r.rank,
                    }
                    for r in data["rows"]
                ],
                "not_scored": [{"item": a, "reason": b} for a, b in data["missing"]],
            }
        )

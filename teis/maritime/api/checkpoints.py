"""/api/v1/maritime/perceptions/upload/ (front-end devices) and /clues/<id>/screen|review/ (the clue flow)."""

from __future__ import annotations

from django.http import Http404
from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from teis.core.services import ServiceError

from ..services import checkpoints as checkpoint_services
from ..services import clues as clue_services
from .views import check_perm


class PerceptionView(APIView):
    """One detection: multipart fields `checkpoint` (卡口编号), `time` (ISO 8601), optional `ship_name`, `mmsi`,
    `ship_type`, `ai_flags` (JSON object, e.g. {"cargo_uncovered": true, "no_life_jacket": false}), files
    `full_image` and `closeup_image`. Without `ship_name` the name is read from the close-up by OCR."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                "PerceptionIn",
                {
                    "checkpoint": serializers.CharField(),
                    "time": serializers.DateTimeField(),
                    "ship_name": serializers.CharField(required=False),
                    "mmsi": serializers.IntegerField(required=False),
                    "ship_type": serializers.CharField(required=False),
                    "ai_flags": serializers.JSONField(required=False),
                    "full_image": serializers.ImageField(required=False),
                    "closeup_image": serializers.ImageField(required=False),
                },
            )
        },
        responses={201: inline_serializer("PerceptionOut", {"id": serializers.IntegerField()})},
        tags=["水上执法"],
    )
    def post(self, request):
        check_perm(request, "maritime.add_perception")
        data = {k: request.data.get(k) for k in ("checkpoint", "time", "ship_name", "mmsi", "ship_type", "ai_flags")}
        p = checkpoint_services.do_receive_perception(
            request.user, data, request.FILES.get("full_image"), request.FILES.get("closeup_image")
        )
        clue = p.clues.first()
        return Response(
            {
                "id": p.pk,
                "ship_name": p.recognised_name or p.ocr_name,
                "ocr_name": p.ocr_name,
                "vessel_id": p.vessel_id,
                "confidence": p.confidence,
                "clue_id": clue.pk if clue else None,
            },
            status=status.HTTP_201_CREATED,
        )


def _clue(request, pk):
    try:
        return clue_services.access_clue(request.user, pk)
    except ServiceError:
        raise Http404 from None


class ClueScreenView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=inline_serializer(
            "ClueScreen", {"accept": serializers.BooleanField(), "note": serializers.CharField(required=False)}
        ),
        responses={
            200: inline_serializer("ClueState", {"id": serializers.IntegerField(), "status": serializers.CharField()})
        },
        tags=["水上执法"],
    )
    def post(self, request, pk: int):
        check_perm(request, "maritime.change_clue")
        data = request.data if isinstance(request.data, dict) else {}
        if not isinstance(data.get("accept"), bool):
            raise ServiceError("invalid", "accept 应为 true 或 false", {"accept": ["必填"]})
        updates = {k: data[k] for k in ("ship_name", "owner", "place", "summary") if k in data}
        clue = clue_services.do_screen_clue(
            request.user, _clue(request, pk), data["accept"], str(data.get("note") or ""), updates
        )
        return Response({"id": clue.pk, "status": clue.status})


class ClueReviewView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=inline_serializer(
            "ClueReview",
            {
                "decision": serializers.ChoiceField(["approve", "reject"]),
                "opinion": serializers.CharField(required=False),
            },
        ),
        responses={
            200: inline_serializer(
                "ClueReviewed",
                {
                    "id": serializers.IntegerField(),
                    "status": serializers.CharField(),
                    "case_id": serializers.IntegerField(),
                },
            )
        },
        tags=["水上执法"],
    )
    def post(self, request, pk: int):
        check_perm(request, "maritime.view_clue")
        data = request.data if isinstance(request.data, dict) else {}
        clue = clue_services.do_review_clue(
            request.user, _clue(request, pk), str(data.get("decision") or ""), str(data.get("opinion") or "")
        )
        return Response({"id": clue.pk, "status": clue.status, "case_id": clue.case_id})


urlpatterns = [
    path("perceptions/upload/", PerceptionView.as_view(), name="maritime-perception"),
    path("clues/<int:pk>/screen/", ClueScreenView.as_view(), name="maritime-clue-screen"),
    path("clues/<int:pk>/review/", ClueReviewView.as_view(), name="maritime-clue-review"),
]

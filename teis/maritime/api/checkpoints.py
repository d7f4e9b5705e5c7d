"""/api/v1/maritime/perceptions/upload/ (front-end devices); the clue flow is the clue's declared actions."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from teis.core.views import require

from ..services import checkpoints as checkpoint_services


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
        require(request, "maritime.add_perception")
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


urlpatterns = [
    path("perceptions/upload/", PerceptionView.as_view(), name="maritime-perception"),
]

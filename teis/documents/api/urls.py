"""/api/v1/documents/…: issue a document, list what a step issues (with the missing facts), request an electronic
case file. The same services, scope and Chinese refusals as the pages (a refusal: HTTP 400 {code, message,
fields}). The lists and details of documents, types, templates, seals and case files are core's generic
read-only viewsets (/api/v1/documents/documents/ …)."""

from __future__ import annotations

from django.http import Http404
from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from teis.cases.services.case import access_case
from teis.core.services import ServiceError

from ..services import casefile as casefile_services
from ..services import issuing


def _check_perm(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        from teis.audit import services as audit
        from teis.audit.choices import AuditAction

        audit.record(request.user, AuditAction.PERMISSION_DENIED, detail={"permission": perm, "path": request.path})
        raise PermissionDenied()


def _case(request, value):
    if not isinstance(value, int) and not (isinstance(value, str) and value.isdigit()):
        raise ServiceError("invalid", "case 应为案件 id（整数）。", {"case": ["应为整数"]})
    return access_case(request.user, int(value))  # Http404 outside the user's scope


def _doc_json(doc) -> dict:
    return {
        "id": doc.pk,
        "number": doc.number,
        "type": doc.doc_type.code,
        "type_name": doc.doc_type.name,
        "case": doc.case_id,
        "status": doc.status,
        "issued_at": doc.issued_at.isoformat(),
        "sm3": doc.sm3,
        "signature": doc.signature,
        "verify_code": doc.verify_code,
        "pages": doc.pages,
        "paper_number": doc.paper_number,
    }


class IssueView(APIView):
    """Issue a document of `type` for `case` (签发): numbered, rendered, sealed and signed."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=inline_serializer(
            "DocumentIssueIn",
            {
                "case": serializers.IntegerField(),
                "type": serializers.CharField(),
                "paper_number": serializers.CharField(required=False, help_text="套打所用编号空白文书的编号"),
            },
        ),
        responses={
            201: inline_serializer(
                "DocumentIssued",
                {
                    "id": serializers.IntegerField(),
                    "number": serializers.CharField(),
                    "verify_code": serializers.CharField(),
                },
            )
        },
    )
    def post(self, request):
        _check_perm(request, "documents.issue_document")
        data = request.data if isinstance(request.data, dict) else {}
        case = _case(request, data.get("case"))
        type_code = data.get("type")
        if not isinstance(type_code, str) or not type_code:
            raise ServiceError("invalid", "请指定文书种类（type）。", {"type": ["必填"]})
        step = issuing.current_step_id(case)
        paper = data.get("paper_number") or ""
        if not isinstance(paper, str):
            raise ServiceError("invalid", "纸质文书编号应为文字。", {"paper_number": ["格式错误"]})
        doc = issuing.issue_document(request.user, case, type_code, step=step, paper_number=paper)
        return Response(_doc_json(doc), status=status.HTTP_201_CREATED)


class CaseTypesView(APIView):
    """The document types a step issues (default: the case's current step), each with its missing facts."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={
            200: inline_serializer(
                "DocumentTypeForStep",
                {
                    "code": serializers.CharField(),
                    "name": serializers.CharField(),
                    "missing": serializers.ListField(child=serializers.CharField()),
                },
                many=True,
            )
        }
    )
    def get(self, request, case_pk: int):
        _check_perm(request, "documents.view_document")
        case = _case(request, case_pk)
        step = request.query_params.get("step") or issuing.current_step_id(case)
        from .. import facts

        case_facts = facts.case_facts(case)
        return Response(
            [
                {"code": t.code, "name": t.name, "missing": issuing.missing_facts(case, t, case_facts)}
                for t in issuing.types_for_step(step)
            ]
        )


class CaseFileView(APIView):
    """Request the electronic case file (电子卷宗); it is built by a job (poll the case file's status)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            202: inline_serializer(
                "CaseFileQueued", {"id": serializers.IntegerField(), "status": serializers.CharField()}
            )
        },
    )
    def post(self, request, case_pk: int):
        _check_perm(request, "documents.add_casefile")
        case = _case(request, case_pk)
        casefile = casefile_services.do_request_case_file(request.user, case)
        casefile.refresh_from_db()
        return Response({"id": casefile.pk, "status": casefile.status}, status=status.HTTP_202_ACCEPTED)


urlpatterns = [
    path("issue/", IssueView.as_view(), name="documents_api_issue"),
    path("cases/<int:case_pk>/types/", CaseTypesView.as_view(), name="documents_api_case_types"),
    path("cases/<int:case_pk>/casefile/", CaseFileView.as_view(), name="documents_api_casefile"),
]
__all__ = ["urlpatterns", "Http404"]

"""/api/v1/: every registered model's viewset plus each app's own endpoints."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from teis.core.api.viewsets import register_all

router = DefaultRouter()
register_all(router)

urlpatterns = [
    path("", include("teis.core.api.urls")),
    path("", include("teis.org.api.urls")),
    path("legal/", include("teis.legal.api.urls")),
    path("cases/", include("teis.cases.api.urls")),
    path("evidence/", include("teis.evidence.api.urls")),
    path("dispatch/", include("teis.dispatch.api.urls")),
    path("maritime/", include("teis.maritime.api.urls")),
    path("inspections/", include("teis.inspections.api.urls")),
    path("petitions/", include("teis.petitions.api.urls")),
    path("documents/", include("teis.documents.api.urls")),
    path("analytics/", include("teis.analytics.api.urls")),
    path("workflow/", include("teis.workflow.api.views")),
    path("", include(router.urls)),
]

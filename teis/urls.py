from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from oauth2_provider import urls as oauth2_urls
from rest_framework.permissions import IsAuthenticated

from teis.core import pages
from teis.org import oidc
from teis.org import views as org_views

handler403 = "teis.core.pages.error_403"
handler404 = "teis.core.pages.error_404"
handler500 = "teis.core.pages.error_500"

urlpatterns = [
    path("", pages.home, name="home"),
    path("login/", org_views.login_view, name="login"),
    path("login/totp/", org_views.login_totp, name="login_totp"),
    path("logout/", org_views.logout_view, name="logout"),
    path("password/", org_views.password_change, name="password_change"),
    path("totp/", org_views.totp_setup, name="totp_setup"),
    path("security/policy/", org_views.security_policy, name="security_policy"),
    path("security/logins/", org_views.login_attempts, name="login_attempts"),
    path("security/locks/", org_views.login_locks, name="login_locks"),
    path("security/auditors/", org_views.auditor_accounts, name="auditor_accounts"),
    path("org/oauth-clients/", org_views.oauth_clients, name="oauth_clients"),
    path("org/oauth-clients/<int:pk>/revoke/", org_views.oauth_client_revoke, name="oauth_client_revoke"),
    path("healthz", pages.healthz, name="healthz"),
    path("readyz", pages.readyz, name="readyz"),
    path("core/", include("teis.core.urls")),
    path("org/", include("teis.org.urls")),
    path("audit/", include("teis.audit.urls")),
    path("workflow/", include("teis.workflow.urls")),
    path("legal/", include("teis.legal.urls")),
    path("cases/", include("teis.cases.urls")),
    path("evidence/", include("teis.evidence.urls")),
    path("dispatch/", include("teis.dispatch.urls")),
    path("maritime/", include("teis.maritime.urls")),
    path("inspections/", include("teis.inspections.urls")),
    path("petitions/", include("teis.petitions.urls")),
    path("documents/", include("teis.documents.urls")),
    path("verify/", include("teis.documents.verify_urls")),
    path("finance/", include("teis.finance.urls")),
    path("analytics/", include("teis.analytics.urls")),
    path("api/v1/", include("teis.api_urls")),
    # The API description is not public (issue 16): a session or a bearer token is needed.
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]), name="schema"),
    path("api/docs/", login_required(SpectacularSwaggerView.as_view(url_name="schema")), name="api_docs"),
    # django-oauth-toolkit's token and OIDC endpoints only: its self-service client pages
    # (applications/, authorized_tokens/) are not mounted; clients are registered under 系统管理.
    re_path(r"^o/\.well-known/openid-configuration/?$", oidc.DiscoveryView.as_view()),
    path("o/", include((oauth2_urls.base_urlpatterns + oauth2_urls.oidc_urlpatterns, "oauth2_provider"))),
]
if settings.DEBUG:
    urlpatterns.append(path("django-admin/", admin.site.urls))

"""/api/v1/auth/: token login and first-login password change (the organisation's login rules)."""

from django.urls import path

from . import auth

urlpatterns = [
    path("auth/token/", auth.TokenLoginView.as_view(), name="api_token"),
    path("auth/password/", auth.TokenPasswordChangeView.as_view(), name="api_token_password"),
]

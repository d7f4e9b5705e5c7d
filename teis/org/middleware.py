"""Session rules of the login policy: idle timeout and the forced password change."""

from __future__ import annotations

import time

from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

EXEMPT_PREFIXES = ("/static/", "/healthz", "/readyz", "/login/", "/logout/", "/password/", "/api/", "/o/")


class SecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            from .models import SecurityPolicy

            policy = SecurityPolicy.current()
            now = time.time()
            last = request.session.get("last_activity")
            if last and now - last > policy.idle_timeout_minutes * 60:
                logout(request)
                return redirect(reverse("login") + "?timeout=1")
            request.session["last_activity"] = now
            if request.session.get("must_change_password") and not request.path.startswith(EXEMPT_PREFIXES):
                return redirect("password_change")
        return self.get_response(request)

"""Session rules of the login policy: idle timeout, the forced password change and TOTP binding, and the
bootstrap-only superuser.

The superuser (`createsuperuser`) exists only to bootstrap an installation: without an officer profile it
may open the organisation pages needed to create the units and the first system, security and audit
administrators (三员), and nothing else — every other page answers 403 (audited). Day-to-day
administration is done with the three separate administrator accounts.
"""

from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

# /verify/: the public verification page of issued documents (documents app), open to anyone
ALWAYS_ALLOWED = ("/static/", "/healthz", "/readyz", "/login/", "/logout/", "/verify/")
# Pages a user may still open while a password change or TOTP binding is pending.
PENDING_ALLOWED = (*ALWAYS_ALLOWED, "/password/", "/totp/", "/api/")
BOOTSTRAP_ALLOWED = (
    *ALWAYS_ALLOWED,
    "/password/",
    "/org/unit/",
    "/org/officer/",
    "/org/role/",
    "/api/v1/org/units/",
    "/api/v1/org/officers/",
    "/api/v1/org/roles/",
)
# `last_activity` is rewritten at most this often, so that not every request writes the session.
ACTIVITY_RESOLUTION_SECONDS = 15


def is_bootstrap_superuser(user) -> bool:
    return bool(user.is_superuser and not hasattr(user, "officer"))


class SecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            response = self.check(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    def check(self, request, user):
        from django.contrib.auth import logout

        from .models import SecurityPolicy

        policy = SecurityPolicy.current()
        now = timezone.now().timestamp()
        last = request.session.get("last_activity")
        if last and now - last > policy.idle_timeout_minutes * 60:
            logout(request)  # audited as LOGOUT by the user_logged_out receiver
            return redirect(reverse("login") + "?timeout=1")
        if not last or now - last >= ACTIVITY_RESOLUTION_SECONDS:
            request.session["last_activity"] = now
        path = request.path
        if is_bootstrap_superuser(user) and path != "/" and not path.startswith(BOOTSTRAP_ALLOWED):
            from teis.core.views import deny

            deny(request, "bootstrap_superuser")
        if not path.startswith(PENDING_ALLOWED):
            if request.session.get("must_change_password"):
                return redirect("password_change")
            if request.session.get("must_setup_totp"):
                return redirect("totp_setup")
        return None

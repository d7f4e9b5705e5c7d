"""Request types for the type checker: what the middleware leaves on a request (`request.htmx` from django-htmx,
`request.user` signed in behind `login_required` / `LoginRequiredMixin`). Nothing here runs differently."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request after django-htmx's middleware."""

    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """A request of a signed-in user (a view behind `login_required` or `LoginRequiredMixin`)."""

    user: User

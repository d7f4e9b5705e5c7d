"""Security events raised by Django's auth machinery that no TEIS service sees."""

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    from teis.audit import services as audit
    from teis.audit.choices import AuditAction

    if user is not None:
        from .security import revoke_tokens

        # Logging out ends the API bearer token too (issue 16: tokens used to survive logout).
        revoke_tokens(user, oauth=False)
        audit.record(user, AuditAction.LOGOUT)

"""The audit trail's choices: defined in `teis.core.choices` (core records audit entries through its port without
importing this app) and re-exported here under the audit trail's name."""

from teis.core.choices import AuditAction, AuditCategory

__all__ = ["AuditAction", "AuditCategory"]

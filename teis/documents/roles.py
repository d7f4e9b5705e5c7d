"""Permissions the documents app adds to the standard roles (merged by `teis.org.roles.ensure_roles`).

Officers issue documents on their cases, print copies and ask for a document to be cancelled (作废) and build
electronic case files; leaders approve cancellations; the legal section (法制科) keeps the catalogue and edits
the templates (each save a new version). Everyone who reads cases reads their documents."""

VIEW = [
    "documents.view_document",
    "documents.view_documenttype",
    "documents.view_documenttemplate",
    "documents.view_casefile",
    "documents.view_unitseal",
]
OFFICER = [*VIEW, "documents.issue_document", "documents.add_casefile"]
LEADER = [*OFFICER, "documents.approve_cancel_document"]
MAINTAIN = [
    *OFFICER,
    "documents.add_documenttype",
    "documents.change_documenttype",
    "documents.add_documenttemplate",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "field_officer": OFFICER,
    "squad_leader": LEADER,
    "brigade_leader": LEADER,
    "legal_reviewer": MAINTAIN,
    "command_center": VIEW,
    "leadership": [*VIEW, "documents.approve_cancel_document"],
}

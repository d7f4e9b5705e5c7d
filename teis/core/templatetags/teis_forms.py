"""Form display for the shell: one error summary for every form (with its inline formsets)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


def _form_errors(form: Any, prefix_label: str = "") -> list[tuple[str, str, str]]:
    """(anchor id, label, message) for every error of one bound form, in field order."""
    rows: list[tuple[str, str, str]] = []
    if form is None or not getattr(form, "is_bound", False):
        return rows
    for message in form.non_field_errors():
        rows.append(("", prefix_label, message))
    for field in form:
        for message in field.errors:
            label = f"{prefix_label}{field.label}" if not field.is_hidden else prefix_label
            rows.append((field.id_for_label if not field.is_hidden else "", label, message))
    return rows


def summary_rows(*forms: Any) -> list[tuple[str, str, str]]:
    """Errors of forms and formsets (a formset row is labelled "第 n 行 · 字段")."""
    rows: list[tuple[str, str, str]] = []
    for form in forms:
        if form is None or form == "":
            continue
        if hasattr(form, "forms") and hasattr(form, "management_form"):  # a formset
            if not form.is_bound:
                continue
            for message in form.non_form_errors():
                rows.append(("", "", message))
            for n, sub in enumerate(form.forms, start=1):
                rows.extend(_form_errors(sub, f"第 {n} 行 · "))
        else:
            rows.extend(_form_errors(form))
    return rows


@register.inclusion_tag("core/_error_summary.html")
def error_summary(*forms: Any) -> dict[str, Any]:
    """`{% error_summary form parties vehicles %}`: the list of what to fix, at the top of the form; the
    shell script focuses the first field in error."""
    return {"rows": summary_rows(*forms)}


@register.filter
def action_question(action: Any, obj: Any) -> str:
    """`{{ act|action_question:object }}`: the confirmation a declared action asks before acting."""
    return str(action.question(obj))

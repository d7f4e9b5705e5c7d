"""Process definitions: loading the shipped .bpmn files, saving from the modeler (validated), versions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.apps import apps as django_apps
from django.db import transaction

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.services import ServiceError

from .. import bpmn
from ..models import ProcessDefinition

# --- definitions -------------------------------------------------------------------------------------------


def check_definition(bpmn_xml: str, key: str | None = None) -> bpmn.ParsedDefinition:
    """Validate a BPMN document; raises ServiceError("invalid_bpmn", "元素 X：原因")."""
    return bpmn.parse_definition(bpmn_xml, key)[0]


def do_save_definition(actor: Any, key: str, bpmn_xml: str, *, source: str = "流程设计器") -> ProcessDefinition:
    """Validate and store a new version of process `key` (the modeler's save). Unchanged XML keeps the current
    version. Running instances stay on their version; new starts use the new one. Audited."""
    parsed = check_definition(bpmn_xml, key)
    with transaction.atomic():
        latest = ProcessDefinition.objects.select_for_update().filter(key=key).order_by("-version").first()
        if latest is not None and latest.checksum == parsed.checksum:
            return latest
        ProcessDefinition.objects.filter(key=key, is_current=True).update(is_current=False)
        definition = ProcessDefinition.objects.create(
            key=key,
            name=parsed.name,
            version=(latest.version + 1) if latest else 1,
            bpmn_xml=bpmn_xml,
            checksum=parsed.checksum,
            is_current=True,
            auto_skip=parsed.auto_skip,
            source=source[:300],
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit.record(
            actor,
            AuditAction.CREATE,
            definition,
            changes={"版本": [latest.version if latest else None, definition.version]},
            detail={"operation": "workflow.save_definition", "key": key},
        )
    return definition


def process_files() -> list[Path]:
    """The `.bpmn` files in every installed app's `processes/` folder."""
    files: list[Path] = []
    for config in django_apps.get_app_configs():
        folder = Path(config.path) / "processes"
        if folder.is_dir():
            files.extend(sorted(folder.glob("*.bpmn")))
    return files


def ensure_definitions(actor: Any = None, files: list[Path] | None = None) -> list[ProcessDefinition]:
    """Load the shipped `.bpmn` files: a new version only when a file's XML changed. Idempotent."""
    out = []
    for path in files if files is not None else process_files():
        xml = path.read_text(encoding="utf-8")
        parsed = check_definition(xml)
        out.append(do_save_definition(actor, parsed.key, xml, source=str(path.name)))
    return out


def current_definition(key: str) -> ProcessDefinition:
    definition = ProcessDefinition.objects.filter(key=key, is_current=True).order_by("-version").first()
    if definition is None:
        raise ServiceError("no_definition", f"流程“{key}”未定义或未加载")
    return definition

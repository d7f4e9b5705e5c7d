"""Demo data of the cases app, run by `manage.py seed_demo` (and so by `make run` on first start).

Loads the shipped BPMN definitions of every app (`teis.workflow.services.ensure_definitions`: a new version only
when a file changed), so that cases can start their processes right after seeding. Idempotent.
"""

from __future__ import annotations


def load_demo() -> dict[str, int]:
    from teis.workflow.models import ProcessDefinition
    from teis.workflow.services import ensure_definitions

    before = ProcessDefinition.objects.count()
    ensure_definitions(None)
    created = ProcessDefinition.objects.count() - before
    counts = {"流程定义": created} if created else {}
    from .side import load_side_demo

    counts.update(load_side_demo())  # property and parking, overload, blacklist, simplified cases
    from .general import load_general_demo

    counts.update(load_general_demo())  # general-procedure cases in every state, 24 archived with their record
    from .coercive import load_coercive_inspection_demo

    counts.update(load_coercive_inspection_demo())  # 行政强制 (released; extended, to penalty) and 行政检查 cases
    return counts

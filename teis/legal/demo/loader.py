"""Load the legal demo data: laws (imported through the laws service), violation codes, case causes and
discretion benchmarks. Idempotent: a law is looked up by name, a code by code, a cause by cause code; what
exists is left as it is, so a second run creates nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import transaction

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.models import DictionaryItem

from ..choices import ExerciseLevel, ItemType
from ..models import CaseCause, DiscretionBenchmark, DiscretionLevel, Law, Provision, ViolationCode
from . import codes as demo_codes

DEMO_DIR = Path(__file__).resolve().parent
LAWS_DIR = DEMO_DIR / "laws"
ENFORCEMENT_SUBJECT = "上海市交通委员会执法总队"
DEMO_EFFECTIVE_FROM = dt.date(2024, 1, 1)


def law_metadata() -> list[dict[str, Any]]:
    return json.loads((DEMO_DIR / "laws.json").read_text(encoding="utf-8"))


def law_text(meta: dict[str, Any]) -> str:
    return (LAWS_DIR / meta["file"]).read_text(encoding="utf-8")


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def current_provisions(law: Law) -> dict[str, Provision]:
    """{parser key: provision} of the law's current version."""
    if law.current_version_id is None:
        return {}
    return {p.key: p for p in Provision.objects.filter(version_id=law.current_version_id)}


def resolve(ref: str, provisions: dict[str, dict[str, Provision]]) -> Provision:
    """ "rt:a63.1.2" → the provision of the law's current version (KeyError names the reference)."""
    law_key, key = ref.split(":", 1)
    try:
        return provisions[law_key][key]
    except KeyError:
        raise KeyError(f"演示数据引用的条款不存在：{ref}") from None


class DemoLoader:
    def __init__(self, actor=None, out: Callable[[str], None] | None = None):
        self.actor = actor
        self.out = out
        self.created: dict[str, int] = {}

    def count(self, what: str, n: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + n

    # --- laws -------------------------------------------------------------------------------------------
    def laws(self) -> dict[str, Law]:
        from ..services.laws import do_create_law, do_import_version

        lines = {i.code: i for i in DictionaryItem.objects.filter(dict_type__code="business_line")}
        laws: dict[str, Law] = {}
        for meta in law_metadata():
            law = Law.objects.filter(name=meta["name"]).first()
            if law is None:
                law = do_create_law(
                    self.actor,
                    {
                        "name": meta["name"],
                        "file_number": meta["file_number"],
                        "effect_level": meta["effect_level"],
                        "validity": meta["validity"],
                        "issuing_authority": meta["issuing_authority"],
                        "promulgated_on": _date(meta["promulgated_on"]),
                        "effective_on": _date(meta["effective_on"]),
                        "inclusion_reason": "本市交通运输行政执法常用依据",
                        "data_source": meta["data_source"],
                        "remark": meta["remark"],
                        "is_abridged": meta["is_abridged"],
                        "business_lines": [lines[c] for c in meta["business_lines"] if c in lines],
                    },
                )
                self.count("法律法规")
            if law.current_version_id is None:
                text = law_text(meta)
                do_import_version(
                    self.actor,
                    law,
                    text,
                    label=meta["version_label"],
                    effective_from=_date(meta["effective_on"]),
                    note="演示数据",
                )
                law.refresh_from_db()
                if law.preamble == "":
                    preamble = _preamble(text)
                    if preamble:
                        Law.objects.filter(pk=law.pk).update(preamble=preamble)
                self.count("法规版本")
            laws[meta["key"]] = law
        return laws

    # --- codes, causes, benchmarks ----------------------------------------------------------------------
    def codes(self, laws: dict[str, Law]) -> None:
        from ..matcher import render_basis_text

        provisions = {key: current_provisions(law) for key, law in laws.items()}
        lines = {i.code: i for i in DictionaryItem.objects.filter(dict_type__code="business_line")}
        existing_codes = set(ViolationCode.objects.values_list("code", flat=True))
        existing_causes = set(CaseCause.objects.values_list("cause_code", flat=True))
        new_codes = new_causes = new_benchmarks = 0
        with transaction.atomic():
            for index, spec in enumerate(demo_codes.code_specs()):
                violated = [resolve(r, provisions) for r in spec.violated]
                penalty = [resolve(r, provisions) for r in spec.penalty]
                if spec.code in existing_codes:
                    code = ViolationCode.objects.get(code=spec.code, is_current=True)
                else:
                    code = ViolationCode(
                        code=spec.code,
                        name=spec.name,
                        business_line=lines.get(spec.business_line),
                        enforcement_subject=ENFORCEMENT_SUBJECT,
                        penalty_types=spec.penalty_types,
                        fine_min=spec.fine_min,
                        fine_max=spec.fine_max,
                        simplified_procedure=spec.simplified_procedure,
                        effective_from=DEMO_EFFECTIVE_FROM,
                        legacy_basis_text=render_basis_text(violated, penalty, style=index) if spec.legacy else "",
                    )
                    code.full_clean(validate_constraints=False)
                    code.save()
                    if not spec.legacy:
                        code.violated_provisions.set(violated)
                        code.penalty_provisions.set(penalty)
                    new_codes += 1
                if spec.cause_code not in existing_causes:
                    cause = CaseCause(
                        cause_code=spec.cause_code,
                        name=spec.cause_name,
                        item_type=ItemType.PENALTY,
                        item_code=spec.cause_code[:12],
                        exercise_levels=[ExerciseLevel.CITY, ExerciseLevel.DISTRICT],
                    )
                    cause.full_clean(validate_constraints=False)
                    cause.save()
                    if not spec.legacy:
                        cause.basis_provisions.set(violated)
                        cause.penalty_provisions.set(penalty)
                    cause.violation_codes.set([code])
                    new_causes += 1
                if not DiscretionBenchmark.objects.filter(violation_code__code=spec.code).exists():
                    benchmark = DiscretionBenchmark.objects.create(
                        violation_code=code, name=f"{spec.name}裁量基准", effective_from=DEMO_EFFECTIVE_FROM
                    )
                    if not spec.legacy:
                        benchmark.basis_provisions.set(penalty)
                    DiscretionLevel.objects.bulk_create(
                        DiscretionLevel(
                            benchmark=benchmark,
                            order=level.order,
                            name=level.name,
                            conditions=level.conditions,
                            fine_min=level.fine_min,
                            fine_max=level.fine_max,
                            other_penalties=level.other_penalties,
                        )
                        for level in spec.levels
                    )
                    new_benchmarks += 1
            if new_codes or new_causes or new_benchmarks:
                audit.record(
                    self.actor,
                    AuditAction.CREATE,
                    None,
                    object_type="legal.demo",
                    object_repr="法律法规演示数据",
                    detail={"codes": new_codes, "causes": new_causes, "benchmarks": new_benchmarks},
                )
        if new_codes:
            self.count("违章代码", new_codes)
        if new_causes:
            self.count("执法案由", new_causes)
        if new_benchmarks:
            self.count("自由裁量基准", new_benchmarks)

    def run(self) -> dict[str, int]:
        with transaction.atomic():
            laws = self.laws()
            self.codes(laws)
        return self.created


def _preamble(text: str) -> str:
    from ..parser import parse_law_text

    return parse_law_text(text).preamble


def load_demo(actor=None, out: Callable[[str], None] | None = None) -> dict[str, int]:
    """Create what is missing of the legal demo data; return {what: how many created}."""
    return DemoLoader(actor, out).run()


def expected_counts() -> dict[str, tuple[int, int]]:
    """{law name: (chapters, articles)} as recorded in laws.json."""
    return {m["name"]: (m["chapters"], m["articles"]) for m in law_metadata()}

"""Shared factories of the codes / causes / discretion / warnings tests (laws built directly with the model)."""

from __future__ import annotations

import itertools
import uuid
from decimal import Decimal

from teis.legal.choices import EffectLevel, ProvisionLevel
from teis.legal.models import DiscretionLevel, Law, LawVersion, Provision

_n = itertools.count(1)


def make_law(name: str | None = None, articles: int = 3, *, version_number: int = 1, law=None, stable_ids=None):
    """A law (or a new version of `law`) with `articles` articles, each with one paragraph.
    Returns (law, version, {"a1": article, "a1p1": paragraph, ...})."""
    n = next(_n)
    if law is None:
        law = Law.objects.create(name=name or f"测试条例{n}", effect_level=EffectLevel.LOCAL_REGULATION)
    version = LawVersion.objects.create(law=law, number=version_number, label=f"第{version_number}版")
    law.current_version = version
    law.save(update_fields=["current_version"])
    rows = {}
    order = 0
    stable_ids = stable_ids or {}
    for i in range(1, articles + 1):
        order += 1
        key = f"a{i}"
        art = Provision.objects.create(
            law=law,
            version=version,
            level=ProvisionLevel.ARTICLE,
            number=i,
            label=f"第{i}条",
            text=f"第{i}条内容",
            order=order,
            key=key,
            stable_id=stable_ids.get(key) or uuid.uuid4().hex,
            citation=f"《{law.name}》第{i}条",
            has_children=True,
        )
        order += 1
        pkey = f"a{i}/p1"
        para = Provision.objects.create(
            law=law,
            version=version,
            parent=art,
            level=ProvisionLevel.PARAGRAPH,
            number=1,
            label="第一款",
            text=f"第{i}条第一款内容",
            order=order,
            key=pkey,
            stable_id=stable_ids.get(pkey) or uuid.uuid4().hex,
            citation=f"《{law.name}》第{i}条第一款",
        )
        rows[f"a{i}"] = art
        rows[f"a{i}p1"] = para
    return law, version, rows


def make_code(actor=None, code: str | None = None, *, violated=(), penalty=(), fine_min="200", fine_max="2000", **kw):
    from teis.legal.services.codes import do_create_code

    data = {
        "code": code or f"T{next(_n):05d}",
        "name": kw.pop("name", "未按规定携带道路运输证"),
        "penalty_types": kw.pop("penalty_types", ["fine"]),
        "fine_min": Decimal(fine_min) if fine_min is not None else None,
        "fine_max": Decimal(fine_max) if fine_max is not None else None,
        "violated_provisions": list(violated),
        "penalty_provisions": list(penalty),
        **kw,
    }
    return do_create_code(actor, data)


def make_benchmark(code, actor=None, *, basis=(), levels=None):
    from teis.legal.services.discretion import do_save_benchmark

    levels = levels or [
        {"order": 1, "name": "轻微", "conditions": ["初次违法", "及时改正"], "fine_min": "200", "fine_max": "500"},
        {"order": 2, "name": "一般", "conditions": ["未造成后果"], "fine_min": "500", "fine_max": "1000"},
        {"order": 3, "name": "严重", "conditions": ["造成严重后果"], "fixed_amount": "2000"},
    ]
    return do_save_benchmark(
        actor, None, {"name": f"{code.code}裁量基准", "violation_code": code, "basis_provisions": list(basis)}, levels
    )


def level_named(benchmark, name) -> DiscretionLevel:
    return benchmark.levels.get(name=name)

"""The GIS board and the key-industries board (spec §2.5.6.4, §2.5.6.9–10).

GIS board: each 支队 (and 直属大队, 区执法大队) in the viewer's scope, coloured, with its jurisdiction — its own
辖区范围, else the union of its subordinate units' (a 支队 organised by business line over the whole city has none,
and says so) — and its introduction: the unit's 说明 when kept, else what the records say (辖区 districts, the
units below it, officers, this year's cases). Moving targets are the patrol vehicles of the dispatch live map
(`dispatch.services.live`, same scope and states); static targets are its checkpoints and overload stations.

Key industries: 网约车 and 两客一危 (两客: 长途客运, 旅游客运; 一危: 道路危险货物运输). What TEIS holds is shown — the
cases of those business lines (through the semantic layer, so every figure drills down), the 双随机 inspection
objects of those industries — and what it does not hold (platform orders, vehicle and driver permits, the
两客一危 dynamic monitoring) is said plainly on the board."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone

from .. import semantic as sem
from .boards import _rate, drill_url, figure, periods

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.contrib.auth.models import User

    from teis.org.models import Unit

TERRITORIAL = ("detachment", "direct_brigade", "district_brigade")


def _geometry(unit: Unit, units_below: Iterable[Unit]) -> dict[str, Any] | None:
    own = unit.jurisdiction
    if isinstance(own, dict) and own:
        geometry: dict[str, Any] = own.get("geometry", own)
        return geometry
    parts = [u.jurisdiction.get("geometry", u.jurisdiction) for u in units_below if isinstance(u.jurisdiction, dict)]
    parts = [p for p in parts if p]
    if not parts:
        return None
    if len(parts) == 1:
        single: dict[str, Any] = parts[0]
        return single
    import shapely
    from shapely.geometry import mapping, shape

    union: dict[str, Any] = mapping(shapely.union_all([shape(p) for p in parts]))
    return union


def gis_board(user: User) -> dict[str, Any]:
    from teis.dispatch.services import live
    from teis.org.models import Officer, Unit

    from .. import facts  # noqa: F401 — the facts are declared

    root = sem.report_root(user)
    year = sem.Slice(*periods()["year"], root)
    scoped = list(Unit.objects.for_user(user).filter(path__startswith=root.path, is_active=True).order_by("path"))
    tops = [u for u in scoped if u.unit_type in TERRITORIAL]
    tops = [u for u in tops if not any(o is not u and u.path.startswith(o.path) for o in tops)]  # outermost only
    filed = {r.key: r.n for r in sem.totals(user, "cases_filed", year, sem.UNIT_LEVEL)}
    officers: dict[int, int] = {}
    for path in Officer.objects.filter(unit__path__startswith=root.path, user__is_active=True).values_list(
        "unit__path", flat=True
    ):
        for u in tops:
            if path.startswith(u.path):
                officers[u.pk] = officers.get(u.pk, 0) + 1
    regions = sem.region_names()
    areas, features = [], []
    for i, u in enumerate(tops):
        below = [x for x in scoped if x.path.startswith(u.path) and x.pk != u.pk]
        geom = _geometry(u, below)
        codes = sorted({x.region_code for x in [u, *below] if x.region_code})
        n_cases = filed.get(str(u.pk))
        intro = _intro(u, below, officers.get(u.pk, 0), codes, regions, geom is not None)
        area = {
            "id": u.pk,
            "name": u.name,
            "type": u.get_unit_type_display(),
            "colour_index": i,
            "intro": intro,
            "officers": officers.get(u.pk, 0),
            "cases": n_cases,
            "cases_url": drill_url("cases_filed", year.start, year.end, u),
            "has_area": geom is not None,
        }
        areas.append(area)
        if geom is not None:
            features.append(
                {
                    "type": "Feature",
                    "properties": {"name": u.name, "unit_id": u.pk, "index": i, "intro": intro},
                    "geometry": geom,
                }
            )
    vehicles = [v for v in live.live_delta(user, 0)["vehicles"] if v["lon"] is not None]
    static = live.static_layers(user)["checkpoints"]
    states: dict[str, int] = {}
    for v in vehicles:
        states[v["state"]] = states.get(v["state"], 0) + 1
    return {
        "root": root,
        "areas": areas,
        "features": features,
        "vehicles": vehicles,
        "static": static,
        "states": states,
        "at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    }


def _intro(
    unit: Unit, below: Iterable[Unit], officers: int, codes: list[str], regions: dict[str, str], has_area: bool
) -> str:
    parts = []
    if codes and unit.unit_type == "district_brigade":
        parts.append(f"辖区：{'、'.join(regions.get(c, c) for c in codes)}")
    elif not has_area:
        parts.append("按业务条线在全市范围执法，无划定辖区")
    lines = (
        ", ".join(unit.business_lines.values_list("label", flat=True)[:6]) if hasattr(unit, "business_lines") else ""
    )
    if lines:
        parts.append(f"业务条线：{lines}")
    kinds: dict[str, int] = {}
    for x in below:
        if x.parent_id == unit.pk:
            label = x.get_unit_type_display()
            kinds[label] = kinds.get(label, 0) + 1
    if kinds:
        parts.append("下设" + "、".join(f"{n} 个{k}" for k, n in kinds.items()))
    parts.append(f"在编执法人员 {officers} 人")
    return "；".join(parts) + "。"


# --- key industries ------------------------------------------------------------------------------------------------

INDUSTRIES = [
    {
        "key": "ride_hailing",
        "title": "网约车",
        "lines": ("ride_hailing",),
        "industries": ("ride_hailing_platform",),
        "absent": "尚未接入网约车监管平台数据（平台订单、网约车运输证和驾驶员证），"
        "本看板只显示执法办案和双随机检查的数据。",
    },
    {
        "key": "two_passenger_one_danger",
        "title": "两客一危",
        "lines": ("coach", "tour_coach"),
        "industries": ("passenger", "freight_dangerous"),
        "absent": "尚未接入两客一危车辆动态监控（重点营运车辆 GPS、报警）数据；系统中没有危险货物运输的业务条线，"
        "危险货物运输只能以双随机检查对象（道路危险货物运输）计。",
    },
]


def industry_board(user: User) -> dict[str, Any]:
    from teis.core.models import DictionaryItem

    root = sem.report_root(user)
    p = periods()
    year = sem.Slice(*p["year"], root)
    lines = dict(DictionaryItem.objects.filter(dict_type__code="business_line").values_list("code", "pk"))
    labels = dict(DictionaryItem.objects.filter(dict_type__code="business_line").values_list("code", "label"))
    out = []
    months = [f"{m}月" for m in range(1, p["today"][0].month + 1)]
    for ind in INDUSTRIES:
        section: dict[str, Any] = {
            "key": ind["key"],
            "title": ind["title"],
            "absent": ind["absent"],
            "lines": [],
            "months": months,
        }
        series: list[tuple[str, list[int]]] = []
        for code in ind["lines"]:
            pk = lines.get(code)
            if pk is None:
                section["lines"].append({"label": code, "missing": True})
                continue
            sl = sem.Slice(year.start, year.end, root, {"line": str(pk)})
            filed = figure(user, "cases_filed", sl, f"{labels[code]}本年立案")
            filed["url"] = drill_url("cases_filed", sl.start, sl.end, root, line=pk)
            closed = sem.totals(user, "cases_closed", sl)[0].n
            fines = sem.totals(user, "fines_decided", sl)[0].amount
            by_month = {r.key: r.n for r in sem.totals(user, "cases_filed", sl, sem.MONTH)}
            causes = sem.totals(user, "cases_filed", sl, "cause")[:5]
            series.append(
                (labels[code], [by_month.get(f"{p['year'][0].year}-{m:02d}", 0) for m in range(1, len(months) + 1)])
            )
            section["lines"].append(
                {
                    "label": labels[code],
                    "filed": filed,
                    "closed": closed,
                    "rate": _rate(closed, filed["value"] or 0),
                    "fines": float(fines),
                    "causes": [(r.label, r.n) for r in causes],
                }
            )
        section["series"] = series
        section["objects"] = _inspection_objects(user, ind["industries"])
        out.append(section)
    return {"root": root, "sections": out}


def _inspection_objects(user: User, industries: Iterable[str]) -> list[dict[str, Any]]:
    from django.apps import apps

    try:
        InspectionObject = apps.get_model("inspections", "InspectionObject")
    except LookupError:
        return []
    from django.db.models import Count

    rows = (
        InspectionObject.objects.for_user(user)
        .filter(industry__code__in=industries)
        .values("industry__label")
        .annotate(n=Count("pk"))
        .order_by("industry__label")
    )
    found = {r["industry__label"]: r["n"] for r in rows}
    from teis.core.models import DictionaryItem

    names = DictionaryItem.objects.filter(dict_type__code="industry", code__in=industries).values_list(
        "label", flat=True
    )
    return [{"label": n, "count": found.get(n, 0)} for n in names]

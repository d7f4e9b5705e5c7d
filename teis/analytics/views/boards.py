"""Boards (办案 / 非法客运 / 勤务), the leaders' big screen and the keyword summary. Each board is key-figure tiles
and ECharts charts whose options are built here from the board services."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import path

from teis.core.services import ServiceError
from teis.core.views import require

from ..services import boards, summary
from .common import SCREEN, STATS, as_json, error_page

BLUE, GREEN, ORANGE, RED, PURPLE = "#0d6efd", "#20c997", "#fd7e14", "#dc3545", "#6f42c1"


def bar(labels, series: list[tuple[str, list, str]], *, rotate: int = 30, rate=None) -> dict:
    option = {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 45, "right": 45 if rate else 15, "bottom": 70, "top": 30},
        "xAxis": {"type": "category", "data": labels, "axisLabel": {"rotate": rotate, "interval": 0}},
        "yAxis": [{"type": "value", "minInterval": 1}],
        "series": [{"name": n, "type": "bar", "data": d, "itemStyle": {"color": c}} for n, d, c in series],
    }
    if rate:
        option["yAxis"].append({"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}})
        option["series"].append({"name": rate[0], "type": "line", "yAxisIndex": 1, "data": rate[1]})
    return option


def line(labels, series: list[tuple[str, list, str]]) -> dict:
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 45, "right": 15, "bottom": 30, "top": 30},
        "xAxis": {"type": "category", "data": labels},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "name": n,
                "type": "line",
                "smooth": True,
                "data": d,
                "itemStyle": {"color": c},
                "areaStyle": {"opacity": 0.12},
            }
            for n, d, c in series
        ],
    }


def pie(data: list[dict]) -> dict:
    return {
        "tooltip": {"trigger": "item"},
        "legend": {"bottom": 0, "type": "scroll"},
        "series": [{"type": "pie", "radius": ["30%", "62%"], "center": ["50%", "45%"], "data": data}],
    }


def _board(request, title: str, key: str, data: dict, charts: list[tuple[str, dict, int]]):
    ctx = {
        "title": title,
        "board": key,
        "data": data,
        "charts": [{"id": f"chart-{i}", "title": t, "cols": cols} for i, (t, _, cols) in enumerate(charts)],
        "options": as_json({f"chart-{i}": o for i, (_, o, _) in enumerate(charts)}),
    }
    return render(request, "analytics/board.html", ctx)


@login_required
def board_cases(request):
    require(request, STATS)
    d = boards.case_board(request.user)
    c = d["chart"]
    return _board(
        request,
        "办案看板",
        "cases",
        d,
        [
            ("近 30 日立案与结案", line(c["days"], [("立案", c["filed"], BLUE), ("结案", c["closed"], GREEN)]), 8),
            ("本年案件来源", pie(c["sources"]), 4),
            (
                "本年各单位立案与结案率",
                bar(c["units"], [("立案", c["unit_filed"], BLUE)], rate=("结案率", c["unit_rate"])),
                8,
            ),
            ("本年业务条线", pie(c["lines"]), 4),
        ],
    )


@login_required
def board_illegal(request):
    require(request, STATS)
    d = boards.illegal_board(request.user)
    c = d["chart"]
    return _board(
        request,
        "非法客运看板",
        "illegal",
        d,
        [
            ("近 12 个月查处", line(c["months"], [("查处起数", c["month_n"], RED)]), 8),
            ("本年黑名单登记类别", pie(c["kinds"]), 4),
            ("本年各单位查处", bar(c["units"], [("查处起数", c["unit_n"], RED)]), 12),
        ],
    )


@login_required
def board_duty(request):
    require(request, STATS)
    d = boards.duty_board(request.user)
    c = d["chart"]
    return _board(
        request,
        "勤务看板",
        "duty",
        d,
        [
            (
                "本月各单位出动人次、车次",
                bar(c["units"], [("出动人次", c["people"], BLUE), ("出动车次", c["vehicles"], ORANGE)]),
                8,
            ),
            ("近 30 日车辆告警", line(c["days"], [("告警", c["alarms"], PURPLE)]), 4),
            ("近 12 个月治超检查与平均超限率", _checks(c), 12),
        ],
    )


def _checks(c: dict) -> dict:
    option = bar(c["months"], [("治超检查（车次）", c["checks"], ORANGE)], rotate=0)
    option["yAxis"].append({"type": "value", "axisLabel": {"formatter": "{value}%"}})
    option["series"].append({"name": "平均超限率", "type": "line", "yAxisIndex": 1, "data": c["ratio"]})
    option["grid"]["right"] = 45
    return option


@login_required
def screen(request):
    require(request, SCREEN)
    return render(request, "analytics/screen.html", {"data": as_json(boards.screen(request.user))})


@login_required
def screen_data(request):
    require(request, SCREEN)
    return JsonResponse(boards.screen(request.user), json_dumps_params={"ensure_ascii": False})


@login_required
def keyword_summary(request):
    require(request, STATS)
    q = request.GET.get("q", "")
    ctx: dict = {"q": q}
    if q:
        try:
            data = summary.summarise(request.user, q)
        except ServiceError as err:
            return error_page(request, "analytics/summary.html", ctx, err)
        c = data["chart"]
        ctx |= {
            "data": data,
            "options": as_json(
                {
                    "chart-trend": bar(
                        c["months"], [("立案", c["filed"], BLUE), ("结案", c["closed"], GREEN)], rotate=0
                    ),
                    "chart-split": pie(c["split"]),
                }
            ),
        }
    return render(request, "analytics/summary.html", ctx)


urlpatterns = [
    path("boards/cases/", board_cases, name="board_cases"),
    path("boards/illegal/", board_illegal, name="board_illegal"),
    path("boards/duty/", board_duty, name="board_duty"),
    path("screen/", screen, name="screen"),
    path("screen/data/", screen_data, name="screen_data"),
    path("summary/", keyword_summary, name="summary"),
]

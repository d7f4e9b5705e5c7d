"""`{{ deadline|workdays_note }}`: the "未含调休安排" mark after a deadline counted in working days that reaches into
a year whose State Council notice is not entered yet (its 调休 swaps are unknown, so the date may still move).
`{{ deadline|workdays_note:start }}` checks every year from `start` on."""

from typing import Any

from django import template
from django.utils.html import format_html

from teis.core import workdays

register = template.Library()


@register.filter
def workdays_note(deadline: Any, start: Any = None) -> str:
    if not deadline:
        return ""
    if workdays.covered(start or deadline, deadline):
        return ""
    years = "、".join(str(y) for y in workdays.missing_years(start or deadline, deadline))
    return format_html(
        ' <span class="badge bg-warning text-dark workdays-note" title="{}">{}</span>',
        f"{years}年放假通知尚未录入，期限按法定节假日推算",
        workdays.UNCOVERED_NOTE,
    )

"""The case page's 罚没款 section (`finance/_case_finance.html`, included by `cases/case_detail.html`)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def case_finance(context, case):
    from teis.finance.models import Receivable
    from teis.finance.views.pages import finance_context

    user = context["request"].user
    if not user.has_perm("finance.view_receivable"):
        return None
    rec = Receivable.objects.for_user(user).filter(case_id=case.pk).first()
    if rec is None:
        return None
    return {"rec": rec, **finance_context(rec)}

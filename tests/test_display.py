"""The display layer: values as Chinese text, people by name, Chinese column labels."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import timezone

from teis.core.display import column_label, format_value, person_display


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "是"),
        (False, "否"),
        ({}, ""),
        ([], ""),
        ({"cargo_uncovered": True, "no_life_jacket": False}, "货物未苫盖"),
        ({"cargo_uncovered": False}, "无"),
        ({"reason": "超速", "count": 2}, "原因：超速；数量：2"),
        (["甲", None, "乙"], "甲、乙"),
        ("ok", "正常"),
        ("user", "用户"),
        (dt.date(2026, 12, 7), "2026-12-07"),
    ],
)
def test_values_read_as_chinese(value, text):
    assert format_value(value) == text


def test_times_are_local():
    instant = dt.datetime(2026, 12, 7, 3, 5, tzinfo=dt.UTC)
    assert format_value(instant) == "2026-12-07 11:05"
    assert timezone.is_aware(instant)


@pytest.mark.django_db
def test_people_by_name_never_by_login(make_user):
    user = make_user("field_officer", "squad1", name="王晓明", username="wangxm")
    assert person_display(user) == "王晓明"
    assert person_display(user, with_unit=True) == "王晓明（第一中队）"
    assert format_value(user) == "王晓明"
    html = Template("{% load teis_display %}{{ u|person }}").render(Context({"u": user}))
    assert html == "王晓明"
    assert person_display(None) == ""


@pytest.mark.django_db
def test_accounts_without_officer_profile_show_their_full_name(django_user_model):
    root = django_user_model.objects.create_user("root", first_name="管理", last_name="员")
    assert "root" not in person_display(root)


def test_relations_without_a_verbose_name_are_labelled_by_their_model():
    from teis.legal.models import LegalChangeWarning

    assert column_label(LegalChangeWarning, "violation_code") == "违章代码"
    assert column_label(LegalChangeWarning, "change") == "变更类型"

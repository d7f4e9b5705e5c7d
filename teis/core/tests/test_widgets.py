"""Pickers: the unit tree picker with paths limited to the user's scope, searchable pickers for long lists and
people by name, put on generic forms, filters and hand-written selects alike."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders

from teis.core.forms import style_widgets
from teis.core.testing import logged_in_client
from teis.core.widgets import (
    PersonSelect,
    SearchableSelectMultiple,
    UnitSelect,
    UnitSelectMultiple,
    apply_pickers,
    unit_paths,
)


def _options(html: str, name: str) -> list[tuple[str, str]]:
    """(data-path, text) of the options of the select called `name`."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, name
    options = re.findall(r'<option value="\d+"([^>]*)>([^<]*)</option>', select.group(1))
    return [
        ((re.search(r'data-path="([^"]*)"', attrs) or re.match("()", "")).group(1), text) for attrs, text in options
    ]


@pytest.mark.django_db
def test_unit_paths_run_from_below_the_corps(tree):
    from teis.org.models import Unit

    paths = unit_paths(Unit)
    assert paths[tree["squad1"].pk] == "第一支队 / 第一大队 / 第一中队"
    assert paths[tree["squad3"].pk] == "第二大队 / 第三中队"
    assert paths[tree["corps"].pk] == "上海市交通委员会执法总队"


@pytest.mark.django_db
def test_generic_form_gets_the_unit_picker_with_paths(sysadmin, tree):
    html = logged_in_client(sysadmin).get("/org/officer/add/").content.decode()
    select = re.search(r'<select[^>]*name="unit"[^>]*>', html).group(0)
    assert 'data-picker="unit"' in select
    options = {text: path for path, text in _options(html, "unit")}
    assert options["第一中队"] == "第一支队 / 第一大队 / 第一中队"
    # 角色 (many-to-many) is a searchable multi-picker, not a Ctrl-click list box
    roles = re.search(r'<select[^>]*name="roles"[^>]*>', html).group(0)
    assert 'data-picker="search"' in roles and "multiple" in roles


@pytest.mark.django_db
def test_unit_picker_in_a_filter_is_limited_to_the_users_scope(make_user, tree):
    leader = make_user("brigade_leader", "brigade1")
    html = logged_in_client(leader).get("/cases/enforcementcase/").content.decode()
    assert re.search(r'<select[^>]*name="unit"[^>]*data-picker="unit"', html)
    texts = {path for path, _ in _options(html, "unit")}
    assert "第一支队 / 第一大队 / 第一中队" in texts and "第一支队 / 第一大队 / 第二中队" in texts
    assert not any("第二大队" in p for p in texts)  # outside the brigade leader's subtree


@pytest.mark.django_db
def test_people_are_picked_by_name_with_their_unit(make_user, tree):
    officer = make_user("field_officer", "squad1", name="王晓明", username="wangxm")

    class AssignForm(forms.Form):
        user = forms.ModelChoiceField(get_user_model().objects.filter(pk=officer.pk))
        users = forms.ModelMultipleChoiceField(get_user_model().objects.filter(pk=officer.pk))

    form = AssignForm()
    style_widgets(form)
    assert isinstance(form.fields["user"].widget, PersonSelect)
    html = str(form["user"])
    assert "王晓明" in html and "wangxm" not in html
    assert 'data-path="第一中队"' in html
    assert 'data-picker="search"' in str(form["users"]) and "multiple" in str(form["users"])


def test_long_plain_choices_become_searchable_and_short_ones_stay():
    class F(forms.Form):
        code = forms.ChoiceField(choices=[(str(i), f"代码{i}") for i in range(150)])
        level = forms.ChoiceField(choices=[("a", "甲"), ("b", "乙")])
        flag = forms.NullBooleanField()
        kind = forms.ChoiceField(choices=[("a", "甲")], widget=forms.RadioSelect)
        many = forms.MultipleChoiceField(choices=[("a", "甲"), ("b", "乙")])

    form = F()
    apply_pickers(form)
    assert 'data-picker="search"' in str(form["code"])
    assert "data-picker" not in str(form["level"])
    assert "data-picker" not in str(form["flag"]) and "data-picker" not in str(form["kind"])
    assert isinstance(form.fields["many"].widget, SearchableSelectMultiple)


@pytest.mark.django_db
def test_unit_picker_costs_one_query_whatever_the_tree(tree, django_assert_num_queries):
    from teis.org.models import Unit

    class F(forms.Form):
        unit = forms.ModelChoiceField(Unit.objects.all())
        units = forms.ModelMultipleChoiceField(Unit.objects.all())

    form = F()
    apply_pickers(form)
    assert isinstance(form.fields["unit"].widget, UnitSelect)
    assert isinstance(form.fields["units"].widget, UnitSelectMultiple)
    with django_assert_num_queries(2):  # the options, the tree
        str(form["unit"])


@pytest.mark.django_db
def test_petition_dispatch_select_carries_unit_paths(tree):
    from django.template import Context, Template

    from teis.org.models import Unit

    html = Template(
        '{% load teis_display %}<select data-picker="unit" name="unit">'
        '{% for u, path in units|with_unit_paths %}<option value="{{ u.pk }}" data-path="{{ path }}">'
        "{{ u.name }}</option>{% endfor %}</select>"
    ).render(Context({"units": Unit.objects.filter(pk=tree["squad2"].pk)}))
    assert 'data-path="第一支队 / 第一大队 / 第二中队"' in html


def test_picker_assets_are_vendored():
    for path in (
        "teis/pickers.js",
        "vendor/tom-select/tom-select.complete.min.js",
        "vendor/tom-select/tom-select.bootstrap5.min.css",
    ):
        assert finders.find(path), path


@pytest.mark.django_db
def test_yes_no_filters_offer_all_instead_of_unknown(tree):
    from teis.core.filters import ScopedFilterSet
    from teis.org.models import Unit

    class UnitFilter(ScopedFilterSet):
        class Meta:
            model = Unit
            fields = ["is_active"]

    html = str(UnitFilter({"is_active": "false"}, Unit.objects.all()).form["is_active"])
    assert "全部" in html and "未知" not in html
    assert '<option value="false" selected>否</option>' in html
    qs = UnitFilter({"is_active": "false"}, Unit.objects.all()).qs
    assert not qs.exists()


def test_lazy_choices_are_counted_not_measured():
    from teis.core.widgets import _count

    assert _count(iter([1, 2, 3])) == 3
    assert _count([1]) == 1

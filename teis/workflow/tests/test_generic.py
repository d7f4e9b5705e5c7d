"""Rule 13 for the process definitions: reference data, read-only on the generic pages (a new version is made only
by the modeler's save) and without a generic API (`api = False`; the modeler has its own endpoints)."""

import pytest

from teis.core.testing_mixins import GenericModelTests
from teis.workflow.models import ProcessDefinition

pytestmark = pytest.mark.django_db

BPMN = (
    '<?xml version="1.0" encoding="UTF-8"?><definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">'
    '<process id="{key}"><startEvent id="s"/></process></definitions>'
)


class TestProcessDefinitionGeneric(GenericModelTests):
    model_label = "workflow.processdefinition"
    unique_column = "key"
    scoped = False
    filter_exclude = {"version": "版本只作显示", "source": "来源只作显示", "created_at": "按流程标识查询"}

    def make_object(self, unit, n):
        key = f"gen_process_{n}"
        return ProcessDefinition.objects.create(key=key, name=f"测试流程{n}", version=1, bpmn_xml=BPMN.format(key=key))

    def test_the_generic_api_is_absent(self, ctx):
        from teis.core.testing import logged_in_client

        resp = logged_in_client(ctx.user).get(self.api_url())
        assert resp.status_code == 404

"""The OpenAPI document tells the truth: error answers documented with the one error body on every operation,
and hand-written paginated endpoints documented as pages, not plain arrays."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

METHODS = ("get", "put", "patch", "post", "delete")


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_every_operation_documents_its_errors(schema):
    assert set(schema["components"]["schemas"]["ErrorBody"]["required"]) == {"code", "message", "fields"}
    missing = []
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                responses = item[method]["responses"]
                for status in ("400", "401", "403"):
                    if status not in responses:
                        missing.append(f"{method.upper()} {path} {status}")
                if "{" in path and "404" not in responses:
                    missing.append(f"{method.upper()} {path} 404")
    assert not missing, missing[:20]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases/mine/",
        "/api/v1/todos/",
        "/api/v1/workflow/tasks/",
    ],
)
def test_paginated_endpoints_are_documented_as_pages(schema, path):
    if path not in schema["paths"]:
        pytest.skip(f"{path} not in this schema")
    content = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    ref = content.get("$ref", "")
    component = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else content
    assert {"count", "next", "previous", "results"} <= set(component["properties"]), component

"""OpenAPI post-processing: every operation documents the error answers it can give, with the one error body
(`{"code", "message", "fields"}`), so clients and schema checkers see the truth about status codes."""

from __future__ import annotations

from typing import Any

ERROR_BODY = {
    "type": "object",
    "description": "所有错误的统一返回体",
    "properties": {
        "code": {"type": "string", "description": "错误代码（供程序判断）"},
        "message": {"type": "string", "description": "中文错误说明"},
        "fields": {
            "type": "object",
            "description": "按字段的错误说明",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["code", "message", "fields"],
}
ERRORS = {
    "400": "请求数据有误或当前状态不允许该操作",
    "401": "未登录或登录已过期",
    "403": "没有执行此操作的权限",
    "404": "对象不存在或不在您的数据权限范围内",
    "429": "请求过于频繁",
    "500": "服务器内部错误",
}
METHODS = ("get", "put", "patch", "post", "delete", "head", "options")


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular POSTPROCESSING_HOOKS entry: add ErrorBody and the error responses each operation lacks."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ErrorBody", ERROR_BODY)
    ref = {"$ref": "#/components/schemas/ErrorBody"}
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status, description in ERRORS.items():
                if status == "404" and "{" not in path and method != "get":
                    continue
                responses.setdefault(
                    status, {"description": description, "content": {"application/json": {"schema": ref}}}
                )
    return result

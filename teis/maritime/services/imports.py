"""Excel import shared by the registry and the information queries: headers in Chinese on the first row.

`read_rows` reads a sheet by header → field; the `as_*` converters raise a Chinese message with the row number.
`convert_rows` runs them over every row by a list of `Col`s and refuses the whole file with one message listing
every bad row (as the dictionary import of core does), so nothing is half-imported."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from teis.core.services import ServiceError

MAX_ROWS = 20_000
TRUE_WORDS = {"是", "Y", "y", "1", "true", "True", "TRUE", "有"}


def read_rows(
    upload: Any, columns: dict[str, str], required: tuple[str, ...] = (), *, check_rows: bool = True
) -> list[dict[str, Any]]:
    """Rows of the first sheet as {field: value} by the header → field map; ServiceError on a bad file. The
    `required` columns must be in the header, and (with `check_rows`) filled on every row."""
    from teis.core.xlsx import WorkbookRefused, open_workbook

    if upload is None:
        raise ServiceError("invalid", "请选择要导入的Excel文件", {"file": ["请选择文件"]})
    data = upload.read() if hasattr(upload, "read") else bytes(upload)
    try:
        wb = open_workbook(data)
    except WorkbookRefused as exc:
        raise ServiceError("invalid", str(exc), {"file": [str(exc)]}) from exc
    except Exception as exc:
        raise ServiceError("invalid", "文件不是有效的Excel（xlsx）文件", {"file": ["文件格式错误"]}) from exc
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None)
    if not header:
        raise ServiceError("invalid", "Excel文件为空", {"file": ["文件为空"]})
    index = {}
    for i, h in enumerate(header):
        name = str(h or "").strip()
        if name in columns:
            index[columns[name]] = i
    missing = [h for h, f in columns.items() if f in required and f not in index]
    if missing:
        raise ServiceError("invalid", f"缺少必填列：{'、'.join(missing)}", {"file": [f"缺少列 {missing[0]}"]})
    out = []
    for n, row in enumerate(rows, start=2):
        if n - 1 > MAX_ROWS:
            raise ServiceError("invalid", f"一次最多导入 {MAX_ROWS} 行", {"file": ["行数过多"]})
        if not row or all(c in (None, "") for c in row):
            continue
        values = {f: row[i] if i < len(row) else None for f, i in index.items()}
        for f in required if check_rows else ():
            if values.get(f) in (None, ""):
                raise ServiceError("invalid", f"第{n}行缺少必填项", {"file": [f"第{n}行缺少必填项"]})
        values["_row"] = n
        out.append(values)
    return out


@dataclass(frozen=True)
class Col:
    """One column of an import: header, model field, kind (text, int, float, bool, date, datetime, choice), whether
    it must be filled, the longest text, the TextChoices of a choice (label or value accepted)."""

    header: str
    field: str
    kind: str = "text"
    required: bool = False
    limit: int = 200
    choices: Any = None


def _convert(col: Col, value: Any, row: int) -> Any:
    if col.required and (value is None or as_text(value) == ""):
        raise ServiceError("invalid", f"第{row}行“{col.header}”不能为空", {"file": [f"第{row}行缺少{col.header}"]})
    if col.kind == "text":
        text = as_text(value, 100_000)
        if len(text) > col.limit:
            raise ServiceError(
                "invalid", f"第{row}行“{col.header}”超过 {col.limit} 个字符", {"file": [f"第{row}行{col.header}过长"]}
            )
        return text
    if col.kind == "int":
        number = as_int(value, row, col.header)
        if number is not None and not 0 <= number <= 32767:
            raise ServiceError(
                "invalid", f"第{row}行“{col.header}”应在 0～32767 之间", {"file": [f"第{row}行{col.header}错误"]}
            )
        return number
    if col.kind == "float":
        return as_float(value, row, col.header)
    if col.kind == "bool":
        return as_bool(value)
    if col.kind == "date":
        return as_date(value, row, col.header)
    if col.kind == "datetime":
        return as_datetime(value, row, col.header)
    if col.kind == "choice":
        text = as_text(value)
        if not text:
            return None
        for choice_value, label in col.choices.choices:
            if text in (choice_value, str(label)):
                return choice_value
        allowed = "、".join(str(label) for _, label in col.choices.choices)
        raise ServiceError(
            "invalid", f"第{row}行“{col.header}”应为：{allowed}", {"file": [f"第{row}行{col.header}错误"]}
        )
    raise ValueError(f"unknown column kind {col.kind}")  # pragma: no cover - a programming error


def refuse(errors: list[str]) -> ServiceError:
    """One error for the whole file: every bad row, nothing saved."""
    shown = errors[:50]
    more = f"（另有 {len(errors) - len(shown)} 处错误未列出）" if len(errors) > len(shown) else ""
    return ServiceError(
        "invalid", f"导入文件有 {len(errors)} 处错误，未导入任何数据：{'；'.join(shown[:5])}{more}", {"file": shown}
    )


def convert_rows(
    upload: Any, cols: list[Col], check: Callable[[dict[str, Any], int], None] | None = None
) -> list[dict[str, Any]]:
    """Every row converted by `cols` (and checked by `check(values, row)`, which may raise ServiceError); a file
    with any bad row is refused as a whole with every row's message. Each dict carries its row number in `_row`."""
    rows = read_rows(
        upload, {c.header: c.field for c in cols}, tuple(c.field for c in cols if c.required), check_rows=False
    )
    out, errors = [], []
    for raw in rows:
        n = raw["_row"]
        values: dict[str, Any] = {"_row": n}
        try:
            for col in cols:
                if col.field in raw:
                    values[col.field] = _convert(col, raw[col.field], n)
            if check is not None:
                check(values, n)
        except ServiceError as exc:
            errors.append(exc.message)
            continue
        out.append(values)
    if errors:
        raise refuse(errors)
    if not out:
        raise ServiceError("invalid", "文件中没有数据行", {"file": ["没有数据行"]})
    return out


def as_text(value: Any, limit: int = 200) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()[:limit]


def as_bool(value: Any) -> bool:
    return as_text(value) in TRUE_WORDS


def as_int(value: Any, row: int, label: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError) as exc:
        raise ServiceError("invalid", f"第{row}行“{label}”不是数字", {"file": [f"第{row}行{label}错误"]}) from exc


def as_float(value: Any, row: int, label: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise ServiceError("invalid", f"第{row}行“{label}”不是数字", {"file": [f"第{row}行{label}错误"]}) from exc


def as_date(value: Any, row: int, label: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(as_text(value).replace("/", "-")[:10])
    except ValueError as exc:
        raise ServiceError(
            "invalid", f"第{row}行“{label}”不是日期（YYYY-MM-DD）", {"file": [f"第{row}行{label}错误"]}
        ) from exc


def as_datetime(value: Any, row: int, label: str) -> dt.datetime | None:
    from django.utils import timezone

    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        try:
            parsed = dt.datetime.fromisoformat(as_text(value).replace("/", "-"))
        except ValueError as exc:
            raise ServiceError("invalid", f"第{row}行“{label}”不是时间", {"file": [f"第{row}行{label}错误"]}) from exc
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed

"""Dictionaries (字典): cached look-ups for forms, filters and pages; the write service that keeps the
cache right; Excel export and import of one dictionary type.

- `items(type_code)` / `choices(type_code)` / `label(type_code, code)`: read through the Django cache; the
  entry of a type is dropped by `DictionaryService` whenever one of its items or the type itself is written
  (at once and again after commit, so a reader never keeps what a concurrent transaction replaced).
- `export_xlsx(type_code)` and `do_import_xlsx(actor, type_code, file)`: columns 编码, 名称, 上级编码, 排序, 启用.
  An import checks every row first and saves nothing when any row is wrong; each created or changed item is
  audited like a change made on the page.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any, BinaryIO, cast

from django.core.cache import cache
from django.db import models, transaction

from .models import DictionaryItem, DictionaryType
from .services import GenericService, ServiceError

CACHE_PREFIX = "teis:dict:v1:"
CACHE_SECONDS = 600  # a backstop only; writes invalidate explicitly
COLUMNS = ("编码", "名称", "上级编码", "排序", "启用")
REQUIRED_COLUMNS = ("编码", "名称")
MAX_IMPORT_ROWS = 5000
TRUE_WORDS = {"是", "启用", "1", "true", "yes", "y", "√", "on"}
FALSE_WORDS = {"否", "停用", "禁用", "0", "false", "no", "n", "×", "off"}

# --- reading ----------------------------------------------------------------------------------------------


def _key(type_code: str) -> str:
    return CACHE_PREFIX + type_code


def invalidate(*type_codes: str) -> None:
    """Drop the cached items of these types now and again when the current transaction commits."""
    keys = [_key(c) for c in type_codes if c]
    if not keys:
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def _load(type_code: str) -> list[DictionaryItem]:
    return list(
        DictionaryItem.objects.filter(dict_type__code=type_code)
        .select_related("parent", "dict_type")
        .order_by("order", "code", "pk")
    )


def items(type_code: str, *, active_only: bool = True) -> list[DictionaryItem]:
    """The items of a dictionary type in display order (enabled ones unless `active_only=False`)."""
    cached = cache.get(_key(type_code))
    if cached is None:
        cached = _load(type_code)
        cache.set(_key(type_code), cached, CACHE_SECONDS)
    return [i for i in cached if i.is_active] if active_only else list(cached)


def choices(type_code: str, *, blank: str | None = None) -> list[tuple[str, str]]:
    """(code, label) pairs of the enabled items, for form fields and filters; `blank` adds an empty choice."""
    out = [(i.code, i.label) for i in items(type_code)]
    return [("", blank), *out] if blank is not None else out


def label(type_code: str, code: str | None, default: str | None = None) -> str:
    """The label of `code` (disabled items too, so old records still read well); the code itself if unknown."""
    if not code:
        return ""
    for item in items(type_code, active_only=False):
        if item.code == code:
            return item.label
    return code if default is None else default


# --- writing ----------------------------------------------------------------------------------------------


def check_item_parent(item: DictionaryItem, parent: DictionaryItem | None) -> None:
    if parent is None:
        return
    if parent.dict_type_id != item.dict_type_id:
        raise ServiceError("dict_parent_type", "上级字典项必须属于同一字典类型。", {"parent": ["上级不属于同一类型"]})
    seen: set[Any] = set()
    node: DictionaryItem | None = parent
    while node is not None:
        if item.pk is not None and node.pk == item.pk:
            raise ServiceError("dict_parent_cycle", "上级字典项不能是其自身或其下级。", {"parent": ["上级无效"]})
        if node.pk in seen:
            break
        seen.add(node.pk)
        node = node.parent


class DictionaryService(GenericService):
    """Writes of dictionary types and items: the generic audited write plus the rules below, and the cache
    invalidation of the affected type."""

    def do_create(self, actor: Any, model: type[models.Model], data: dict[str, Any]) -> models.Model:
        with transaction.atomic():
            if model is DictionaryItem:
                probe = DictionaryItem(dict_type=data.get("dict_type"))
                check_item_parent(probe, data.get("parent"))
            obj = super().do_create(actor, model, data)
            invalidate(_type_code(obj))
        return obj

    def do_update(self, actor: Any, obj: models.Model, data: dict[str, Any]) -> models.Model:
        with transaction.atomic():
            before = _type_code(obj)
            if isinstance(obj, DictionaryType) and obj.is_system and data.get("code", obj.code) != obj.code:
                raise ServiceError("dict_system", "系统内置字典类型的编码不能修改。", {"code": ["系统内置，不能修改"]})
            if isinstance(obj, DictionaryItem):
                probe = DictionaryItem(pk=obj.pk, dict_type=data.get("dict_type", obj.dict_type))
                check_item_parent(probe, data.get("parent", obj.parent))
            obj = super().do_update(actor, obj, data)
            invalidate(before, _type_code(obj))
        return obj

    def do_delete(self, actor: Any, obj: models.Model) -> None:
        if isinstance(obj, DictionaryType) and obj.is_system:
            raise ServiceError("dict_system", f"“{obj}”是系统内置字典类型，不能删除。")
        code = _type_code(obj)
        with transaction.atomic():
            super().do_delete(actor, obj)
            invalidate(code)


def _type_code(obj: models.Model) -> str:
    if isinstance(obj, DictionaryType):
        return obj.code
    if isinstance(obj, DictionaryItem):
        return DictionaryType.objects.filter(pk=obj.dict_type_id).values_list("code", flat=True).first() or ""
    return ""


dictionary_service = DictionaryService()


def get_type(type_code: str) -> DictionaryType:
    dict_type = DictionaryType.objects.filter(code=type_code).first()
    if dict_type is None:
        raise ServiceError("dict_type_unknown", f"字典类型“{type_code}”不存在。")
    return dict_type


# --- Excel --------------------------------------------------------------------------------------------------


def export_xlsx(type_code: str) -> bytes:
    """All items of the type (disabled ones too) in the import layout, so an export can be edited and
    imported back."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    dict_type = get_type(type_code)
    wb = Workbook()
    ws = wb.active
    ws.title = dict_type.name[:30] or type_code[:30]
    ws.append(list(COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for item in _load(type_code):
        ws.append(
            [
                item.code,
                item.label,
                item.parent.code if item.parent else "",
                item.order,
                "是" if item.is_active else "否",
            ]
        )
    for letter, width in zip("ABCDE", (20, 30, 20, 8, 8), strict=True):
        ws.column_dimensions[letter].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@dataclass
class ImportRow:
    line: int
    code: str
    label: str
    parent_code: str
    order: int
    is_active: bool


@dataclass
class ImportResult:
    type_code: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    codes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def summary(self) -> str:
        return f"共 {self.total} 行：新增 {self.created} 项，更新 {self.updated} 项，未变化 {self.unchanged} 项。"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _fail(errors: list[str]) -> ServiceError:
    shown = errors[:50]
    more = f"（另有 {len(errors) - len(shown)} 处错误未列出）" if len(errors) > len(shown) else ""
    return ServiceError(
        "import_invalid",
        f"导入文件有 {len(errors)} 处错误，未保存任何数据。请修改后重新导入。{more}",
        {"file": shown},
    )


def read_rows(file: bytes | BinaryIO) -> list[ImportRow]:
    """Parse and check every row of the workbook; raise one ServiceError listing every problem."""
    from .xlsx import WorkbookRefused, open_workbook

    try:
        wb = open_workbook(file)
    except WorkbookRefused as exc:
        raise ServiceError("import_unreadable", str(exc), {"file": [str(exc)]}) from exc
    except Exception:
        raise ServiceError("import_unreadable", "无法读取文件，请上传 Excel（.xlsx）文件。", {"file": ["文件格式错误"]})
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [_text(v) for v in next(rows, ())]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise _fail([f"第 1 行（表头）：缺少列“{c}”。表头应为：{'、'.join(COLUMNS)}。" for c in missing])
    index = {name: header.index(name) for name in COLUMNS if name in header}

    def cell(values: tuple[Any, ...], name: str) -> Any:
        i = index.get(name)
        return values[i] if i is not None and i < len(values) else None

    errors: list[str] = []
    parsed: list[ImportRow] = []
    for line, values in enumerate(rows, start=2):
        if line - 1 > MAX_IMPORT_ROWS:
            errors.append(f"行数超过上限 {MAX_IMPORT_ROWS} 行，请分批导入。")
            break
        if values is None or all(_text(v) == "" for v in values):
            continue
        code, name = _text(cell(values, "编码")), _text(cell(values, "名称"))
        parent_code, order_text = _text(cell(values, "上级编码")), _text(cell(values, "排序"))
        active_text = _text(cell(values, "启用")).lower()
        row_errors = []
        if not code:
            row_errors.append("编码不能为空")
        elif len(code) > 64:
            row_errors.append("编码不能超过 64 个字符")
        if not name:
            row_errors.append("名称不能为空")
        elif len(name) > 100:
            row_errors.append("名称不能超过 100 个字符")
        order = 0
        if order_text:
            try:
                order = int(order_text)
                if order < 0:
                    raise ValueError
            except ValueError:
                row_errors.append(f"排序“{order_text}”应为非负整数")
        is_active = True
        if active_text:
            if active_text in TRUE_WORDS:
                is_active = True
            elif active_text in FALSE_WORDS:
                is_active = False
            else:
                row_errors.append(f"启用“{active_text}”应为“是”或“否”")
        if parent_code and parent_code == code:
            row_errors.append("上级编码不能是其自身")
        if row_errors:
            errors.append(f"第 {line} 行：" + "；".join(row_errors) + "。")
        else:
            parsed.append(ImportRow(line, code, name, parent_code, order, is_active))
    wb.close()
    seen: dict[str, int] = {}
    for row in parsed:
        if row.code in seen:
            errors.append(f"第 {row.line} 行：编码“{row.code}”与第 {seen[row.code]} 行重复。")
        else:
            seen[row.code] = row.line
    if errors:
        raise _fail(errors)
    return parsed


def _check_parents(rows: list[ImportRow], existing: dict[str, DictionaryItem]) -> list[ImportRow]:
    """Check every parent code resolves (in the file or already in the type) and that the resulting tree has
    no cycle; return the rows ordered parents first."""
    errors = []
    in_file = {r.code: r for r in rows}

    def parent_of(code: str) -> str:
        if code in in_file:
            return in_file[code].parent_code
        item = existing.get(code)
        return item.parent.code if item is not None and item.parent is not None else ""

    for row in rows:
        if row.parent_code and row.parent_code not in in_file and row.parent_code not in existing:
            errors.append(f"第 {row.line} 行：上级编码“{row.parent_code}”不存在（文件和现有字典中都没有）。")
    if errors:
        raise _fail(errors)
    for row in rows:
        seen, node = {row.code}, row.parent_code
        while node:
            if node in seen:
                errors.append(f"第 {row.line} 行：上级编码“{row.parent_code}”形成循环引用。")
                break
            seen.add(node)
            node = parent_of(node)
    if errors:
        raise _fail(errors)

    ordered, placed = [], set()

    def place(row: ImportRow) -> None:
        if row.code in placed:
            return
        if row.parent_code in in_file:
            place(in_file[row.parent_code])
        placed.add(row.code)
        ordered.append(row)

    for row in rows:
        place(row)
    return ordered


def do_import_xlsx(actor: Any, type_code: str, file: bytes | BinaryIO) -> ImportResult:
    """Create or update the items of a dictionary type from an Excel file, in one transaction.

    Existing codes are updated, new codes created; items missing from the file are left as they are.
    Every row is checked before anything is written: one bad row and nothing is saved (ServiceError
    "import_invalid" listing each problem with its row number). Audited per created or changed item.
    """
    dict_type = get_type(type_code)
    rows = read_rows(file)
    if not rows:
        raise ServiceError("import_empty", "导入文件没有数据行。", {"file": ["没有数据行"]})
    result = ImportResult(type_code=type_code)
    with transaction.atomic():
        existing = {
            i.code: i
            for i in DictionaryItem.objects.select_for_update(of=("self",))
            .filter(dict_type=dict_type)
            .select_related("parent")
        }
        rows = _check_parents(rows, existing)
        by_code = dict(existing)
        for row in rows:
            parent = by_code[row.parent_code] if row.parent_code else None
            data = {"label": row.label, "parent": parent, "order": row.order, "is_active": row.is_active}
            item = by_code.get(row.code)
            if item is None:
                item = cast(
                    DictionaryItem,
                    dictionary_service.do_create(
                        actor, DictionaryItem, {"dict_type": dict_type, "code": row.code, **data}
                    ),
                )
                result.created += 1
            elif (item.label, item.parent_id, item.order, item.is_active) == (
                row.label,
                parent.pk if parent else None,
                row.order,
                row.is_active,
            ):
                result.unchanged += 1
            else:
                item = cast(DictionaryItem, dictionary_service.do_update(actor, item, data))
                result.updated += 1
            by_code[row.code] = item
            result.codes.append(row.code)
        invalidate(type_code)
    return result

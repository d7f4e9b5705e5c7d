"""The 信息导入 pages' catalogue: for each importable kind (the four information queries of `info_imports` and the
vessel registry of `registry`) its label, permission (the same one the API checks), columns as the importer reads
them, and the template workbook officers download, fill in and upload.

The template's first sheet holds only the header row, so that uploading it unchanged imports nothing; the second
sheet ("填写说明") explains every column (required or not, format, allowed values, an example) and how a row is
matched to an existing record.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import registry
from .imports import Col
from .info_imports import IMPORTS, do_import_info

if TYPE_CHECKING:
    from django.contrib.auth.models import User

FORMAT_OF_KIND = {
    "int": "整数（0～32767）",
    "float": "数字",
    "bool": "是 / 否",
    "date": "日期，如 2026-06-30",
    "datetime": "时间，如 2026-06-30 08:30",
}

# Example values shown in the instructions sheet, by kind and header.
EXAMPLES: dict[str, dict[str, str]] = {
    "crews": {
        "姓名": "张三",
        "身份证号": "11010519491231002X",
        "船员证书号": "CY310000123",
        "职务": "船长",
        "证书有效期至": "2027-06-30",
        "所在船舶MMSI": "413000001",
    },
    "ports": {
        "港口/码头名称": "外高桥港区",
        "编码": "WGQ",
        "经营人": "上海国际港务（集团）股份有限公司",
        "泊位数": "20",
        "经度": "121.58",
        "纬度": "31.36",
        "可作业危险品": "是",
        "备注": "",
    },
    "accidents": {
        "事故名称": "黄浦江杨浦段两船轻微碰撞",
        "发生时间": "2026-05-12 14:20",
        "地点": "杨浦大桥下游500米",
        "经度": "121.53",
        "纬度": "31.26",
        "事故等级": "小事故",
        "伤亡人数": "0",
        "经过": "两船会遇时避让不当，船体擦碰，无人员伤亡。",
        "涉事船舶MMSI": "413000001、413000002",
    },
    "emergency": {
        "类别": "气象预警",
        "标题": "大风蓝色预警",
        "级别": "蓝色",
        "生效时间": "2026-06-30 08:00",
        "失效时间": "2026-07-01 08:00",
        "地点/区域": "长江口、黄浦江",
        "联系方式": "021-56780000",
        "内容": "预计未来24小时沿江沿海风力6～7级。",
    },
    "registry": {
        "MMSI": "413000001",
        "船名": "沪货1",
        "呼号": "BPAB1",
        "IMO": "9123456",
        "登记船型": "70",
        "船长": "98",
        "船宽": "16",
        "船舶所有人": "上海某航运有限公司",
        "所有人地址": "上海市浦东新区示例路1号",
        "法定代表人": "李四",
        "联系电话": "021-50000000",
        "船籍港": "上海",
        "危险品船舶": "否",
        "高风险船舶": "否",
        "重点船舶": "否",
        "证书名称": "船舶国籍证书",
        "证书编号": "GJ2024001",
        "有效期起": "2024-01-01",
        "有效期至": "2029-01-01",
    },
}

INFO_NOTES = {
    "crews": "“所在船舶MMSI”填写一艘已登记船舶的MMSI；身份证号按国家标准校验。",
    "accidents": "“涉事船舶MMSI”可填多艘，用顿号或逗号分隔，船舶须已在系统中。",
    "emergency": "失效时间不能早于生效时间。",
    "ports": "经度、纬度须同时填写或同时留空。",
}

REGISTRY_FORMATS = {
    "MMSI": "9位数字",
    "IMO": "7位数字",
    "登记船型": "AIS船舶类型代码（如 70 货船、80 油船）",
    "船长": "整数（米）",
    "船宽": "整数（米）",
    "危险品船舶": "是 / 否",
    "高风险船舶": "是 / 否",
    "重点船舶": "是 / 否",
    "有效期起": "日期，如 2024-01-01",
    "有效期至": "日期，如 2029-01-01",
}


@dataclass(frozen=True)
class TemplateColumn:
    header: str
    required: bool
    fmt: str
    example: str
    allowed: tuple[str, ...] = ()  # a drop-down list in the template


@dataclass(frozen=True)
class ImportKind:
    kind: str
    label: str
    permission: str
    list_url_name: str
    columns: tuple[TemplateColumn, ...]
    match_rule: str
    note: str
    run: Callable[..., Any]  # (actor, upload) -> the Chinese summary of what was imported

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


def _info_column(kind: str, col: Col) -> TemplateColumn:
    allowed: tuple[str, ...] = ()
    if col.kind == "text":
        fmt = f"文本，不超过{col.limit}字"
    elif col.kind == "choice":
        allowed = tuple(str(label) for _, label in col.choices.choices)
        fmt = "可选：" + "、".join(allowed)
    else:
        fmt = FORMAT_OF_KIND[col.kind]
        if col.kind == "bool":
            allowed = ("是", "否")
    return TemplateColumn(col.header, col.required, fmt, EXAMPLES[kind].get(col.header, ""), allowed)


def _run_info(kind: str) -> Callable[..., Any]:
    def run(actor: User, upload: Any) -> str:
        result = do_import_info(actor, kind, upload)
        return f"新增 {result.created} 条，更新 {result.updated} 条"

    return run


def _run_registry(actor: User, upload: Any) -> str:
    return f"共导入 {registry.do_import_registry(actor, upload)} 艘船舶的登记信息"


def _info_kind(kind: str) -> ImportKind:
    spec = IMPORTS[kind]
    headers = {c.field: c.header for c in spec.columns}
    keys = "”“".join(headers[k] for k in spec.key)
    return ImportKind(
        kind=kind,
        label=spec.label,
        permission=spec.permission,
        list_url_name=f"maritime:{spec.model._meta.model_name}_list",
        columns=tuple(_info_column(kind, c) for c in spec.columns),
        match_rule=f"“{keys}”与已有记录相同的行将更新该记录，其余行新增。",
        note=INFO_NOTES.get(kind, ""),
        run=_run_info(kind),
    )


def _registry_kind() -> ImportKind:
    columns = tuple(
        TemplateColumn(
            header,
            header == "MMSI",
            REGISTRY_FORMATS.get(header, "文本"),
            EXAMPLES["registry"].get(header, ""),
            ("是", "否") if REGISTRY_FORMATS.get(header) == "是 / 否" else (),
        )
        for header in registry.COLUMNS
    )
    return ImportKind(
        kind="registry",
        label="船舶登记信息",
        permission="maritime.change_vessel",
        list_url_name="maritime:vessel_list",
        columns=columns,
        match_rule="按MMSI更新已有船舶，没有的新增；导入的证书替换该船原有证书。",
        note="每行一本证书，一艘船有多本证书时分多行填写（船舶信息填在任一行即可）；AIS已报告的船名、呼号等不被覆盖。",
        run=_run_registry,
    )


KINDS: dict[str, ImportKind] = {kind: _info_kind(kind) for kind in IMPORTS} | {"registry": _registry_kind()}


def kinds_for(user: User) -> list[ImportKind]:
    """The kinds this user may import, in menu order."""
    return [k for k in KINDS.values() if user.has_perm(k.permission)]


def template_xlsx(kind: ImportKind) -> bytes:
    """The template workbook: the header row (required columns in red, drop-downs for choices) and the
    instructions sheet."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = kind.label
    ws.append(kind.headers)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for i, col in enumerate(kind.columns, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True, color="C00000" if col.required else "000000")
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center")
        cell.comment = Comment(("必填。" if col.required else "") + col.fmt, "TEIS")
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(12, min(40, max(len(col.header) * 2 + 4, len(col.example) * 2 + 2)))
        if col.allowed:
            dv = DataValidation(type="list", formula1='"' + ",".join(col.allowed) + '"', allow_blank=True)
            dv.error, dv.errorTitle = "请从下拉列表中选择", "填写有误"
            ws.add_data_validation(dv)
            dv.add(f"{letter}2:{letter}5000")
    ws.freeze_panes = "A2"

    notes = wb.create_sheet("填写说明")
    notes.append([f"{kind.label}导入说明"])
    notes["A1"].font = Font(bold=True, size=13)
    notes.append(["1. 在第一个工作表中从第2行起逐行填写，表头（第1行）不要修改；红色表头为必填列。"])
    notes.append([f"2. {kind.match_rule}"])
    notes.append(["3. 全部行校验通过才会导入；任何一行有误则不导入任何数据，页面列出每一行的错误。"])
    if kind.note:
        notes.append([f"4. {kind.note}"])
    notes.append([])
    notes.append(["列名", "是否必填", "格式要求", "示例"])
    for cell in notes[notes.max_row]:
        cell.font = Font(bold=True)
        cell.fill = fill
    for col in kind.columns:
        notes.append([col.header, "是" if col.required else "否", col.fmt, col.example])
    for letter, width in zip("ABCD", (18, 10, 40, 40), strict=True):
        notes.column_dimensions[letter].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

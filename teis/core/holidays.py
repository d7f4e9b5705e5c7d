"""The working-day calendar's upkeep (节假日安排): the audited write service, the Excel import of a State Council
notice, the import template, and the reminder to enter next year's notice.

- `calendar_service`: generic audited writes of `CalendarDay` and `HolidayNotice`, plus the snapshot
  invalidation of `core.workdays`; entering a year's notice closes the reminder todos of that year.
- `do_import_notice(actor, year, title, document_number, file)`: the year's arrangement from a workbook with the
  columns 日期, 类型 (放假 / 调休上班), 节日. Every row is checked first and nothing is saved while any row is
  wrong; the year's days not in the file are removed (the notice is the whole truth for its year); each
  created, changed or removed day is audited like a change made on the page.
- `remind_missing_notice(today)`: from 1 October, one open todo per system administrator while next year's
  notice is missing (idempotent by `source_key`).
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from typing import Any, BinaryIO

from django.db import models, transaction

from . import workdays
from .models import CalendarDay, CalendarDayKind, HolidayNotice
from .services import GenericService, ServiceError, fit

COLUMNS = ("日期", "类型", "节日")
KIND_WORDS = {
    "放假": CalendarDayKind.HOLIDAY,
    "休息": CalendarDayKind.HOLIDAY,
    "假日": CalendarDayKind.HOLIDAY,
    "调休上班": CalendarDayKind.WORKDAY,
    "上班": CalendarDayKind.WORKDAY,
    "补班": CalendarDayKind.WORKDAY,
}
MAX_IMPORT_ROWS = 400
REMINDER_MONTH = 10  # the State Council publishes the next year's arrangement in the autumn


def reminder_key(year: int) -> str:
    return f"calendar:notice:{year}"


class CalendarService(GenericService):
    """Writes of calendar days and notices: the generic audited write, then the calendar snapshot is dropped."""

    def do_create(self, actor: Any, model: type[models.Model], data: dict[str, Any]) -> models.Model:
        with transaction.atomic():
            if model is CalendarDay:
                check_day(data.get("date"), data.get("kind"))
            obj = super().do_create(actor, model, data)
            _changed(obj)
        return obj

    def do_update(self, actor: Any, obj: models.Model, data: dict[str, Any]) -> models.Model:
        with transaction.atomic():
            if isinstance(obj, CalendarDay):
                check_day(data.get("date", obj.date), data.get("kind", obj.kind))
            obj = super().do_update(actor, obj, data)
            _changed(obj)
        return obj

    def do_delete(self, actor: Any, obj: models.Model) -> None:
        with transaction.atomic():
            super().do_delete(actor, obj)
            workdays.invalidate()


def _changed(obj: models.Model) -> None:
    workdays.invalidate()
    if isinstance(obj, HolidayNotice):
        from .notify import complete_todos

        complete_todos(reminder_key(obj.year))


def check_day(day: datetime.date | None, kind: str | None) -> None:
    """A 调休 working day is a Saturday or Sunday: a weekday is a working day anyway."""
    if day is not None and kind == CalendarDayKind.WORKDAY and day.weekday() < 5:
        raise ServiceError("calendar_workday_weekday", "调休上班日应为周六或周日。", {"date": ["调休上班日应为周末"]})


calendar_service = CalendarService()


# --- seeding from the package ---------------------------------------------------------------------------------

PACKAGE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
PACKAGE_SOURCE = "chinesecalendar 1.11.0 数据"


def seed_from_package() -> int:
    """Enter the arrangements the `chinesecalendar` package knows (2004 onwards) where the calendar is empty:
    the data migration does this on a new database; `core.workdays` calls it when it finds no notice and no day
    at all (a test database flushed after a transactional test). Idempotent; returns the days added."""
    from chinese_calendar import constants

    rows = [
        CalendarDay(date=day, kind=kind, name=PACKAGE_NAMES.get(str(name), str(name)), source=PACKAGE_SOURCE)
        for kind, days in ((CalendarDayKind.HOLIDAY, constants.holidays), (CalendarDayKind.WORKDAY, constants.workdays))
        for day, name in days.items()
    ]
    with transaction.atomic():
        before = CalendarDay.objects.count()
        CalendarDay.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
        HolidayNotice.objects.bulk_create(
            [
                HolidayNotice(
                    year=year, title=f"国务院办公厅关于{year}年部分节假日安排的通知", remark=f"由{PACKAGE_SOURCE}导入"
                )
                for year in sorted({day.year for day in constants.holidays})
            ],
            ignore_conflicts=True,
        )
        return CalendarDay.objects.count() - before


# --- the import template ------------------------------------------------------------------------------------


def template_xlsx(year: int) -> bytes:
    """A workbook in the import layout, filled with the statutory holidays of `year` as computed: the
    administrator adds the notice's extra days off and its 调休 working days, and imports it."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = f"{year}年节假日安排"
    ws.append(list(COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for day, name in sorted(workdays.statutory_holidays(year).items()):
        ws.append([day, "放假", name])
        ws.cell(row=ws.max_row, column=1).number_format = "yyyy-mm-dd"
    for letter, width in zip("ABC", (14, 12, 20), strict=True):
        ws.column_dimensions[letter].width = width
    notes = wb.create_sheet("填写说明")
    for line in (
        "按国务院办公厅当年部分节假日安排通知填写，每个放假日（含假期内的周末）和每个调休上班日各占一行。",
        "日期：如 2027-02-05；类型：放假 或 调休上班；节日：如 春节。",
        "调休上班日必须是周六或周日。导入后，该年度不在文件中的日期将从节假日安排中删除。",
        "任何一行有误则不保存任何数据。",
    ):
        notes.append([line])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- the import -------------------------------------------------------------------------------------------------


@dataclass
class NoticeRow:
    line: int
    date: datetime.date
    kind: str
    name: str


@dataclass
class NoticeImportResult:
    year: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0

    def summary(self) -> str:
        return (
            f"{self.year} 年：新增 {self.created} 天，更新 {self.updated} 天，未变化 {self.unchanged} 天，"
            f"删除 {self.removed} 天。"
        )


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(value).strip()


def _parse_date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value).replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-").replace(".", "-")
    try:
        y, m, d = (int(part) for part in text.split("-"))
        return datetime.date(y, m, d)
    except ValueError:
        return None


def _fail(errors: list[str]) -> ServiceError:
    shown = errors[:50]
    more = f"（另有 {len(errors) - len(shown)} 处错误未列出）" if len(errors) > len(shown) else ""
    return ServiceError(
        "import_invalid",
        f"导入文件有 {len(errors)} 处错误，未保存任何数据。请修改后重新导入。{more}",
        {"file": shown},
    )


def read_notice_rows(file: bytes | BinaryIO, year: int) -> list[NoticeRow]:
    """Parse and check every row; raise one ServiceError naming each bad row."""
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
    missing = [c for c in COLUMNS[:2] if c not in header]
    if missing:
        wb.close()
        raise _fail([f"第 1 行（表头）：缺少列“{c}”。表头应为：{'、'.join(COLUMNS)}。" for c in missing])
    index = {name: header.index(name) for name in COLUMNS if name in header}

    def cell(values: tuple[Any, ...], name: str) -> Any:
        i = index.get(name)
        return values[i] if i is not None and i < len(values) else None

    first, last = datetime.date(year - 1, 12, 1), datetime.date(year, 12, 31)
    errors: list[str] = []
    parsed: list[NoticeRow] = []
    seen: dict[datetime.date, int] = {}
    for line, values in enumerate(rows, start=2):
        if line - 1 > MAX_IMPORT_ROWS:
            errors.append(f"行数超过上限 {MAX_IMPORT_ROWS} 行。")
            break
        if values is None or all(_text(v) == "" for v in values):
            continue
        raw_date, kind_text, name = cell(values, "日期"), _text(cell(values, "类型")), _text(cell(values, "节日"))
        row_errors = []
        day = _parse_date(raw_date)
        if day is None:
            shown = _text(raw_date)
            row_errors.append(f"日期“{shown}”无法识别（应如 {year}-01-01）" if shown else "日期不能为空")
        elif not first <= day <= last:
            row_errors.append(f"日期 {day:%Y-%m-%d} 不属于 {year} 年的安排")
        kind = KIND_WORDS.get(kind_text)
        if kind is None:
            row_errors.append(f"类型“{kind_text}”应为“放假”或“调休上班”" if kind_text else "类型不能为空")
        elif day is not None and kind == CalendarDayKind.WORKDAY and day.weekday() < 5:
            row_errors.append(f"{day:%Y-%m-%d} 是工作日，调休上班日应为周六或周日")
        if len(name) > 60:
            row_errors.append("节日不能超过 60 个字符")
        if day is not None and day in seen:
            row_errors.append(f"日期 {day:%Y-%m-%d} 与第 {seen[day]} 行重复")
        if day is not None:
            seen.setdefault(day, line)
        if row_errors:
            errors.append(f"第 {line} 行：" + "；".join(row_errors) + "。")
        else:
            parsed.append(NoticeRow(line, day, kind, name))  # type: ignore[arg-type]
    wb.close()
    if errors:
        raise _fail(errors)
    return parsed


def do_import_notice(
    actor: Any, year: int, title: str, document_number: str, file: bytes | BinaryIO
) -> NoticeImportResult:
    """Enter one year's State Council notice from a workbook, in one transaction (see the module docstring)."""
    if not 2000 <= year <= 2100:
        raise ServiceError("calendar_year", "年度应在 2000 至 2100 之间。", {"year": ["年度无效"]})
    if not title.strip():
        raise ServiceError("calendar_title", "请填写通知名称。", {"title": ["必填"]})
    rows = read_notice_rows(file, year)
    if not rows:
        raise ServiceError("import_empty", "导入文件没有数据行。", {"file": ["没有数据行"]})
    result = NoticeImportResult(year)
    with transaction.atomic():
        source = (document_number or title).strip()[:200]
        in_file = {row.date: row for row in rows}
        existing = {
            day.date: day
            for day in CalendarDay.objects.select_for_update().filter(
                date__gte=min(datetime.date(year, 1, 1), *in_file), date__lte=datetime.date(year, 12, 31)
            )
        }
        for day, obj in existing.items():
            if day.year == year and day not in in_file:
                calendar_service.do_delete(actor, obj)
                result.removed += 1
        for row in rows:
            current = existing.get(row.date)
            data = {"kind": row.kind, "name": row.name, "source": source}
            if current is None:
                calendar_service.do_create(actor, CalendarDay, {"date": row.date, **data})
                result.created += 1
            elif (current.kind, current.name, current.source) == (row.kind, row.name, source):
                result.unchanged += 1
            else:
                calendar_service.do_update(actor, current, data)
                result.updated += 1
        notice_data = {
            "title": fit(HolidayNotice, "title", title, strip=True),
            "document_number": fit(HolidayNotice, "document_number", document_number, strip=True),
        }
        notice = HolidayNotice.objects.filter(year=year).first()
        if notice is None:
            calendar_service.do_create(actor, HolidayNotice, {"year": year, **notice_data})
        else:
            calendar_service.do_update(actor, notice, notice_data)
        workdays.invalidate()
    return result


# --- the reminder -----------------------------------------------------------------------------------------------


def system_administrators() -> list[Any]:
    from django.contrib.auth import get_user_model

    User = get_user_model()
    # the role whose 三员 kind is "system" (org.choices.AdminKind.SYSTEM); core does not import org's models
    users = User.objects.filter(is_active=True, officer__roles__admin_kind="system", officer__status="active")
    return list(users.distinct().order_by("pk"))


def remind_missing_notice(today: datetime.date | None = None) -> int:
    """From 1 October, a todo for each system administrator while next year's notice is not entered; a user who
    already has the open todo gets no second one. Returns how many todos were posted."""
    from django.urls import reverse
    from django.utils import timezone

    from .models import TodoItem, TodoStatus
    from .notify import post_todo

    today = today or timezone.localdate()
    year = today.year + 1
    if today.month < REMINDER_MONTH or HolidayNotice.objects.filter(year=year).exists():
        return 0
    key = reminder_key(year)
    reminded = set(TodoItem.objects.filter(source_key=key, status=TodoStatus.OPEN).values_list("user_id", flat=True))
    posted = 0
    with transaction.atomic():
        for user in system_administrators():
            if user.pk in reminded:
                continue
            post_todo(
                user,
                f"录入{year}年节假日安排（国务院办公厅放假通知）",
                category="节假日安排",
                url=reverse("core:calendar") + f"?year={year}",
                source_key=key,
            )
            posted += 1
    return posted

"""Seed the working-day calendar with the State Council arrangements of the years the `chinesecalendar` package
knows (2004 onwards), so the table starts with the data `core.workdays` used before it read the table."""

from django.db import migrations

NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
SOURCE = "chinesecalendar 1.11.0 数据"


def seed(apps, schema_editor):
    try:
        from chinese_calendar import constants
    except ImportError:  # the package is only needed to seed; the administrators maintain the table afterwards
        return
    CalendarDay = apps.get_model("core", "CalendarDay")
    HolidayNotice = apps.get_model("core", "HolidayNotice")
    known = set(CalendarDay.objects.values_list("date", flat=True))
    rows = [
        CalendarDay(date=day, kind="holiday", name=NAMES.get(str(name), str(name)), source=SOURCE)
        for day, name in constants.holidays.items()
        if day not in known
    ] + [
        CalendarDay(date=day, kind="workday", name=NAMES.get(str(name), str(name)), source=SOURCE)
        for day, name in constants.workdays.items()
        if day not in known
    ]
    CalendarDay.objects.bulk_create(rows, batch_size=500)
    years = sorted({day.year for day in constants.holidays})
    noticed = set(HolidayNotice.objects.values_list("year", flat=True))
    HolidayNotice.objects.bulk_create(
        HolidayNotice(year=year, title=f"国务院办公厅关于{year}年部分节假日安排的通知", remark=f"由{SOURCE}导入")
        for year in years
        if year not in noticed
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0003_holiday_calendar")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

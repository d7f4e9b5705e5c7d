"""`manage.py inspections_verify_draw PLAN`: re-run a plan's draw from its published inputs (revealed seed,
frozen candidate lists, rules) and confirm the identical result. Exit code 0 when identical, 1 otherwise.
PLAN is the plan code (SJ…) or its id."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from teis.inspections.models import InspectionPlan
from teis.inspections.services.plans import verify_draw


class Command(BaseCommand):
    help = "按公开的随机种子、冻结名单和规则重新抽取，核对双随机抽取结果是否一致"

    def add_arguments(self, parser):
        parser.add_argument("plan", help="计划编号（SJ…）或 id")

    def handle(self, *args, plan: str, **options):
        qs = InspectionPlan.objects.all()
        found = qs.filter(code=plan).first() or (qs.filter(pk=int(plan)).first() if plan.isdigit() else None)
        if found is None:
            raise CommandError(f"抽查计划 {plan} 不存在")
        ok, lines = verify_draw(found)
        self.stdout.write(f"抽查计划 {found.code} {found.name}")
        for line in lines:
            self.stdout.write(line)
        if ok:
            self.stdout.write(self.style.SUCCESS("核验通过：抽取结果可由公开输入完全复现。"))
            return
        self.stderr.write(self.style.ERROR("核验失败：抽取结果与公开输入不一致。"))
        raise SystemExit(1)

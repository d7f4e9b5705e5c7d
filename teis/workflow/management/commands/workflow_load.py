from django.core.management.base import BaseCommand

from teis.core.services import ServiceError
from teis.workflow.services import ensure_definitions, process_files


class Command(BaseCommand):
    help = "加载各应用 processes/ 目录下的 BPMN 流程定义（内容变化时生成新版本）"

    def handle(self, *args, **options):
        try:
            definitions = ensure_definitions(None)
        except ServiceError as exc:
            self.stderr.write(self.style.ERROR(exc.message))
            raise SystemExit(1) from exc
        for d in definitions:
            self.stdout.write(f"{d.key} v{d.version}{'（当前）' if d.is_current else ''}")
        self.stdout.write(
            self.style.SUCCESS(f"已加载 {len(definitions)} 个流程定义（共 {len(process_files())} 个文件）")
        )

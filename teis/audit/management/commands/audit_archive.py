"""`manage.py audit_archive --days N`: archive and remove audit records older than N days (N ≥ 180)."""

from django.core.management.base import BaseCommand, CommandError

from teis.audit.services import archive_old_records
from teis.core.services import ServiceError


class Command(BaseCommand):
    help = "将超过保存期限的审计记录写入归档文件（gzip JSON Lines，附 SM3 摘要）后从数据库移除。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=None, help="保存天数，不得少于 180；默认取 TEIS_AUDIT_RETENTION_DAYS"
        )

    def handle(self, *args, days=None, **options):
        try:
            archives = archive_old_records(None, days=days)
        except ServiceError as err:
            raise CommandError(err.message)
        if not archives:
            self.stdout.write("没有超过保存期限的审计记录，无需归档。")
            return
        for a in archives:
            self.stdout.write(f"已归档记录 {a.first_id}–{a.last_id} 共 {a.count} 条：{a.file_name}（SM3 {a.sm3}）")
        self.stdout.write(self.style.SUCCESS(f"归档完成：共 {sum(a.count for a in archives)} 条。"))

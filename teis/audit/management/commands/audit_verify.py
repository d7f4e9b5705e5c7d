"""`manage.py audit_verify`: check the SM3 hash chain of the audit trail (and, with --archives, the files)."""

from django.core.management.base import BaseCommand, CommandError

from teis.audit.models import AuditArchive
from teis.audit.services import verify_archive, verify_chain


class Command(BaseCommand):
    help = "校验审计记录的 HMAC-SM3 哈希链及导出的签名检查点；链条断裂时以非零状态退出并给出第一条异常记录编号。"

    def add_arguments(self, parser):
        parser.add_argument("--archives", action="store_true", help="同时校验全部归档文件")

    def handle(self, *args, archives=False, **options):
        failures = []
        if archives:
            for archive in AuditArchive.objects.order_by("first_id"):
                check = verify_archive(archive)
                if check.ok:
                    self.stdout.write(f"归档文件 {archive.file_name}：完整，{check.checked} 条记录")
                else:
                    failures.append(f"归档文件 {archive.file_name} 异常（记录 {check.broken_id}）：{check.reason}")
        check = verify_chain()
        if not check.ok:
            failures.insert(
                0,
                f"审计记录哈希链校验失败：第一条异常记录编号 {check.broken_id}，{check.reason}"
                f"（此前已校验 {check.checked} 条）",
            )
        if failures:
            raise CommandError("\n".join(failures), returncode=2)
        if check.checkpoints:
            note = f"，与签名检查点 {check.checkpoints} 个一致"
        else:
            note = "（尚无签名检查点：运行 audit_checkpoint 或等待定时任务）"
        self.stdout.write(self.style.SUCCESS(f"审计记录哈希链完整：已校验 {check.checked} 条记录{note}。"))

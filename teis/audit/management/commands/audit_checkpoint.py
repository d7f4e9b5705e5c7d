"""`manage.py audit_checkpoint`: export a signed checkpoint of the audit chain head now (the job does it too)."""

from django.core.management.base import BaseCommand, CommandError

from teis.audit.checkpoints import write_checkpoint


class Command(BaseCommand):
    help = "校验审计链后，将链头（记录编号、摘要、记录数、时间）签名写入检查点目录 TEIS_AUDIT_CHECKPOINT_DIR。"

    def handle(self, *args, **options):
        try:
            cp = write_checkpoint()
        except RuntimeError as err:
            raise CommandError(str(err), returncode=2)
        if cp is None:
            self.stdout.write("审计记录无新增，无需写检查点。")
            return
        self.stdout.write(self.style.SUCCESS(f"已写检查点：截至记录 {cp.last_id}，共 {cp.count} 条：{cp.path}"))

"""`manage.py backup`: write one verifiable backup (database, files, audit checkpoints, encrypted keys)."""

import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from teis.core.backup import BackupError, create_backup, passphrase_from_env, prune_backups


class Command(BaseCommand):
    help = (
        "备份数据库、文件库（含 SM3 清单）、审计检查点和密钥材料（以备份口令加密）到一个备份文件；"
        "口令取自环境变量 TEIS_BACKUP_PASSPHRASE，未设置时提示输入。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, default=None, help="备份目录，默认 TEIS_BACKUP_DIR")
        parser.add_argument("--keep", type=int, default=None, help="只保留最新的 N 个备份（默认不删除）")

    def handle(self, *args: Any, output: Path | None = None, keep: int | None = None, **options: Any) -> None:
        passphrase = passphrase_from_env()
        if not passphrase and options.get("interactive", True):
            passphrase = getpass.getpass("备份口令：")
            if passphrase != getpass.getpass("再次输入备份口令："):
                raise CommandError("两次输入的口令不一致")
        try:
            result = create_backup(passphrase, output)
        except BackupError as err:
            raise CommandError(str(err))
        self.stdout.write(
            self.style.SUCCESS(
                f"备份完成：{result.path}（数据库 {result.database}，文件 {result.files} 个，"
                f"审计检查点 {result.checkpoints} 个，{result.bytes} 字节）"
            )
        )
        if keep:
            for path in prune_backups(output, keep):
                self.stdout.write(f"已删除旧备份：{path}")

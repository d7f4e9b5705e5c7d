"""`manage.py restore FILE`: verify a backup, then rebuild an empty installation from it."""

import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from teis.core.backup import BackupError, passphrase_from_env, restore_backup, verify_backup


class Command(BaseCommand):
    help = (
        "校验备份文件（清单签名与每个成员的 SM3），再恢复到空数据库和空文件目录，并写回密钥文件；"
        "口令取自环境变量 TEIS_BACKUP_PASSPHRASE，未设置时提示输入。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="备份文件（teis-backup-*.tar）")
        parser.add_argument("--verify-only", action="store_true", help="只校验，不恢复")

    def handle(self, *args: Any, file: Path, verify_only: bool = False, **options: Any) -> None:
        passphrase = passphrase_from_env() or getpass.getpass("备份口令：")
        try:
            if verify_only:
                manifest, _ = verify_backup(file, passphrase)
                self.stdout.write(
                    self.style.SUCCESS(
                        f"备份完整：{manifest['created_at']}，{len(manifest['members'])} 个成员的 SM3 均一致"
                    )
                )
                return
            result = restore_backup(file, passphrase)
        except BackupError as err:
            raise CommandError(str(err), returncode=2)
        self.stdout.write(
            self.style.SUCCESS(
                f"恢复完成：数据库（{result['database']}，备份于 {result['created_at']}），"
                f"文件 {result['files']} 个，审计检查点 {result['checkpoints']} 个"
            )
        )
        self.stdout.write("已写回密钥文件：" + "、".join(result["key_files"]))
        self.stdout.write(
            "若生产环境以环境变量配置密钥（SECRET_KEY、TEIS_SM4_KEYS、TEIS_INDEX_KEY、TEIS_AUDIT_KEY），"
            "请按上述文件设置相同的值，然后运行 manage.py migrate 与 manage.py audit_verify。"
        )

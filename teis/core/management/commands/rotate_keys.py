"""Re-encrypt every SM4-encrypted field with the current key version (TEIS_SM4_KEY_VERSION).

Set the new key in TEIS_SM4_KEYS (keeping the old ones), raise TEIS_SM4_KEY_VERSION, run this command,
then the old key may be removed. Runs in batches; safe to run again (already rotated rows are skipped).
"""

from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.db.models import Model

from teis.core import crypto
from teis.core.fields import EncryptedCharField


def encrypted_fields() -> Iterator[tuple[type[Model], EncryptedCharField]]:
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedCharField):
                yield model, field


def rotate(batch: int = 500) -> dict[str, int]:
    current = settings.TEIS_SM4_KEY_VERSION
    counts: dict[str, int] = {}
    for model, field in encrypted_fields():
        table, column, pk = model._meta.db_table, field.column, model._meta.pk.column
        qn = connection.ops.quote_name
        with connection.cursor() as cur:
            cur.execute(f"SELECT {qn(pk)}, {qn(column)} FROM {qn(table)} WHERE {qn(column)} <> ''")  # noqa: S608
            rows = cur.fetchall()
        stale = [(pk_value, token) for pk_value, token in rows if crypto.token_key_version(token) != current]
        for start in range(0, len(stale), batch):
            with transaction.atomic():
                for pk_value, token in stale[start : start + batch]:
                    # The field encrypts with the current key version on the way to the database.
                    plaintext = crypto.sm4_decrypt(token)
                    model._base_manager.filter(pk=pk_value).update(**{field.attname: plaintext})
        counts[f"{model._meta.label}.{field.name}"] = len(stale)
    return counts


class Command(BaseCommand):
    help = "用当前密钥版本重新加密所有 SM4 加密字段"

    def handle(self, *args: Any, **options: Any) -> None:
        counts = rotate()
        for name, n in counts.items():
            self.stdout.write(f"{name}: 重新加密 {n} 条")
        self.stdout.write(self.style.SUCCESS(f"完成，当前密钥版本 v{settings.TEIS_SM4_KEY_VERSION}"))

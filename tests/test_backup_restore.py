"""Backup and restore drill (issue 16): back up a running installation, restore it on a "new machine" (a fresh
var/ directory, an empty database and an empty media folder, in another process), and compare row counts, the
SM3 of every file, the audit chain and the decryption of every personal-data field."""

import json
import os
import subprocess
import sys
import tarfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from teis.core import crypto

ROOT = Path(__file__).resolve().parent.parent
PASSPHRASE = "备份口令-Drill-2026"


def installation_state() -> dict:
    """Row counts of every table, every encrypted field decrypted, the SM3 of every stored file."""
    from django.apps import apps

    from teis.core.fields import EncryptedCharField
    from teis.core.storage import get_storage

    counts = {}
    with connection.cursor() as cur:
        for table in connection.introspection.table_names():
            cur.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 (introspected names)
            counts[table] = cur.fetchone()[0]
    decrypted = []
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, EncryptedCharField):
                decrypted += [v for v in model._base_manager.values_list(f.attname, flat=True) if v]
    storage = get_storage()
    files = {}

    def walk(prefix):
        dirs, names = storage.listdir(prefix or ".")
        for name in names:
            with storage.open(prefix + name, "rb") as fh:
                files[prefix + name] = crypto.sm3_file_hex(fh)
        for d in dirs:
            walk(prefix + d + "/")

    walk("")
    return {"counts": counts, "decrypted": sorted(decrypted), "files": files}


# Run by `manage.py shell` inside the restored installation.
PROBE = "import json; from tests.test_backup_restore import installation_state as s; print(json.dumps(s()))"


def _manage(args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def _new_machine_env(tmp_path, database_url):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE",)}
    var = tmp_path / "new-machine-var"
    var.mkdir()
    env.update(
        TEIS_TESTING="0",
        TEIS_VAR_DIR=str(var),
        DATABASE_URL=database_url(var),
        TEIS_BACKUP_PASSPHRASE=PASSPHRASE,
        PYTHONPATH=str(ROOT),
    )
    for name in ("MEDIA_ROOT", "STORAGE_URL", "SECRET_KEY", "TEIS_SM4_KEYS", "TEIS_INDEX_KEY", "TEIS_AUDIT_KEY"):
        env.pop(name, None)
    return env, var


@pytest.fixture
def restore_target():
    """A database URL factory for the new machine: a SQLite file, or a new empty PostgreSQL database."""
    if connection.vendor == "sqlite":
        yield lambda var: f"sqlite:///{var / 'teis.sqlite3'}"
        return
    import psycopg

    db = connection.settings_dict
    name = db["NAME"] + "_restore"
    params = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"], "dbname": "postgres"}
    if db.get("PASSWORD"):
        params["password"] = db["PASSWORD"]
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    yield lambda var: f"postgres://{auth}@{params['host']}:{params['port']}/{name}"
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def installation(settings, tmp_path, make_user, monkeypatch):
    """Personal data, stored files, audit records and a signed checkpoint, all committed."""
    from teis.audit.checkpoints import write_checkpoint
    from teis.core.storage import get_storage

    if connection.vendor == "postgresql" and not all(map(_which, ("pg_dump", "pg_restore"))):
        pytest.skip("pg_dump / pg_restore are not installed")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGE_URL = ""
    settings.TEIS_AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    monkeypatch.setenv("TEIS_BACKUP_PASSPHRASE", PASSPHRASE)
    make_user(id_number="11010519491231002X", phone="13912345678", username="drill1")
    make_user(id_number="310101199001011237", phone="13800001111", username="drill2")
    storage = get_storage()
    storage.save("evidence/2026/photo.jpg", ContentFile(b"\xff\xd8\xff" + os.urandom(4000)))
    storage.save("petitions/附件.pdf", ContentFile(b"%PDF-1.4 " + os.urandom(2000)))
    write_checkpoint()
    return tmp_path


def _which(name):
    from shutil import which

    return which(name) is not None


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_on_a_new_machine(installation, restore_target, settings):
    tmp_path = installation
    out = StringIO()
    call_command("backup", "--output", str(tmp_path / "backups"), stdout=out)
    assert "备份完成" in out.getvalue()
    (archive,) = (tmp_path / "backups").glob("teis-backup-*.tar")
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
        keys_blob = tar.extractfile("keys.enc").read()
    assert {"manifest.json", "manifest.mac", "keys.enc", "media.json"} <= set(names)
    assert any(n.startswith("database.") for n in names)
    assert "media/evidence/2026/photo.jpg" in names and any(n.startswith("audit_checkpoints/") for n in names)
    assert settings.SECRET_KEY.encode() not in keys_blob  # key material only encrypted
    source = installation_state()
    assert len(source["decrypted"]) >= 4
    assert manifest["members"]["media/evidence/2026/photo.jpg"] == source["files"]["evidence/2026/photo.jpg"]

    env, var = _new_machine_env(tmp_path, restore_target)
    restored = _manage(["restore", str(archive)], env)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "恢复完成" in restored.stdout
    verified = _manage(["audit_verify"], env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "签名检查点 1 个一致" in verified.stdout
    probe = _manage(["shell", "-v", "0", "-c", PROBE], env)
    assert probe.returncode == 0, probe.stderr
    state = json.loads(probe.stdout.strip().splitlines()[-1])
    assert state["decrypted"] == source["decrypted"]
    assert "11010519491231002X" in state["decrypted"]
    assert state["files"] == source["files"]
    for table, count in source["counts"].items():
        if table in ("django_cache", "teis_cache"):
            continue
        assert state["counts"].get(table) == count, table

    # a second restore into the now populated installation is refused
    again = _manage(["restore", str(archive)], env)
    assert again.returncode != 0 and "不是空库" in again.stderr


@pytest.mark.django_db(transaction=True)
def test_tampered_backup_or_wrong_passphrase_is_refused(installation, monkeypatch):
    tmp_path = installation
    call_command("backup", "--output", str(tmp_path / "b"), stdout=StringIO())
    (archive,) = (tmp_path / "b").glob("*.tar")
    monkeypatch.setenv("TEIS_BACKUP_PASSPHRASE", "wrong")
    with pytest.raises(CommandError) as exc:
        call_command("restore", str(archive), "--verify-only", stdout=StringIO())
    assert "口令" in str(exc.value)
    monkeypatch.setenv("TEIS_BACKUP_PASSPHRASE", PASSPHRASE)
    out = StringIO()
    call_command("restore", str(archive), "--verify-only", stdout=out)
    assert "备份完整" in out.getvalue()
    # flip one byte of a stored file inside the archive
    data = bytearray(archive.read_bytes())
    marker = data.find(b"%PDF-1.4 ")
    data[marker + 20] ^= 0xFF
    archive.write_bytes(bytes(data))
    with pytest.raises(CommandError) as exc:
        call_command("restore", str(archive), "--verify-only", stdout=StringIO())
    assert "SM3" in str(exc.value)


@pytest.mark.django_db(transaction=True)
def test_scheduled_backup_job_keeps_the_newest_and_reports_on_the_jobs_page(installation, settings, monkeypatch):
    from teis.core.jobs import PERIODIC
    from teis.core.models import JobRun
    from teis.core.tasks import scheduled_backup

    settings.TEIS_BACKUP_DIR = installation / "nightly"
    settings.TEIS_BACKUP_KEEP = 2
    settings.TEIS_BACKUP_DIR.mkdir()
    for stamp in ("20260101-012000", "20260102-012000", "20260103-012000"):
        (settings.TEIS_BACKUP_DIR / f"teis-backup-{stamp}.tar").write_bytes(b"old")
    assert PERIODIC["teis.core.tasks.scheduled_backup"].label == "系统备份"
    scheduled_backup.call_local()
    run = JobRun.objects.filter(name="teis.core.tasks.scheduled_backup").get()
    assert run.ok and "删除旧备份 2 个" in run.result
    kept = sorted(p.name for p in settings.TEIS_BACKUP_DIR.glob("teis-backup-*.tar"))
    assert len(kept) == 2 and kept[0] == "teis-backup-20260103-012000.tar"
    monkeypatch.delenv("TEIS_BACKUP_PASSPHRASE")
    with pytest.raises(Exception):
        scheduled_backup.call_local()
    failed = JobRun.objects.filter(name="teis.core.tasks.scheduled_backup", ok=False).get()
    assert "TEIS_BACKUP_PASSPHRASE" in failed.result

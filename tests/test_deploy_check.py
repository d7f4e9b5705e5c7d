"""`manage.py check --deploy` is clean with production variables, and DEBUG is off unless set."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DEBUG": "0",
    "TEIS_TESTING": "0",
    "SECRET_KEY": "x" * 20 + "production-secret-key-with-enough-entropy-1234567890",
    "SECURE_SSL_REDIRECT": "1",
    "SESSION_COOKIE_SECURE": "1",
    "CSRF_COOKIE_SECURE": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
}


def manage(*args, extra_env=None):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(extra_env or {})
    env["TEIS_VAR_DIR"] = str(ROOT / "var" / "test-deploy")
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_clean_with_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", extra_env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_debug_off_by_default():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        extra_env={"TEIS_TESTING": "0", "DEBUG": ""},
    )
    assert result.stdout.strip().endswith("False"), result.stderr


def test_no_missing_migrations():
    result = manage("makemigrations", "--check", "--dry-run", extra_env={"TEIS_TESTING": "0"})
    assert result.returncode == 0, result.stdout + result.stderr


def _documented_variables(tmp_dir) -> dict:
    """The variables of docs/deploy.md's "必须设置的变量" block, placeholders filled with sample values."""
    text = (ROOT / "docs" / "deploy.md").read_text()
    block = text.split("## 必须设置的变量", 1)[1].split("```", 2)[1]
    samples = {
        "SECRET_KEY": "y" * 20 + "documented-production-secret-key-0123456789",
        "TEIS_SM4_KEYS": "1=" + "ab" * 16,
        "TEIS_INDEX_KEY": "cd" * 32,
        "TEIS_AUDIT_KEY": "ef" * 32,
        "TEIS_BACKUP_PASSPHRASE": "sample passphrase",
        "OIDC_RSA_PRIVATE_KEY": "",  # generated under var/ when empty
    }
    env = {}
    for line in block.splitlines():
        for token in line.split("#", 1)[0].split():
            name, _, value = token.partition("=")
            if name in samples:
                value = samples[name]
            elif value.startswith("/"):
                value = str(tmp_dir / name.lower())
            env[name] = value
    return env


def test_check_deploy_clean_with_the_variables_docs_deploy_lists(tmp_path):
    env = _documented_variables(tmp_path)
    assert {"SECURE_HSTS_PRELOAD", "TEIS_AUDIT_KEY", "TEIS_AUDIT_CHECKPOINT_DIR", "TEIS_BACKUP_PASSPHRASE"} <= set(env)
    result = manage("check", "--deploy", "--fail-level", "WARNING", extra_env={**env, "TEIS_TESTING": "0"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout

"""`manage.py teis_banner --port N`: the address to open and the demo logins, printed by scripts/run.sh."""

from __future__ import annotations

import unicodedata

from django.core.management.base import BaseCommand


def display_width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters are two wide."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(display_width(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    line = "  +" + "+".join("-" * (w + 2) for w in widths) + "+"
    out = [line, "  | " + " | ".join(pad(h, w) for h, w in zip(headers, widths, strict=True)) + " |", line]
    out += ["  | " + " | ".join(pad(c, w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    out.append(line)
    return out


def demo_rows() -> tuple[list[list[str]], bool]:
    """(rows of 账号 / 密码 / 角色 / 单位, whether the demo data is loaded)."""
    from teis.org.demo import DEMO_LOGINS, DEMO_PASSWORD
    from teis.org.roles import ROLE_DEFS

    role_names = {r.code: r.name for r in ROLE_DEFS}
    loaded = True
    try:
        from django.contrib.auth import get_user_model

        present = set(
            get_user_model()
            .objects.filter(username__in=[d.username for d in DEMO_LOGINS])
            .values_list("username", flat=True)
        )
        loaded = bool(present)
    except Exception:  # database not migrated yet: still print the table
        present = {d.username for d in DEMO_LOGINS}
    rows = [
        [d.username, DEMO_PASSWORD, role_names.get(d.role_code, d.role_code), " / ".join(d.unit_path) or "执法总队"]
        for d in DEMO_LOGINS
        if d.username in present or not loaded
    ]
    return rows, loaded


class Command(BaseCommand):
    help = "打印访问地址和演示账号（账号 / 密码 / 角色）。"

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="Web 服务端口")
        parser.add_argument("--host", default="127.0.0.1", help="Web 服务地址")

    def handle(self, *args, port: int, host: str, **options):
        rows, loaded = demo_rows()
        lines = [
            "",
            "=" * 64,
            "  TEIS 交通综合执法信息系统",
            f"  访问地址：http://{host}:{port}/",
            f"  接口文档：http://{host}:{port}/api/docs/",
            "=" * 64,
            "  演示账号（演示账号登录后无需修改密码）：",
            *table(["账号", "密码", "角色", "单位"], rows),
        ]
        if loaded:
            lines.append("  其他演示人员账号 zf00001 起，初始密码同上，首次登录须修改密码。")
        else:
            lines.append("  尚未载入演示数据：请先运行 manage.py seed_demo。")
        lines.append("  按 Ctrl-C 停止服务。")
        lines.append("")
        self.stdout.write("\n".join(lines))

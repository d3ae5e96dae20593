"""`pingan demo`: load every app's demo data (idempotent) and print the demo logins."""

from __future__ import annotations

import unicodedata

from django.core.management.base import BaseCommand
from django.db import transaction

from pingan.core.demo import DemoLogin, loaders, run_all


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_logins(logins: list[DemoLogin]) -> str:
    header = DemoLogin("用户名", "角色", "单位", "密码")
    rows = [header, *logins]
    widths = [max(_width(getattr(r, f)) for r in rows) for f in ("username", "role", "agency", "password")]
    lines = []
    for i, r in enumerate(rows):
        cells = [r.username, r.role, r.agency, r.password]
        lines.append("  ".join(_pad(c, w) for c, w in zip(cells, widths, strict=True)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


class Command(BaseCommand):
    help = "载入演示数据（可重复运行）并打印演示账号。"

    def handle(self, *args, **options):
        with transaction.atomic():
            logins = run_all(stdout=self.stdout)
        names = ", ".join(loader.name for loader in loaders())
        self.stdout.write(f"演示数据已就绪（{names}）。演示账号：")
        self.stdout.write(format_logins(logins))

"""`pingan create_token USER --name N --scope read [--scope write] [--days D]`: create an API
token for a system or device account. The token is printed once, on the last line."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from pingan.orgs.api_auth import SCOPES
from pingan.orgs.models import User
from pingan.orgs.services_tokens import create_token


class Command(BaseCommand):
    help = "为用户创建 API 令牌（令牌只显示一次）。"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="令牌名称，如“定位终端 01”")
        parser.add_argument("--scope", action="append", required=True, choices=sorted(SCOPES), dest="scopes")
        parser.add_argument("--days", type=int, default=None, help="有效天数；不填则不过期")

    def handle(self, *args, username: str, name: str, scopes: list[str], days: int | None, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no such user: {username}")
        expires_at = timezone.now() + timedelta(days=days) if days else None
        try:
            row, plaintext = create_token(user=user, name=name, scopes=scopes, expires_at=expires_at, by=None)
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        self.stderr.write(f"token {row.prefix} for {user.username}, scopes {','.join(row.scopes)}; shown once:")
        self.stdout.write(plaintext)

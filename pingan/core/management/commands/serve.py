"""`pingan serve`: the production-grade web server (granian, WSGI) in front of pingan.

Static files are served by whitenoise from STATIC_ROOT (run `pingan collectstatic` first; in
development whitenoise also finds them in the apps). One PostgreSQL connection per thread: keep
workers × threads below the server's connection limit.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "运行 Web 服务（granian，WSGI）。"

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
        parser.add_argument("--port", type=int, default=8000, help="端口（默认 8000）")
        parser.add_argument("--workers", type=int, default=1, help="进程数（默认 1）")
        parser.add_argument("--threads", type=int, default=8, help="每个进程的请求线程数（默认 8）")
        parser.add_argument("--access-log", action="store_true", help="输出访问日志")

    def handle(self, *args, host: str, port: int, workers: int, threads: int, access_log: bool, **options):
        from granian.constants import Interfaces
        from granian.server import Server

        if not 0 < port < 65536:
            raise CommandError(f"invalid port {port}")
        if workers < 1 or threads < 1:
            raise CommandError("--workers and --threads must be at least 1")
        shown = f"[{host}]" if ":" in host else host
        self.stdout.write(f"pingan: http://{shown}:{port}/  (workers={workers}, threads={threads})")
        self.stdout.flush()
        server = Server(
            "pingan.config.wsgi:application",
            address=host,
            port=port,
            interface=Interfaces.WSGI,
            workers=workers,
            blocking_threads=threads,
            log_access=access_log,
        )
        server.serve()

"""`pingan verify-audit`: walk the audit log's hash chain and report every break."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from pingan.core.audit import verify_chain

KIND_LABELS = {
    "changed": "已被修改",
    "deleted": "已被删除",
    "reordered": "顺序被调换",
    "broken_link": "链接断开",
    "anchor": "与锚点不符",
}


def _anchor(value: str) -> tuple[int, str]:
    seq, _, digest = value.partition(":")
    if not seq.isdigit() or len(digest) != 64:
        raise CommandError(f"--anchor expects SEQ:HASH (64 hex digits), got {value!r}")
    return int(seq), digest.lower()


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; list changed, deleted and reordered entries."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument(
            "--anchor",
            action="append",
            default=[],
            metavar="SEQ:HASH",
            help="a seq/hash pair printed by an earlier run; detects truncation and rewritten tails",
        )

    def handle(self, *args, **options):
        anchors = dict(_anchor(a) for a in options["anchor"])
        report = verify_chain(batch_size=options["batch_size"], anchors=anchors)
        if report.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"audit chain intact: {report.count} entries, last seq {report.last_seq}, "
                    f"last hash {report.last_hash}"
                )
            )
            return
        for p in report.problems:
            self.stderr.write(f"#{p.seq}\t{p.kind}\t{KIND_LABELS.get(p.kind, p.kind)}\t{p.detail}")
        raise CommandError(
            f"audit chain BROKEN: {len(report.problems)} problem(s) in {report.count} entries "
            f"(last seq {report.last_seq})"
        )

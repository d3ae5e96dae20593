"""Court ledger import benchmark: the JSON batch API (POST /api/v1/court/import/cases) with N
historical cases (default 3000, the size of the seed's 2022 cohort), as the court's clerk:
a dry run, the import, and a re-import of the same batch (every row unchanged → skipped),
each with its wall time, rows/s and SQL queries.

    python benchmarks/court_import.py                       # SQLite; PostgreSQL too when DATABASE_URL is set
    python benchmarks/court_import.py --backends sqlite,postgresql --cases 3000

Each backend runs in a fresh database in a child process (SQLite file in a temp dir; PostgreSQL
database `pingan_bench_court` on DATABASE_URL's server, dropped and recreated). Baseline: the
court's single-case services, ~0.3 s per case through intake → consent → delegation → outcome on
this machine (tests/statistics/test_seed_figures.py's note), i.e. ~15 minutes for 3000 cases.

Measured 2026-11-25, 3000 cases (2 cores shared with other engineers' test runs, so ±50 %):
- SQLite:       dry run 11.8 s (303 queries), import 14.4 s (301), re-import unchanged 6.2 s (20)
- PostgreSQL 15: dry run 7.1 s (67 queries),  import 5.7 s (65),   re-import unchanged 3.9 s (21)
Before the re-import compared rows in memory (services.would_change, ~3 queries a row) it took
19.3 s / 4439+ queries on SQLite and 38.9 s / 5817+ on PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/pingan_bench_court"
DB_NAME = "pingan_bench_court"


def parent(args) -> None:
    backends = args.backends or ("sqlite,postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres")
                                 else "sqlite")
    for backend in backends.split(","):
        env = dict(os.environ, PINGAN_BENCH_CHILD="1", DJANGO_SETTINGS_MODULE="pingan.config.settings")
        env["PINGAN_DATA_DIR"] = tempfile.mkdtemp(prefix="pingan-bench-")
        if backend == "sqlite":
            env.pop("DATABASE_URL", None)
        else:
            url = os.environ.get("DATABASE_URL", PG_DEFAULT)
            url = url if url.startswith("postgres") else PG_DEFAULT
            import psycopg

            base = url.rpartition("/")[0]
            with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
                conn.execute(f"CREATE DATABASE {DB_NAME}")
            env["DATABASE_URL"] = f"{base}/{DB_NAME}"
        cmd = [sys.executable, __file__, "--backends", backend, "--cases", str(args.cases)]
        subprocess.run(cmd, env=env, check=True, cwd=REPO)


def rows(n: int, committee: str, places: list[str]) -> list[dict]:
    import datetime as dt

    outcomes = ["mediation_document", "judicial_confirmation", "performed", "returned", "returned", ""]
    out = []
    for i in range(n):
        day = dt.date(2022, 1 + i % 12, 1 + i % 28)
        outcome = outcomes[i % len(outcomes)]
        out.append({
            "ref": f"bench-{i}", "number": f"（2022）黔0204民诉前调{i + 1}号", "title": f"买卖合同纠纷{i}",
            "facts": "被告拖欠货款，原告多次催要未果。", "claim": "判令被告支付货款", "category": "contract",
            "jurisdiction": places[i % len(places)], "amount": str(1000 + i), "received_on": day.isoformat(),
            "parties": [{"role": "applicant", "name": f"原告{i}", "phone": "13800000000"},
                        {"role": "respondent", "name": f"被告{i}"}],
            "delegated_to": committee, "delegated_on": day.isoformat(), "outcome": outcome,
            "outcome_on": (day + dt.timedelta(days=20)).isoformat() if outcome else None,
            "return_reason": "failed" if outcome == "returned" else "",
        })
    return out


def child(args) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0)
    from pingan.court.models import CourtCase
    from pingan.orgs.demo import ensure_agency, ensure_jurisdiction
    from pingan.orgs.services import create_user

    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    print(f"\n=== {connection.vendor}: {args.cases:,} historical cases in one batch ===", flush=True)
    clerk = create_user(by=None, username="bench_clerk", password="bench-Pass-2026", roles=["court_clerk"],
                        agency=ensure_agency("court"), check_password=False)
    committee = ensure_agency("mc-v-shaomi-cun")
    places = [ensure_jurisdiction(c).code for c in ("520204104001", "520204104002")]
    batch = rows(args.cases, committee.code, places)
    client = Client()
    client.force_login(clerk)

    def run(label: str, dry_run: bool) -> dict:
        with CaptureQueriesContext(connection) as q:
            t0 = time.perf_counter()
            r = client.post("/api/v1/court/import/cases", {"court": "court", "dry_run": dry_run, "cases": batch},
                            content_type="application/json")
            elapsed = time.perf_counter() - t0
        assert r.status_code == 200, r.content[:500]
        body = r.json()
        print(f"{label:<26} {elapsed:7.2f} s  {args.cases / elapsed:8.0f} rows/s  {len(q.captured_queries):6d} queries"
              f"  created {body['created']} updated {body['updated']} skipped {body['skipped']}", flush=True)
        return body

    run("dry run", True)
    assert CourtCase.objects.count() == 0
    run("import", False)
    assert CourtCase.objects.count() == args.cases
    run("re-import (all unchanged)", False)
    assert CourtCase.objects.count() == args.cases


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backends", default="")
    ap.add_argument("--cases", type=int, default=3000)
    args = ap.parse_args()
    if os.environ.get("PINGAN_BENCH_CHILD"):
        child(args)
    else:
        parent(args)


if __name__ == "__main__":
    main()

"""Justice-office evaluation benchmark: `corrections.evaluation.evaluate_offices` (a fixed handful
of aggregate queries whatever the number of offices) against a naive per-office loop (the same
figures with one check-in completion and five COUNTs per office), on the same generated data.

    python benchmarks/evaluation.py                       # SQLite; PostgreSQL too when DATABASE_URL is set
    python benchmarks/evaluation.py --backends sqlite,postgresql --offices 30 --people 3000 --days 30 \\
        --alerts 30000 --runs 5

Data (bulk inserts, not timed): `offices` 司法所 under one bureau, `people` supervisees spread over
them, each face-enrolled before the period with one app device; a matching check-in in ~90 % of
the 3 daily windows of the `days`-day period; `alerts` alerts raised in the period (one in five
still open, a third of the rest false alarms, a fifth verified late), and one overdue search per
office. Each backend runs in a fresh database in a child process (SQLite file in a temp dir;
PostgreSQL database `pingan_bench_evaluation` on DATABASE_URL's server, dropped and recreated).
Prints p50/max seconds and queries per evaluation, and checks both ways give the same figures.

Measured 2026-11-25 with the defaults (30 offices, 3,000 people, 243,048 check-ins, 30,000 alerts,
a 30-day period; 2 cores shared with other engineers' test runs), p50 of 5 runs:
- SQLite: evaluate_offices 0.71 s, 10 queries; per-office loop 1.98 s, 331 queries.
- PostgreSQL 15: evaluate_offices 0.96 s, 10 queries; per-office loop 2.53 s, 331 queries.
Before check-in completion counted whole-period people in the database (every owed window tested
in Python and every matching check-in fetched) evaluate_offices took 7.66 s (SQLite) and 6.44 s
(PostgreSQL) on the same data.
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
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/pingan_bench_evaluation"
DB_NAME = "pingan_bench_evaluation"


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
        cmd = [sys.executable, __file__, "--backends", backend, "--offices", str(args.offices), "--people",
               str(args.people), "--days", str(args.days), "--alerts", str(args.alerts), "--runs", str(args.runs)]
        subprocess.run(cmd, env=env, check=True, cwd=REPO)


def child(args) -> None:  # noqa: C901 — one linear script
    import django

    django.setup()
    import datetime as dt
    import random

    from django.core.management import call_command
    from django.db import connection
    from django.db.models import F, Q
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from pingan.core.crypto import blind_index
    from pingan.corrections import evaluation
    from pingan.corrections.checkins_selectors import completion_of
    from pingan.corrections.checkins_windows import local_zone, windows_on
    from pingan.corrections.models import (
        Alert,
        CheckIn,
        Device,
        FaceEnrolment,
        SearchTask,
        Supervisee,
    )
    from pingan.orgs.models import Agency, Jurisdiction, User

    rng = random.Random(520204)
    now = timezone.now()
    zone = local_zone()
    until = timezone.localtime(now, zone).date() - dt.timedelta(days=1)
    since = until - dt.timedelta(days=args.days - 1)
    t0 = time.perf_counter()
    district = Jurisdiction.objects.filter(parent__isnull=True).order_by("pk").first()
    bureau = Agency.objects.create(code="b-sfj", name="司法局", kind="justice_bureau", jurisdiction=district)
    offices = [Agency.objects.create(code=f"b-sfs-{i:03d}", name=f"第{i + 1}司法所", kind="justice_office",
                                     jurisdiction=district, parent=bureau) for i in range(args.offices)]
    staff = User.objects.create_user(username="bench", password="x-long-password-1", agency=bureau)
    before = now - dt.timedelta(days=args.days + 5)
    people = Supervisee.objects.bulk_create([
        Supervisee(name=f"对象{i}", id_number=f"52020419800101{i:04d}", id_number_hash=blind_index(f"bench{i}"),
                   sentence_type="probation", court="法院", judgment_number=f"（2024）{i}号",
                   start_date=before.date(), end_date=(now + dt.timedelta(days=400)).date(), offence="盗窃罪",
                   justice_office=offices[i % len(offices)], residence=district, status="supervising",
                   reported_at=before)
        for i in range(args.people)], batch_size=2000)
    devices = Device.objects.bulk_create([Device(supervisee=p, identifier=f"bench-{p.pk}") for p in people],
                                         batch_size=2000)
    FaceEnrolment.objects.bulk_create([
        FaceEnrolment(supervisee=p, encoding="[]", photo_sha256="0" * 64, consent_by=p.name, consent_at=before,
                      consent_version="2026-01", enrolled_by=staff, enrolled_at=before) for p in people],
        batch_size=2000)
    rows = []
    day = since
    while day <= until:
        for w in windows_on(day, zone=zone):
            for p, d in zip(people, devices, strict=True):
                if rng.random() < 0.9:
                    rows.append(CheckIn(supervisee=p, device=d, submitted_at=w.start + dt.timedelta(minutes=5),
                                        window_date=day, window_index=w.index, result="matched", distance=0.3,
                                        threshold=0.5, photo_sha256="0" * 64))
        day += dt.timedelta(days=1)
    CheckIn.objects.bulk_create(rows, batch_size=5000)
    start = dt.datetime.combine(since, dt.time.min, tzinfo=zone)
    span = (dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=zone) - start).total_seconds()
    alerts = []
    for i in range(args.alerts):
        p = people[rng.randrange(len(people))]
        raised = start + dt.timedelta(seconds=rng.uniform(0, span))
        due = raised + dt.timedelta(hours=24)
        roll = rng.random()
        state = "open" if roll < 0.2 else ("false_alarm" if roll < 0.45 else "violation")
        verified = None if state == "open" else due + dt.timedelta(hours=rng.choice([-20, -2, 3]))
        alerts.append(Alert(supervisee=p, justice_office_id=p.justice_office_id, kind="silence", severity="high",
                            source="geofence", state=state, occurred_at=raised - dt.timedelta(seconds=i),
                            raised_at=raised, verify_due=due, verified_at=verified))
    Alert.objects.bulk_create(alerts, batch_size=5000)
    SearchTask.objects.bulk_create([
        SearchTask(supervisee=people[i], justice_office_id=people[i].justice_office_id, trigger="manual", reason="失联",
                   opened_at=now - dt.timedelta(days=2), result_due=now - dt.timedelta(days=1))
        for i in range(len(offices))])
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
    print(f"[{connection.vendor}] set-up {time.perf_counter() - t0:.1f} s: {len(offices)} offices, {len(people)} people, "
          f"{len(rows)} check-ins, {len(alerts)} alerts, {since}..{until}")

    def naive() -> dict[int, tuple]:
        """The per-office loop the evaluation avoids: one completion and five COUNTs per office."""
        out = {}
        in_period = Q(raised_at__gte=start, raised_at__lt=start + dt.timedelta(seconds=span))
        for office in Agency.objects.filter(kind="justice_office").order_by("code"):
            c = completion_of(Supervisee.objects.filter(justice_office=office), since=since, until=until, now=now)
            mine = Alert.objects.filter(justice_office=office)
            closed = mine.filter(in_period).exclude(state="open")
            due = mine.filter(in_period).filter(~Q(state="open") | Q(verify_due__lt=now)).count()
            on_time = closed.filter(verified_at__lte=F("verify_due")).count()
            false = closed.filter(state="false_alarm").count()
            overdue = mine.filter(state="open", verify_due__lt=now).count()
            searches = SearchTask.objects.filter(justice_office=office, state="open", result_due__lt=now).count()
            out[office.pk] = (c.due, c.passed, due, on_time, closed.count(), false, overdue + searches)
        return out

    def fast() -> dict[int, tuple]:
        return {r.office_id: (r.checkins_due, r.checkins_passed, r.verifications_due, r.verified_on_time, r.verified,
                              r.false_alarms, r.overdue)
                for r in evaluation.evaluate_offices(since=since, until=until, now=now)}

    if args.profile:
        import cProfile
        import pstats

        cProfile.runctx("fast()", globals(), {"fast": fast}, "/tmp/evaluation.prof")
        pstats.Stats("/tmp/evaluation.prof").sort_stats("cumulative").print_stats(18)
    results = {}
    for name, fn in (("naive per-office loop", naive), ("evaluate_offices", fast)):
        times, value = [], None
        counted: list[str] = []

        def count(execute, sql, params, many, context, counted=counted):
            counted.append(sql)
            return execute(sql, params, many, context)

        for _ in range(args.runs):
            counted.clear()
            with connection.execute_wrapper(count):
                t = time.perf_counter()
                value = fn()
                times.append(time.perf_counter() - t)
        queries = len(counted)
        if args.show_queries:
            from collections import Counter

            for sql, n in Counter(q[:120] for q in counted).most_common(5):
                print(f"    {n} × {sql}")
        results[name] = value
        times.sort()
        print(f"[{connection.vendor}] {name}: p50 {times[len(times) // 2]:.3f} s, max {times[-1]:.3f} s, "
              f"{queries} queries ({args.runs} runs)")
    assert results["naive per-office loop"] == results["evaluate_offices"], "the two ways disagree"
    print(f"[{connection.vendor}] both ways give the same figures for all {len(offices)} offices")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backends")
    ap.add_argument("--offices", type=int, default=30)
    ap.add_argument("--people", type=int, default=3000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--alerts", type=int, default=30000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--profile", action="store_true", help="profile one evaluate_offices call first")
    ap.add_argument("--show-queries", action="store_true", help="print the most repeated SQL of each way")
    a = ap.parse_args()
    (child if os.environ.get("PINGAN_BENCH_CHILD") else parent)(a)

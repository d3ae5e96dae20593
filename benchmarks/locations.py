"""Location ingestion benchmark (issue 5): prints fixes/s for the naive path and the batch path.

    python benchmarks/locations.py                       # SQLite and PostgreSQL, 1M fixes / 10k people
    python benchmarks/locations.py --fixes 100000 --people 1000 --backends sqlite

(a) naive baseline: one ORM create (and commit) per fix plus a shapely Point-in-polygon check per
    fix — run on `--naive` fixes and reported as a rate;
(b) batch path: GCJ-02→WGS-84 conversion, vectorised geofence, bulk insert, debounce and commit,
    on all generated fixes, in one `store_batch` call;
(d) silence scan over the generated people.
Each backend runs in a fresh database in a child process (SQLite file in a temp dir; PostgreSQL
database `pingan_bench_corrections` on DATABASE_URL's server, dropped and recreated). SQLite runs
with PRAGMA synchronous=FULL so that each commit is durable against power loss, not just a crash.
Not measured yet: (c) HTTP throughput of the OsmAnd endpoint and (e) breach-to-alert latency.
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
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/pingan_bench_corrections"


def parent(args) -> None:
    for backend in args.backends.split(","):
        env = dict(os.environ, PINGAN_BENCH_CHILD="1", DJANGO_SETTINGS_MODULE="pingan.config.settings")
        tmp = tempfile.mkdtemp(prefix="pingan-bench-")
        env["PINGAN_DATA_DIR"] = tmp
        if backend == "sqlite":
            env.pop("DATABASE_URL", None)
        else:
            url = os.environ.get("DATABASE_URL", PG_DEFAULT)
            if not url.startswith("postgres"):
                url = PG_DEFAULT
            import psycopg

            base, _sep, name = url.rpartition("/")
            name = "pingan_bench_corrections"
            with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name}")
                conn.execute(f"CREATE DATABASE {name}")
            env["DATABASE_URL"] = f"{base}/{name}"
        cmd = [sys.executable, __file__, "--fixes", str(args.fixes), "--people", str(args.people),
               "--naive", str(args.naive), "--backends", backend]
        subprocess.run(cmd, env=env, check=True, cwd=REPO)


def child(args) -> None:
    import django

    django.setup()
    import datetime as dt
    import json

    import numpy as np
    import shapely
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from pingan.core.crypto import blind_index, encrypt
    from pingan.corrections import services
    from pingan.corrections.geo import gcj02_to_wgs84, wgs84_to_gcj02
    from pingan.corrections.models import Device, GeofenceBreach, LocationFix, Supervisee
    from pingan.corrections.seed import BOUNDARY_FILE
    from pingan.corrections.store import FixBatch, store_batch
    from pingan.orgs.models import Agency, Jurisdiction

    call_command("migrate", verbosity=0)
    vendor = connection.vendor
    if vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA synchronous=FULL")
    print(f"\n=== {vendor}: {args.fixes:,} fixes from {args.people:,} people ===", flush=True)

    # --- org, people and devices (set-up, not timed) ------------------------------------------
    district = Jurisdiction.objects.get(code="520204000000") if Jurisdiction.objects.filter(
        code="520204000000").exists() else Jurisdiction.objects.create(code="520204000000", name="水城区", level=1)
    office = Agency.objects.create(code="bench-sfs", name="测试司法所", kind="justice_office", jurisdiction=district)
    now = timezone.now().replace(microsecond=0)
    enc = encrypt("520204198001010011")
    people = [
        Supervisee(name=f"p{i}", id_number=enc, id_number_hash=blind_index(f"bench{i}"), sentence_type="probation",
                   court="c", judgment_number="j", start_date=dt.date(2024, 1, 1), end_date=dt.date(2027, 1, 1),
                   offence="o", justice_office=office, residence=district, status="supervising",
                   reported_at=now - dt.timedelta(days=3))
        for i in range(args.people)
    ]
    # get_prep_value would encrypt once per row; the benchmark reuses one ciphertext (not timed).
    Supervisee._meta.get_field("id_number").get_prep_value = lambda v: v  # type: ignore[method-assign]
    Supervisee.objects.bulk_create(people, batch_size=2000)
    sup_ids = np.array(Supervisee.objects.order_by("pk").values_list("pk", flat=True), dtype=np.int64)
    Device.objects.bulk_create([Device(supervisee_id=int(s), identifier=f"bench-{s}", kind="app") for s in sup_ids],
                               batch_size=2000)
    dev_ids = np.array(Device.objects.order_by("supervisee_id").values_list("pk", flat=True), dtype=np.int64)

    # --- tracks: each person walks around a home point; 5 % drift south-west out of the district
    rng = np.random.default_rng(42)
    area = shapely.from_geojson(json.dumps(json.loads(BOUNDARY_FILE.read_text())["geometry"]))
    shapely.prepare(area)
    homes = []
    minx, miny, maxx, maxy = area.bounds
    while len(homes) < args.people:
        lon = rng.uniform(minx, maxx, 4 * args.people)
        lat = rng.uniform(miny, maxy, 4 * args.people)
        ok = shapely.contains_xy(area, lon, lat)
        homes.extend(zip(lat[ok].tolist(), lon[ok].tolist(), strict=True))
    homes_a = np.array(homes[: args.people])
    per = args.fixes // args.people
    n = per * args.people
    person = np.repeat(np.arange(args.people), per)
    step = np.tile(np.arange(per), args.people)
    walk_lat = rng.normal(0, 0.0004, n).reshape(args.people, per).cumsum(axis=1).ravel()
    walk_lon = rng.normal(0, 0.0004, n).reshape(args.people, per).cumsum(axis=1).ravel()
    leaver = rng.random(args.people) < 0.05
    drift = np.where(leaver[person], step * 0.01, 0.0)  # ~1 km a minute towards 盘州
    lat = homes_a[person, 0] + walk_lat - drift
    lon = homes_a[person, 1] + walk_lon - drift
    t_us = ((now - dt.timedelta(hours=2)).timestamp() * 1e6 + step * 60e6).astype(np.int64)
    accuracy = rng.uniform(5, 60, n)
    glat, glon = wgs84_to_gcj02(lat, lon)  # phones in China report GCJ-02

    # --- (a) naive -------------------------------------------------------------------------------
    k = min(args.naive, n)
    naive_idx = rng.choice(n, k, replace=False)
    wl, wo = gcj02_to_wgs84(glat[naive_idx], glon[naive_idx])
    from shapely.geometry import Point, shape

    plain = shape(json.loads(BOUNDARY_FILE.read_text())["geometry"])
    start = time.perf_counter()
    for j, i in enumerate(naive_idx.tolist()):
        inside = plain.contains(Point(float(wo[j]), float(wl[j])))
        LocationFix.objects.create(
            device_id=int(dev_ids[person[i]]), supervisee_id=int(sup_ids[person[i]]),
            recorded_at=dt.datetime.fromtimestamp(t_us[i] / 1e6, tz=dt.UTC), received_at=now,
            lat=float(wl[j]), lon=float(wo[j]), crs="gcj02", accuracy=float(accuracy[i]), source="app",
            zone=0 if inside else 1,
        )
    naive_s = time.perf_counter() - start
    naive_rate = k / naive_s
    print(f"(a) naive: ORM create + commit + shapely per fix: {k:,} fixes in {naive_s:.2f} s = {naive_rate:,.0f} fixes/s",
          flush=True)
    LocationFix.objects.all().delete()

    # --- (b) batch -----------------------------------------------------------------------------
    start = time.perf_counter()
    wlat, wlon = gcj02_to_wgs84(glat, glon)
    t_conv = time.perf_counter() - start
    nan = np.full(n, np.nan)
    batch = FixBatch(
        device_id=dev_ids[person], supervisee_id=sup_ids[person], t_us=t_us, lat=wlat, lon=wlon,
        crs=np.full(n, "gcj02", dtype=object), accuracy=accuracy, speed=nan, heading=nan, altitude=nan,
        battery=nan, charging=np.full(n, -1, dtype=np.int8), mock=np.zeros(n, dtype=bool),
        valid=np.ones(n, dtype=bool), source="app",
    )
    result = store_batch(batch, now=now)
    batch_s = time.perf_counter() - start
    rate = n / batch_s
    stored = LocationFix.objects.count()
    print(f"(b) batch: conversion {t_conv:.2f} s; total {n:,} fixes in {batch_s:.2f} s = {rate:,.0f} fixes/s "
          f"({rate / naive_rate:,.0f}× naive); stored {result.stored:,} (table {stored:,}), "
          f"breaches {len(result.breach_ids):,} (leavers {int(leaver.sum()):,})", flush=True)
    start = time.perf_counter()
    again = store_batch(batch, now=now)
    print(f"    same batch again (all duplicates): {time.perf_counter() - start:.2f} s, stored {again.stored}, "
          f"new breaches {len(again.breach_ids)}", flush=True)

    # --- (d) silence scan ----------------------------------------------------------------------
    start = time.perf_counter()
    raised = services.scan_silence(now=now + dt.timedelta(hours=30))
    scan_s = time.perf_counter() - start
    print(f"(d) silence scan over {args.people:,} people: {scan_s:.2f} s, raised {len(raised):,}; "
          f"rescan raises {len(services.scan_silence(now=now + dt.timedelta(hours=30)))}", flush=True)
    assert GeofenceBreach.objects.filter(kind="silence").count() == len(raised)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fixes", type=int, default=1_000_000)
    ap.add_argument("--people", type=int, default=10_000)
    ap.add_argument("--naive", type=int, default=5_000, help="fixes for the naive baseline (a rate)")
    ap.add_argument("--backends", default="sqlite,postgres")
    args = ap.parse_args()
    if os.environ.get("PINGAN_BENCH_CHILD"):
        child(args)
    else:
        parent(args)


if __name__ == "__main__":
    main()

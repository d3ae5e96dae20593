"""Demo supervisees with simulated tracks across 水城区 for `pingan demo`, stored through the real
ingestion path (services.ingest_fixes → geofence, debounce, jump/mock checks, outbox), then the
silence scan and the outbox handlers, so the command centre shows live alerts. Idempotent: people
have fixed ID numbers, and the tracks are anchored to the current hour, so a rerun within the hour
stores nothing twice (and a later rerun only adds the newest hour's fixes)."""

from __future__ import annotations

import math
import random
from datetime import timedelta

from django.utils import timezone

from pingan.core.idnumber import check_character
from pingan.core.outbox import drain
from pingan.orgs.models import Agency

from . import seed, services
from .models import Device, Supervisee
from .parsing import RawFix

# (name, level, behaviour): stays / leaves (drives towards 盘州市) / silent (phone off for 30 h)
PEOPLE = [
    ("陈某军", "normal", "stays"), ("刘某芳", "lenient", "stays"), ("王某强", "strict", "leaves"),
    ("张某伟", "normal", "stays"), ("杨某华", "normal", "silent"), ("赵某平", "strict", "stays"),
    ("黄某勇", "normal", "leaves"), ("周某英", "lenient", "stays"), ("吴某斌", "normal", "silent"),
    ("徐某涛", "normal", "stays"),
]
HOMES = [(26.55, 104.95), (26.48, 104.88), (26.62, 105.05), (26.40, 104.78), (26.70, 104.95)]
PANZHOU = (25.81, 104.64)


def _id_number(i: int) -> str:
    first17 = f"52020419850{(i % 9) + 1}01{900 + i:03d}"
    return first17 + check_character(first17)


def _track(rng: random.Random, start, home, behaviour: str, hours: int = 6) -> list[RawFix]:
    fixes = []
    lat, lon = home
    for k in range(hours * 6):  # a fix every 10 minutes
        at = start + timedelta(minutes=10 * k)
        if behaviour == "leaves" and k > hours * 3:
            f = (k - hours * 3) / (hours * 3)
            lat, lon = home[0] + (PANZHOU[0] - home[0]) * f, home[1] + (PANZHOU[1] - home[1]) * f
        else:
            a = rng.uniform(0, 2 * math.pi)
            lat, lon = lat + 0.002 * math.sin(a), lon + 0.002 * math.cos(a)
        fixes.append(RawFix(recorded_at=at, lat=round(lat, 6), lon=round(lon, 6), accuracy=rng.uniform(5, 30),
                            battery=max(3.0, 90 - k * (2.5 if behaviour == "silent" else 0.5))))
    return fixes


def load_demo(*, stdout=None):
    seed.load_all()
    offices = list(Agency.objects.filter(kind="justice_office").order_by("code"))
    if not offices:
        return None
    rng = random.Random(520204)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    created = 0
    for i, (name, level, behaviour) in enumerate(PEOPLE):
        number = _id_number(i)
        office = offices[i % len(offices)]
        person = Supervisee.objects.filter(name=name, judgment_number=f"（2024）黔0204刑初{100 + i}号").first()
        if person is None:
            person = services.register_supervisee(
                by=None, id_number=number, name=name, sentence_type=rng.choice(["probation", "parole", "control"]),
                court="六盘水市水城区人民法院", judgment_number=f"（2024）黔0204刑初{100 + i}号",
                start_date=(now - timedelta(days=200)).date(), end_date=(now + timedelta(days=500)).date(),
                offence=rng.choice(["盗窃罪", "危险驾驶罪", "故意伤害罪", "诈骗罪"]), level=level,
                justice_office=office, residence=office.jurisdiction, reported_at=now - timedelta(days=200),
            )
            services.start_supervision(supervisee=person, by=None)
            created += 1
        device = Device.objects.filter(supervisee=person, active=True).first()
        if device is None:
            device, _token = services.add_device(supervisee=person, by=None, identifier=f"demo-{i:04d}-{number[-6:]}")
        # The silent ones stopped reporting 30 hours ago; the others report up to now.
        start = now - timedelta(hours=36 if behaviour == "silent" else 6)
        services.ingest_fixes(device=device, fixes=_track(rng, start, HOMES[i % len(HOMES)], behaviour),
                              source="app", now=now)
    services.scan_silence()
    drain()
    from .demo_supervision import load_supervision_demo  # check-ins, search, monitoring, evaluation

    load_supervision_demo(stdout=stdout)
    drain()
    if stdout is not None:
        stdout.write(f"corrections: {created} 名社区矫正对象（含越界、失联示例），告警已生成\n")
    return None

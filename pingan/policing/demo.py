"""Demo police grassroots work for `pingan demo`: households in 勺米镇's demo villages, the
officers' assignments, the auxiliary officer on the village mediation committee (一村一警), a
year of visits, hazards in every step of the seven-step method, letters and risk persons.

Everything goes through the services (audited, permission-checked) as the demo officers of
orgs' demo (police_officer at 勺米派出所, auxiliary_officer at 勺米村警务室). Idempotent: every
demo record has a fixed external reference (households, visits, hazards, pushes) or a natural
key (assignments, committee roles, risk persons by name), and existing ones are skipped."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from pingan.orgs.demo import ensure_agency, ensure_jurisdiction
from pingan.orgs.models import Jurisdiction, User

from . import services
from .models import Assignment, CommitteeRole, Hazard, Household, Push, RiskPerson, Visit
from .seed import seed

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董"
GIVEN = "明华强军平刚伟芳娟敏静丽艳秀英玉兰桂珍勇杰涛斌超波辉鹏飞霞红梅"
HAZARDS = [
    ("相邻排水沟纠纷", "两户因排水沟走向争吵，{n}曾动手推搡。", "dispute", 2),
    ("土地边界纠纷", "两家承包地界桩被移动，双方各执一词，{n}情绪激动。", "dispute", 3),
    ("拖欠务工费", "{n}等八名村民在工地务工，包工头拖欠工资。", "dispute", 8),
    ("独居老人用电隐患", "{n}家电线老化，存在火灾隐患。", "safety", 1),
    ("夜间聚集饮酒", "村口小卖部夜间有人员聚集饮酒滋事。", "public_order", 6),
    ("征地补偿异议", "{n}对青苗补偿标准有异议，扬言到县里上访。", "petition", 4),
]
# (target step path, how many): every step of 盯、联、推、化、管、访、宣 is represented.
STEPS = [([], 3), (["link"], 3), (["push"], 3), (["control"], 3), (["resolve"], 4), (["resolve", "revisit"], 4),
         (["resolve", "revisit", "publicise"], 4)]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).select_related("agency").first()


def load_demo_policing(*, stdout=None):
    seed()
    officer, aux = _user("police_officer"), _user("auxiliary_officer")
    if officer is None or aux is None:
        if stdout is not None:
            stdout.write("policing: orgs demo users missing, nothing loaded\n")
        return []
    rng = random.Random(5202041)
    village = ensure_jurisdiction("520204104001")  # 勺米村 (aux officer's village)
    groups = [ensure_jurisdiction("520204104001001"), ensure_jurisdiction("520204104001002")]
    others = [ensure_jurisdiction("520204104002"), ensure_jurisdiction("520204104003")]  # 坪箐村, 新华村

    # Households: 8 per group of 勺米村 and per other village.
    places: list[tuple[Jurisdiction, User]] = [(g, aux) for g in groups] + [(v, officer) for v in others]
    households: list[tuple[Household, User]] = []
    existing = {h.external_ref: h for h in Household.objects.filter(external_ref__startswith="DEMO-H-")}
    n = 0
    for place, who in places:
        for _i in range(8):
            n += 1
            ref = f"DEMO-H-{n:03d}"
            head, phone = _name(rng), f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}"
            h = existing.get(ref) or services.create_household(
                data={"jurisdiction": place, "address": f"{place.name}{n}号", "head_name": head, "phone": phone,
                      "external_ref": ref, "is_demo": True}, by=who)
            households.append((h, who))

    # Assignments (包保) and 一村一警.
    year_ago = timezone.localdate() - dt.timedelta(days=365)
    if not Assignment.objects.filter(officer=aux, jurisdiction=village, ends_on__isnull=True).exists():
        services.assign(officer=aux, by=officer, jurisdiction=village, interval_days=60, starts_on=year_ago)
    for v in others:
        if not Assignment.objects.filter(officer=officer, jurisdiction=v, ends_on__isnull=True).exists():
            services.assign(officer=officer, by=officer, jurisdiction=v, starts_on=year_ago)
    committee = ensure_agency("mc-v-shaomi-cun")
    if not CommitteeRole.objects.filter(user=aux, committee=committee, ends_on__isnull=True).exists():
        services.appoint_to_committee(user=aux, committee=committee, by=officer)

    # A year of visits: each household every 45–120 days (some fall overdue).
    now = timezone.now()
    known_visits = set(Visit.objects.filter(external_ref__startswith="DEMO-V-").values_list("external_ref", flat=True))
    visits = 0
    for h, who in households:
        when = now - dt.timedelta(days=365) + dt.timedelta(days=rng.randint(0, 40))
        k = 0
        while when < now - dt.timedelta(days=1):
            k += 1
            ref = f"DEMO-V-{h.external_ref[7:]}-{k:02d}"
            # Draw every value even when skipping, so a rerun walks the same dates.
            people = rng.choice(("户主", "户主及家人", "户主之子", "邻居"))
            notes = rng.choice(("家庭和睦，无矛盾纠纷。", "宣传防诈骗知识。", "了解生产生活情况。"))
            if ref not in known_visits:
                services.record_visit(data={"household": h, "visited_at": when, "people_met": people,
                                            "notes": notes, "external_ref": ref}, by=who)
                visits += 1
            when += dt.timedelta(days=rng.randint(45, 120))

    # Hazards in every step, a few pushed by letter and turned into disputes.
    from pingan.disputes.models import Category

    neighbours = Category.objects.filter(code="neighbours").first()
    known_hazards = set(Hazard.objects.filter(external_ref__startswith="DEMO-Z-").values_list("external_ref", flat=True))
    i = 0
    for path, count in STEPS:
        for _k in range(count):
            i += 1
            ref = f"DEMO-Z-{i:03d}"
            title, text, category, people = HAZARDS[i % len(HAZARDS)]
            h, who = households[(i * 5) % len(households)]
            contact = _name(rng)
            found = now - dt.timedelta(days=rng.randint(20, 330))
            days = [rng.randint(2, 15) for _step in path]
            if ref in known_hazards:
                continue
            hazard = services.report_hazard(data={
                "title": title, "description": text.format(n=contact), "category": category, "people_involved": people,
                "household": h, "contact_name": contact, "found_at": found, "external_ref": ref}, by=who)
            for step, days_after in zip(path, days, strict=True):
                if step == "resolve":
                    services.resolve_hazard(hazard=hazard, by=who, resolution="经民警、调解员联合调解，双方达成一致。",
                                            resolved_at=found + dt.timedelta(days=days_after))
                elif step == "push":
                    if i % 2 and neighbours is not None:
                        services.hazard_to_dispute(hazard=hazard, by=who, category=neighbours)
                    else:
                        push = services.push_by_letter(by=who, hazard=hazard, data={
                            "target_name": "勺米镇自然资源所", "letter_number": f"勺派函〔{found.year}〕{i}号",
                            "content": text.format(n=contact), "sent_at": found + dt.timedelta(days=1),
                            "external_ref": f"DEMO-P-{i:03d}"})
                        services.record_reply(push=push, by=who, reply="已到现场核实并处理。",
                                              replied_at=found + dt.timedelta(days=8))
                else:
                    services.advance_hazard(hazard=hazard, name=step, by=who, reason="演示数据")

    # Risk persons with reviews due at different times.
    for j, level in enumerate(("red", "yellow", "yellow", "blue", "blue", "red")):
        name = f"演示重点人员{j + 1}"
        h, who = households[j * 4]
        if RiskPerson.objects.filter(name=name).exists():
            continue
        services.add_risk_person(data={"name": name, "jurisdiction": h.jurisdiction, "household": h,
                                       "risk_level": level, "reason": "因纠纷扬言报复，需稳控。", "officer": who},
                                 by=who, today=timezone.localdate() - dt.timedelta(days=rng.randint(0, 60)))
    if stdout is not None:
        stdout.write(f"policing: {len(households)} households, {visits} new visits, "
                     f"{Hazard.objects.filter(external_ref__startswith='DEMO-Z-').count()} demo hazards, "
                     f"{Push.objects.count()} pushes\n")
    return []  # orgs' demo prints the police_officer and auxiliary_officer logins

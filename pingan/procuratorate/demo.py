"""Demo data for `pingan demo`: the partner bodies and supervising departments the procuratorate
works with, and a year of records (minor cases with decisions, volunteer service, early
involvement, recommendations at every stage of follow-up). Idempotent: demo records have fixed
numbers ("DEMO-…") and existing ones are skipped; the random draws are made even when skipping so
a rerun produces the same data."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from pingan.core.demo import DemoLogin
from pingan.core.idnumber import check_character
from pingan.orgs import services as org_services
from pingan.orgs.demo import demo_password, ensure_agency, ensure_user
from pingan.orgs.models import Agency, Jurisdiction, Role, User

from . import services
from .models import EarlyInvolvement, MinorCase, Offence, Recommendation, Source, Suspect
from .seed import seed

# code, name, short name, kind, parent code (jurisdiction: the district)
AGENCIES = [
    ("gov-district", "六盘水市水城区人民政府", "水城区政府", Agency.Kind.PARTY_GOVERNMENT, None),
    ("dept-emergency", "六盘水市水城区应急管理局", "区应急管理局", Agency.Kind.DEPARTMENT, "gov-district"),
    ("dept-energy", "六盘水市水城区能源局", "区能源局", Agency.Kind.DEPARTMENT, "gov-district"),
    ("dept-transport", "六盘水市水城区交通运输局", "区交通运输局", Agency.Kind.DEPARTMENT, "gov-district"),
    ("partner-traffic", "水城区公安局交通管理大队（志愿服务协作）", "交警大队", Agency.Kind.PARTNER, None),
    ("partner-elder-home", "水城区社会福利院（敬老院）", "区福利院", Agency.Kind.PARTNER, None),
]
PARTNER_LOGINS = [
    {"username": "partner_traffic", "role": "partner", "agency": "partner-traffic", "full_name": "邓辉"},
    {"username": "partner_traffic_lead", "role": "partner", "agency": "partner-traffic", "full_name": "许强"},
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡"
GIVEN = "明华强军平刚伟芳娟敏静丽艳秀英玉兰桂珍勇杰涛斌超波辉鹏飞霞红梅琴云"


def ensure_agencies() -> dict[str, Agency]:
    """The partner bodies and departments (created only when missing)."""
    district = Jurisdiction.objects.get(level=Jurisdiction.Level.DISTRICT, parent__isnull=True, is_active=True)
    out: dict[str, Agency] = {}
    for code, name, short, kind, parent in AGENCIES:
        found = Agency.objects.filter(code=code).first()
        if found is None:
            found = org_services.create_agency(by=None, code=code, name=name, short_name=short, kind=kind,
                                               jurisdiction=district, parent=out.get(parent) if parent else None,
                                               is_demo=True)
        out[code] = found
    return out


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _id_number(rng: random.Random) -> str:
    born = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randint(0, 40 * 365))
    first17 = f"520221{born:%Y%m%d}{rng.randint(0, 999):03d}"
    return first17 + check_character(first17)


def _grounds(rng: random.Random) -> str:
    return rng.choice([
        "犯罪情节轻微，已赔偿被害人损失并取得谅解，无逮捕必要。",
        "系初犯、偶犯，认罪认罚，社会危险性较小。",
        "证据不足，不符合逮捕条件。",
    ])


def load_demo(*, stdout=None) -> list[DemoLogin]:
    seed()
    agencies = ensure_agencies()
    procuratorate = ensure_agency("procuratorate")
    prosecutor, _pw = ensure_user({"username": "prosecutor", "role": "prosecutor", "agency": "procuratorate",
                                   "full_name": "赵敏"})
    logins = []
    roles = dict(Role.objects.values_list("code", "name"))
    for item in PARTNER_LOGINS:
        user, password = ensure_user(item)
        logins.append(DemoLogin(user.username, roles.get("partner", "partner"), agencies[item["agency"]].short_name,
                                password))
    police = [ensure_agency(c) for c in ("ps-shaomi", "ps-shuangshui", "ps-miluo")]
    offences = list(Offence.objects.filter(is_minor=True, active=True).order_by("order"))
    rng = random.Random(5202044)
    today = timezone.localdate()
    existing = set(MinorCase.objects.filter(number__startswith="DEMO-").values_list("number", flat=True))
    made = 0
    for i in range(1, 121):
        number = f"DEMO-水检小案-{i:04d}"
        received = today - dt.timedelta(days=rng.randint(1, 360))
        offence = rng.choice(offences)
        agency = rng.choice(police)
        people = [{"name": _name(rng), "id_number": _id_number(rng), "first_offender": rng.random() < 0.8,
                   "relation": rng.choice(["none", "neighbours", "family", "acquaintance"])}
                  for _ in range(rng.choice((1, 1, 1, 2)))]
        request = "arrest" if rng.random() < 0.5 else "prosecution"
        plot = rng.random()
        for p in people:
            if rng.random() < 0.85:
                p.update(guilty_plea=True, guilty_plea_on=received)
        fast = rng.random() < 0.3
        if number in existing:
            continue
        case = services.create_case(
            data={"number": number, "offence": offence, "procuratorate": procuratorate, "police_agency": agency,
                  "prosecutor": prosecutor, "received_on": received, "fast_track": fast,
                  "summary": f"{people[0]['name']}涉嫌{offence.name}一案，{agency.short_name or agency.name}移送。"},
            suspects=people, request=request, by=prosecutor, source=Source.DEMO,
        )
        made += 1
        for s in case.suspects.all():
            _advance(s, received=received, plot=plot, today=today, rng=rng, prosecutor=prosecutor,
                     partner=agencies["partner-traffic"], volunteer=i % 20 == 0)
    _early(rng=rng, today=today, procuratorate=procuratorate, police=police, prosecutor=prosecutor)
    _recommendations(today=today, procuratorate=procuratorate, agencies=agencies, prosecutor=prosecutor)
    if stdout is not None:
        stdout.write(f"procuratorate: {made} demo cases added\n")
    logins.insert(0, DemoLogin("prosecutor", roles.get("prosecutor", "prosecutor"), procuratorate.short_name,
                               demo_password("prosecutor")))
    return logins


def _advance(s: Suspect, *, received: dt.date, plot: float, today: dt.date, rng: random.Random,
             prosecutor: User, partner: Agency, volunteer: bool) -> None:
    """Move a demo suspect along: older cases are decided, recent ones still wait (the queue)."""
    age = (today - received).days
    if s.state == "arrest_review":
        if age < 6:
            return
        decided = received + dt.timedelta(days=rng.randint(2, 6))
        decision = "not_approved" if plot < 0.35 else "approved"
        services.decide_arrest(suspect=s, decision=decision, decided_on=decided,
                               grounds=_grounds(rng) if decision == "not_approved" else "", by=prosecutor)
        if age < 20:
            return
        services.transfer_for_prosecution(suspect=s, received_on=min(today, decided + dt.timedelta(days=10)),
                                          by=prosecutor)
    if s.state != "prosecution_review" or (age < 30 and not volunteer):
        return
    start = s.prosecution_received_on or received
    decided = min(today, start + dt.timedelta(days=rng.randint(5, 25)))
    if volunteer and s.guilty_plea and (today - start).days > 25:
        plan = services.create_volunteer_plan(
            suspect=s, partner=partner, service_type="traffic_duty", consent_on=start, start_on=start,
            end_on=start + dt.timedelta(days=20), planned_hours=Decimal(8), by=prosecutor)
        logger = User.objects.filter(username="partner_traffic").first()
        for day in range(2):
            entry = services.log_hours(plan=plan, served_on=start + dt.timedelta(days=day + 1), hours=4,
                                       activity="城区路口交通劝导", by=logger)
            services.confirm_hours(entry=entry, by=prosecutor)
        services.evaluate_plan(plan=plan, passed=True, evaluated_on=start + dt.timedelta(days=21),
                               notes="按时完成服务，表现良好。", by=prosecutor)
        decided = min(today, start + dt.timedelta(days=22))
        services.decide_prosecution(suspect=s, decision="relative", decided_on=decided,
                                    grounds="犯罪情节轻微，认罪认罚并完成社会志愿服务，评估合格。", by=prosecutor)
    elif plot < 0.2:
        services.decide_prosecution(suspect=s, decision="relative", decided_on=decided,
                                    grounds="犯罪情节轻微，依照刑法规定不需要判处刑罚。", by=prosecutor)
    else:
        services.decide_prosecution(suspect=s, decision="prosecute", decided_on=decided, by=prosecutor)


def _early(*, rng: random.Random, today: dt.date, procuratorate: Agency, police: list[Agency], prosecutor: User) -> None:
    codes = ["theft", "contract_fraud", "telecom_fraud"]
    offences = {o.code: o for o in Offence.objects.filter(code__in=codes)}
    existing = set(EarlyInvolvement.objects.filter(number__startswith="DEMO-").values_list("number", flat=True))
    for i in range(1, 41):
        number = f"DEMO-提前介入-{i:03d}"
        code = rng.choice(codes)
        started = today - dt.timedelta(days=rng.randint(1, 360))
        agency = rng.choice(police)
        if number in existing:
            continue
        services.record_early_involvement(
            data={"number": number, "offence": offences[code], "procuratorate": procuratorate,
                  "police_agency": agency, "prosecutor": prosecutor, "started_on": started,
                  "guidance": "就证据收集、固定和案件定性提出引导意见，建议调取资金流水和通讯记录。",
                  "outcome": "transferred" if started < today - dt.timedelta(days=60) else "pending"},
            by=prosecutor, source=Source.DEMO)


def _recommendations(*, today: dt.date, procuratorate: Agency, agencies: dict[str, Agency], prosecutor: User) -> None:
    plans = [
        ("DEMO-水检建-1", "dept-energy", 200, "关于加强煤矿安全生产管理的检察建议",
         "办理一起煤矿重大责任事故案件中发现，涉案煤矿安全管理制度不落实，井下作业人员未经培训上岗。",
         "一、全面排查辖区煤矿安全隐患；二、督促煤矿落实安全培训制度；三、建立常态化检查机制。", "implemented"),
        ("DEMO-水检建-2", "dept-transport", 120, "关于整治农村道路交通安全隐患的检察建议",
         "办理危险驾驶案件中发现，部分农村道路缺少警示标志，面包车超员运输问题突出。",
         "一、增设警示标志和减速设施；二、联合交警开展超员运输专项整治。", "replied"),
        ("DEMO-水检建-3", "dept-emergency", 90, "关于加强烟花爆竹经营安全监管的检察建议",
         "办理一起非法储存爆炸物案件中发现，个别经营户违规储存烟花爆竹。",
         "一、开展烟花爆竹经营单位专项检查；二、依法查处违规储存行为。", "issued"),
    ]
    existing = set(Recommendation.objects.filter(number__startswith="DEMO-").values_list("number", flat=True))
    for number, recipient, days_ago, title, problems, measures, stage in plans:
        if number in existing:
            continue
        issued = today - dt.timedelta(days=days_ago)
        rec = services.issue_recommendation(procuratorate=procuratorate, recipient=agencies[recipient], title=title,
                                            problems=problems, measures=measures, issued_on=issued, number=number,
                                            by=prosecutor, source=Source.DEMO)
        if stage in ("replied", "implemented"):
            services.record_reply(rec=rec, replied_on=issued + dt.timedelta(days=50),
                                  reply="已收悉，正在按建议开展整改。", by=prosecutor)
        if stage == "implemented":
            services.record_implementation(rec=rec, implemented_on=issued + dt.timedelta(days=80),
                                           evidence="已完成隐患排查和培训，整改报告及照片附后。", by=prosecutor)
    services.run_followups(on=today)

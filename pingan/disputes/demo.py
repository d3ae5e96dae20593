"""Demo disputes for `pingan demo`: a year of realistic intake across the district's townships
and demo villages. Idempotent: each demo dispute has a fixed external reference (source
"visit"), and existing references are skipped."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from pingan.core.idnumber import check_character
from pingan.orgs.models import Jurisdiction

from . import services
from .models import Category, Dispute, Source
from .seed import seed

COUNT = 300
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "明华强军平刚伟芳娟敏静丽艳秀英玉兰桂珍勇杰涛斌超波辉鹏飞霞红梅琴云莲凤春学文忠国建德永祥福贵荣昌兴"
SITUATIONS = {
    "marriage_family": ("{a}与{b}婚姻家庭纠纷", "{a}与丈夫{b}因家庭琐事长期争吵，现要求离婚并分割财产，双方对子女抚养存在分歧。"),
    "neighbours": ("{a}与{b}相邻关系纠纷", "{a}与邻居{b}因排水沟渠走向发生争执，{b}堵塞沟渠致{a}家房屋进水。"),
    "land_forest_rights": ("{a}与{b}山林权属纠纷", "{a}与{b}对两家交界处的一片林地权属各执一词，双方均称有林权证，曾发生推搡。"),
    "contract": ("{a}与{b}买卖合同纠纷", "{a}向{b}出售生猪十二头，{b}尚欠货款未付，多次催讨未果。"),
    "labour_wages": ("{a}等人追讨劳务费", "{a}等八名村民在{b}承包的工地务工，工程结束后{b}拖欠劳务费，村民情绪激动。"),
    "damages": ("{a}与{b}人身损害赔偿纠纷", "{b}饲养的牛只闯入{a}承包地，毁坏玉米苗约两亩，双方对赔偿数额协商未果。"),
    "medical": ("{a}与某卫生院医疗纠纷", "{a}之母在卫生院输液后出现不良反应，家属认为存在过错，要求赔偿。"),
    "property_management": ("{a}与物业公司物业费纠纷", "{a}认为小区电梯长期故障、物业服务不到位，拒交物业费，物业公司催收。"),
    "land_acquisition": ("{a}对征地补偿有异议", "{a}家承包地被纳入项目征收范围，对青苗补偿标准有异议，多次到镇政府反映。"),
    "traffic_accident": ("{a}与{b}交通事故赔偿纠纷", "{b}驾驶三轮车与{a}的摩托车相撞，{a}腿部受伤住院，双方就医疗费承担发生争议。"),
    "consumer": ("{a}与商户消费纠纷", "{a}在集镇商店购买的农药使用后作物枯死，要求商户赔偿损失。"),
    "business_environment": ("某企业与{a}等村民施工纠纷", "企业施工车辆进出损坏村道，{a}等村民阻工，要求企业修复道路。"),
    "other": ("{a}与{b}其他纠纷", "{a}与{b}因红白喜事帮工产生口角，双方亲属卷入，需及时化解。"),
}


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _id_number(rng: random.Random, code: str) -> str:
    born = timezone.localdate() - timedelta(days=rng.randint(18 * 365, 80 * 365))
    first17 = f"{code[:6]}{born:%Y%m%d}{rng.randint(0, 999):03d}"
    return first17 + check_character(first17)


def load_demo_disputes(*, stdout=None):
    seed()
    rng = random.Random(520204)
    places = list(Jurisdiction.objects.filter(level__in=(2, 3), is_active=True).order_by("code"))
    categories = {c.code: c for c in Category.objects.filter(active=True)}
    existing = set(Dispute.objects.filter(source=Source.VISIT, external_ref__startswith="DEMO-").values_list("external_ref", flat=True))
    now = timezone.now()
    created = 0
    for i in range(1, COUNT + 1):
        ref = f"DEMO-{i:04d}"
        # Draw every value even when skipping, so a rerun produces the same disputes.
        code = rng.choice(list(SITUATIONS))
        place = rng.choice(places)
        a, b = _name(rng), _name(rng)
        a_id = _id_number(rng, place.code)
        phone = f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}"
        amount = Decimal(rng.choice((0, 0, 800, 3000, 12000, 50000, 180000)))
        received = now - timedelta(days=rng.randint(0, 364), hours=rng.randint(0, 23))
        if ref in existing or code not in categories:
            continue
        title, facts = SITUATIONS[code]
        services.create_dispute(
            data={
                "title": title.format(a=a, b=b), "facts": facts.format(a=a, b=b), "category": categories[code],
                "amount": amount, "jurisdiction": place, "received_at": received, "external_ref": ref,
            },
            parties=[
                {"role": "applicant", "name": a, "id_number": a_id, "phone": phone, "address": place.name},
                {"role": "respondent", "name": b, "address": place.name},
            ],
            by=None,
            source=Source.VISIT,
        )
        created += 1
    if stdout is not None:
        stdout.write(f"disputes: {created} demo disputes added ({COUNT - created} already present)\n")
    from .demo_work import advance_demo_disputes

    advance_demo_disputes(stdout=stdout)
    return []

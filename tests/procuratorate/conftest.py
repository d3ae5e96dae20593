"""Procuratorate tests run on the shared demo org chart (tests/conftest.py `make_user`) plus the
partner bodies and departments of pingan/procuratorate/demo.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from pingan.orgs.models import Agency, User
from pingan.procuratorate import services
from pingan.procuratorate.models import MinorCase, Offence


def valid_id(n: int) -> str:
    from pingan.core.idnumber import check_character

    first17 = f"52020419900101{n:03d}"
    return first17 + check_character(first17)


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


@dataclass
class Proc:
    procuratorate: Agency
    police: Agency
    partner_traffic: Agency
    partner_youth: Agency
    emergency: Agency
    district_government: Agency
    prosecutor: User
    partner: User
    partner_lead: User
    other_partner: User
    police_officer: User
    district_leader: User
    offences: dict[str, Offence]

    def case(self, *, number: str = "水公刑提〔2026〕1号", request: str = "prosecution", received: int = 10,
             suspects: list[dict] | None = None, fast_track: bool = False, offence: str = "theft") -> MinorCase:
        return services.create_case(
            data={"number": number, "offence": self.offences[offence], "procuratorate": self.procuratorate,
                  "police_agency": self.police, "prosecutor": self.prosecutor, "received_on": days_ago(received),
                  "fast_track": fast_track},
            suspects=suspects or [{"name": "张三", "id_number": valid_id(1), "guilty_plea": True,
                                   "guilty_plea_on": days_ago(received), "first_offender": True,
                                   "relation": "neighbours"}],
            request=request, by=self.prosecutor,
        )


@pytest.fixture
def proc(district, make_user) -> Proc:
    from pingan.orgs.services import create_user
    from pingan.procuratorate.demo import ensure_agencies
    from pingan.procuratorate.seed import seed
    from tests.conftest import TEST_PASSWORD
    from tests.core.seed import ensure_core_seed

    ensure_core_seed()  # a transactional test elsewhere may have flushed the migrations' rows
    seed()
    agencies = ensure_agencies()

    def traffic_partner(username: str) -> User:
        return create_user(by=None, username=username, password=TEST_PASSWORD, roles=["partner"],
                           agency=agencies["partner-traffic"], check_password=False)

    prosecutor = make_user("prosecutor", "procuratorate", username="prosecutor_t", full_name="赵敏")
    return Proc(
        procuratorate=prosecutor.agency,
        police=make_user("police_officer", "ps-shaomi", username="police_t").agency,
        partner_traffic=agencies["partner-traffic"],
        partner_youth=make_user("partner", "partner-youth", username="partner_youth_t").agency,
        emergency=agencies["dept-emergency"],
        district_government=agencies["gov-district"],
        prosecutor=prosecutor,
        partner=traffic_partner("partner_t"),
        partner_lead=traffic_partner("partner_lead_t"),
        other_partner=User.objects.get(username="partner_youth_t"),
        police_officer=User.objects.get(username="police_t"),
        district_leader=make_user("district_leader", "plc", username="leader_t"),
        offences={o.code: o for o in Offence.objects.all()},
    )

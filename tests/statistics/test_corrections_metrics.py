"""Corrections figures on the statistics API come from pingan.corrections.statistics (sanctions by
kind and how many the system found), scoped like the corrections app scopes them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from tests.corrections.conftest import make_supervisee, org  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def figure(user, key: str, **params) -> dict:
    c = Client()
    c.force_login(user)
    r = c.get(f"/api/v1/statistics/{key}", params)
    assert r.status_code == 200, r.content
    return r.json()


def test_sanctions_by_kind_and_found_by_system(org, make_supervisee):  # noqa: F811
    from pingan.corrections.models_alerts import Sanction

    a, _d, _t = make_supervisee(office="office_a")
    b, _d, _t = make_supervisee(office="office_b", name="李四")
    rows = [(a, "office_a", "warning", True), (a, "office_a", "warning", False), (b, "office_b", "warning", True),
            (b, "office_b", "admonition", True)]
    for i, (sup, office, kind, system) in enumerate(rows):
        Sanction.objects.create(supervisee=sup, justice_office=org[office], kind=kind, state="approved",
                                facts="未按规定报告", found_by_system=system, decided_on=dt.date(2022, 3, 1 + i))
    Sanction.objects.create(supervisee=a, justice_office=org["office_a"], kind="warning", state="proposed",
                            facts="待审批", found_by_system=True)  # not effective: not counted
    q = {"period": "2022", "jurisdiction": org["district"].code}
    officer = org["officer"]
    assert figure(officer, "corrections.warnings", **q)["value"] == 3
    assert figure(officer, "corrections.warnings_found_by_system", **q)["value"] == 2
    assert figure(officer, "corrections.admonitions", **q)["value"] == 1
    assert figure(officer, "corrections.admonitions_found_by_system", **q)["value"] == 1
    # the 蟠龙 司法所 sees its own supervisees' sanctions only
    assert figure(org["staff_a"], "corrections.warnings", **q)["value"] == 2
    assert figure(org["staff_a"], "corrections.admonitions", **q)["value"] == 0
    # drill-down calls the selector per township
    rows_ = {r["code"]: r["value"] for r in figure(officer, "corrections.warnings", group_by="jurisdiction",
                                                      **q)["rows"]}
    assert rows_[org["town_a"].code] == 2 and rows_[org["town_b"].code] == 1

"""The clerk's intake page (收案登记) and the series page (系列案): real DB, Django test client."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from pingan.core.idnumber import check_character
from pingan.core.models import AuditEntry
from pingan.court import services
from pingan.court.models import CourtCase, JudicialConfirmation, Outcome, Session
from pingan.disputes.models import Dispute

from .conftest import at, consent_all, new_case

pytestmark = pytest.mark.django_db
S = CourtCase.State


def valid_id(n: int) -> str:
    first17 = f"52020419850101{n:03d}"
    return first17 + check_character(first17)


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def intake_post(fx, **overrides) -> dict[str, str]:
    court = fx
    data = {
        "court": str(court.court.pk), "filing_division": "立案庭", "title": "买卖合同纠纷",
        "category": str(court.categories["contract"].pk), "jurisdiction": str(court.village.pk),
        "received_on": "2024-05-06", "amount": "12000", "claim": "判令被告支付货款 12000 元。",
        "facts": "原告诉称被告拖欠货款。",
        "parties-TOTAL_FORMS": "3", "parties-INITIAL_FORMS": "0", "parties-MIN_NUM_FORMS": "1",
        "parties-MAX_NUM_FORMS": "20",
        "parties-0-role": "applicant", "parties-0-kind": "person", "parties-0-name": "张三",
        "parties-0-id_number": valid_id(31), "parties-0-phone": "13800000031",
        "parties-1-role": "respondent", "parties-1-kind": "organisation", "parties-1-name": "某物流公司",
        "parties-2-role": "applicant", "parties-2-kind": "person",
    }
    data.update(overrides)
    return data


def test_intake_creates_the_case_through_the_service_and_audits(court):
    c = client_for(court.clerk)
    page = c.get(reverse("court:receive")).content.decode()
    assert 'id="court-intake"' in page and "hx-post" in page
    assert reverse("court:receive") in c.get(reverse("court:queue")).content.decode()
    r = c.post(reverse("court:receive"), intake_post(court))
    case = CourtCase.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("court:detail", args=[case.uuid])
    assert case.court == court.court and case.received_on == date(2024, 5, 6) and case.state == S.RECEIVED
    assert case.dispute.source == "court" and [p.name for p in case.dispute.parties.all()] == ["张三", "某物流公司"]
    assert AuditEntry.objects.filter(action="court.case.receive", actor=court.clerk).count() == 1
    detail = c.get(r["Location"]).content.decode()
    assert valid_id(31) not in detail  # the ID number is stored encrypted and shown masked
    # the case then gets its 民诉前调 number from the same services as the API's cases
    consent_all(court, case)
    services.delegate_case(case=case, organisation=court.centre, by=court.clerk, now=at(date(2024, 5, 7)))
    case.refresh_from_db()
    assert case.number == "（2024）黔0204民诉前调1号"


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"parties-0-id_number": "520204198001010015"}, "id_parties-0-id_number-error", "校验位"),
    ({"received_on": "2024-02-30"}, "id_received_on-error", ""),
    ({"parties-0-name": "", "parties-0-id_number": "", "parties-0-phone": "", "parties-1-name": ""},
     "id_parties-0-name-error", ""),
])
def test_intake_shows_field_errors_and_writes_nothing(court, overrides, field, message):
    c = client_for(court.clerk)
    for extra, htmx in (({"_check": "1"}, {"HTTP_HX_REQUEST": "true"}), ({}, {})):
        r = c.post(reverse("court:receive"), intake_post(court, **overrides, **extra), **htmx)
        body = r.content.decode()
        assert r.status_code == 200 and f'id="{field}"' in body and message in body
        assert ("<html" in body) is not bool(htmx)  # htmx gets only the re-rendered form
    assert not CourtCase.objects.exists() and not Dispute.objects.exists()


def test_intake_inline_check_of_a_valid_form_writes_nothing(court):
    r = client_for(court.clerk).post(reverse("court:receive"), intake_post(court, _check="1"), HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert r.status_code == 200 and 'id="court-intake"' in body and 'class="error"' not in body
    assert not CourtCase.objects.exists()


def test_intake_refuses_non_clerks_and_other_courts(court, make_user):
    for user in (court.judge, court.mediator):
        c = client_for(user)
        assert c.get(reverse("court:receive")).status_code == 403
        assert c.post(reverse("court:receive"), intake_post(court)).status_code == 403
    # a tribunal's clerk may receive for the tribunal but not for the court above it
    tribunal_clerk = make_user("court_clerk", "tribunal-dongdi", username="clerk_dongdi")
    c = client_for(tribunal_clerk)
    choices = c.get(reverse("court:receive")).content.decode().split('name="court"')[1].split("</select>")[0]
    assert f'value="{court.court.pk}"' not in choices and f'value="{court.tribunal.pk}"' in choices
    r = c.post(reverse("court:receive"), intake_post(court))
    assert r.status_code == 200 and 'id="id_court-error"' in r.content.decode()
    assert not CourtCase.objects.exists() and not Dispute.objects.exists()
    r = c.post(reverse("court:receive"), intake_post(court, court=str(court.tribunal.pk)))
    assert r.status_code == 302 and CourtCase.objects.get().court == court.tribunal


def _series(court, n: int = 3):
    cases = [consent_all(court, new_case(court, names=("某民营企业", "某平台公司"), title=f"服务合同纠纷{i}"))
             for i in range(1, n + 1)]
    return services.create_series(name="某民营企业与某平台公司系列案", court=court.court, cases=cases, by=court.clerk)


def test_series_page_lists_cases_and_is_linked_from_each_case(court, make_user):
    series = _series(court)
    url = reverse("court:series", args=[series.uuid])
    case = series.cases.first()
    assert url in client_for(court.clerk).get(reverse("court:detail", args=[case.uuid])).content.decode()
    body = client_for(court.clerk).get(url).content.decode()
    assert all(f"服务合同纠纷{i}" in body for i in (1, 2, 3)) and 'data-testid="series-delegate"' in body
    assert client_for(court.judge).get(url).status_code == 200
    assert client_for(court.mediator).get(url).status_code == 404  # none of its cases is theirs
    other_clerk = make_user("court_clerk", "tribunal-yushe", username="clerk_yushe")
    assert client_for(other_clerk).get(url).status_code == 404


def test_series_bulk_actions_through_to_confirmation(court):
    series = _series(court)
    act = lambda who, action, **data: client_for(who).post(  # noqa: E731
        reverse("court:series_action", args=[series.uuid, action]), data, follow=True)
    r = act(court.clerk, "delegate", organisation=str(court.centre.pk))
    assert "已办理 3 件" in r.content.decode()
    r = act(court.clerk, "assign", mediator=court.mediator.username)
    assert set(series.cases.values_list("mediator", flat=True)) == {court.mediator.pk}
    act(court.mediator, "accept")
    assert set(series.cases.values_list("state", flat=True)) == {S.IN_MEDIATION}
    body = client_for(court.mediator).get(reverse("court:series", args=[series.uuid])).content.decode()
    assert 'data-testid="series-session"' in body
    r = act(court.mediator, "session", held_on="2024-05-15", held_time="09:30", place="诉调对接中心",
            minutes="三案合并调解")
    session = Session.objects.get()
    assert session.cases.count() == 3 and session.minutes == "三案合并调解"
    today = date.today()
    for case in series.cases.all():  # individual outcomes, case by case
        services.succeed_mediation(case=case, agreed_terms="分期支付服务费", agreement_effective_on=today,
                                   by=court.mediator)
    act(court.clerk, "apply_confirmation", applied_on=today.isoformat())
    assert JudicialConfirmation.objects.count() == 3
    r = act(court.judge, "confirm", ruled_on=today.isoformat())
    assert "已办理 3 件" in r.content.decode()
    assert set(series.cases.values_list("outcome", flat=True)) == {Outcome.JUDICIAL_CONFIRMATION}


def test_series_bulk_actions_refused_without_permission(court):
    series = _series(court)
    url = lambda action: reverse("court:series_action", args=[series.uuid, action])  # noqa: E731
    # the judge sees the series but neither delegates nor assigns; the mediator does not see it
    assert client_for(court.judge).post(url("delegate"), {"organisation": court.centre.pk}).status_code == 403
    assert client_for(court.judge).post(url("assign"), {"mediator": court.mediator.username}).status_code == 403
    assert client_for(court.mediator).post(url("delegate"), {"organisation": court.centre.pk}).status_code == 404
    assert client_for(court.clerk).post(url("confirm"), {"ruled_on": "2024-05-20"}).status_code == 403
    assert set(series.cases.values_list("state", flat=True)) == {S.CONSENT_PENDING}
    # a batch that fails on one case is refused as a whole, with a message naming the step
    r = client_for(court.clerk).post(url("session"), {"held_on": "2024-05-15"})
    assert r.status_code == 403 and not Session.objects.exists()
    r = client_for(court.clerk).post(url("assign"), {"mediator": court.mediator.username}, follow=True)
    assert "系列案中没有可以执行此操作的案件" in r.content.decode()
    assert not series.cases.exclude(mediator=None).exists()

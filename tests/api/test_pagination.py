from __future__ import annotations

import pytest

from pingan.core.pagination import MAX_PAGE_SIZE
from pingan.orgs.models import Jurisdiction


@pytest.mark.django_db
def test_page_number_pagination(client, leader, org):
    client.force_login(leader)
    total = Jurisdiction.objects.count()
    assert total >= 5
    first = client.get("/api/v1/orgs/jurisdictions", {"page_size": 2}).json()
    assert first["count"] == total
    assert first["page"] == 1
    assert first["page_size"] == 2
    assert len(first["items"]) == 2
    second = client.get("/api/v1/orgs/jurisdictions", {"page_size": 2, "page": 2}).json()
    assert second["page"] == 2
    assert {i["id"] for i in first["items"]}.isdisjoint(i["id"] for i in second["items"])
    beyond = client.get("/api/v1/orgs/jurisdictions", {"page_size": 2, "page": 10_000}).json()
    assert beyond["items"] == []
    assert beyond["count"] == total


@pytest.mark.django_db
def test_default_page_size_and_count_follow_permissions(client, mediator, org):
    client.force_login(mediator)
    body = client.get("/api/v1/orgs/jurisdictions").json()
    assert body["page_size"] == 100
    # a village mediator sees their village's subtree only
    assert body["count"] == 1
    assert [i["code"] for i in body["items"]] == [org.village_a.code]


@pytest.mark.parametrize("params", [{"page": 0}, {"page_size": 0}, {"page_size": MAX_PAGE_SIZE + 1}, {"page": "x"}])
@pytest.mark.django_db
def test_bad_page_parameters_are_422(client, leader, params):
    client.force_login(leader)
    response = client.get("/api/v1/orgs/agencies", params)
    assert response.status_code == 422
    assert set(response.json()["errors"]) <= {"page", "page_size"}

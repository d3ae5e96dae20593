"""Pages: home per role, navigation per permission, scope on list and detail pages, language."""

from __future__ import annotations

import pytest

from pingan.orgs.models import Agency, Jurisdiction


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_district_leader_home_and_navigation(client, district_leader):
    client.force_login(district_leader)
    page = client.get("/").content.decode()
    assert 'data-panel="district"' in page or 'data-panel="default"' in page
    assert 'data-nav="orgs:agency_list"' in page
    assert 'data-nav="orgs:jurisdiction_list"' in page
    assert f'data-count="jurisdictions">{Jurisdiction.objects.count()}<' in page


@pytest.mark.django_db
def test_village_mediator_sees_own_village_only(client, village_mediator, other_village_mediator):
    client.force_login(village_mediator)
    own = village_mediator.agency
    other = other_village_mediator.agency
    agencies = client.get("/orgs/agencies/").content.decode()
    assert own.name in agencies
    assert other.name not in agencies
    jurisdictions = client.get("/orgs/jurisdictions/").content.decode()
    assert own.jurisdiction.name in jurisdictions
    assert other.jurisdiction.name not in jurisdictions
    assert client.get(f"/orgs/agencies/{own.pk}/").status_code == 200
    # outside the scope looks exactly like a missing record
    outside = client.get(f"/orgs/agencies/{other.pk}/")
    missing = client.get("/orgs/agencies/999999/")
    assert outside.status_code == missing.status_code == 404
    assert "记录不存在或无权查看。" in outside.content.decode()
    assert client.get(f"/orgs/jurisdictions/{other.jurisdiction.pk}/").status_code == 404


@pytest.mark.django_db
def test_navigation_hides_what_the_role_may_not_view(client, make_user, district):
    nobody = make_user(None, None, username="no_roles")
    client.force_login(nobody)
    page = client.get("/").content.decode()
    assert 'data-nav="home"' in page
    assert 'data-nav="orgs:agency_list"' not in page
    assert "暂未分配可查看的内容" in page
    assert "没有可查看的单位。" in client.get("/orgs/agencies/").content.decode()


@pytest.mark.django_db
def test_agency_list_filter_by_kind(client, district_leader):
    client.force_login(district_leader)
    page = client.get("/orgs/agencies/", {"kind": "justice_office"}).content.decode()
    names = Agency.objects.filter(kind="justice_office").values_list("name", flat=True)
    others = Agency.objects.exclude(kind="justice_office").values_list("name", flat=True)
    assert all(n in page for n in names)
    assert not any(f">{n}</a>" in page for n in others)
    # an unknown kind is ignored, not an error
    assert client.get("/orgs/agencies/", {"kind": "nonsense"}).status_code == 200


@pytest.mark.django_db
def test_language_switch_to_english_and_back(client, district_leader):
    client.force_login(district_leader)
    assert "工作台" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert "Desk" in page
    assert 'lang="en"' in page
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "工作台" in client.get("/").content.decode()


@pytest.mark.django_db
def test_pages_have_no_inline_script_or_style_and_send_csp(client, district_leader):
    client.force_login(district_leader)
    for url in ("/", "/orgs/agencies/", "/orgs/jurisdictions/", "/accounts/otp/enrol/"):
        response = client.get(url, follow=True)
        html = response.content.decode()
        assert "<script>" not in html and "<style" not in html and " style=" not in html, url
        assert "script-src 'self'" in response["Content-Security-Policy"]
    assert 'name="htmx-config"' in html
    assert "django_htmx/htmx-2.min.js" in html


@pytest.mark.django_db
def test_api_docs_page_uses_local_assets(client, district_leader):
    client.force_login(district_leader)
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "https://" not in html
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200
    assert client.get("/api/v1/openapi.json").json()["components"]["schemas"]["Error"]["required"] == ["detail", "errors"]

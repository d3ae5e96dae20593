import pytest


@pytest.mark.django_db
def test_login_page_renders_in_chinese(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()


@pytest.mark.django_db
def test_api_requires_auth(client):
    response = client.get("/api/v1/orgs/me")
    assert response.status_code == 401
    assert response.json()["detail"]

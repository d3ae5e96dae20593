"""One error body everywhere under /api/, in the user's language."""

from __future__ import annotations

import logging

import pytest


def assert_shape(body: dict) -> None:
    assert set(body) == {"detail", "errors"}
    assert isinstance(body["detail"], str) and body["detail"]
    for field, errs in body["errors"].items():
        assert isinstance(field, str)
        for err in errs:
            assert set(err) == {"code", "message"}


@pytest.mark.django_db
def test_field_error_in_chinese_by_default(client, leader):
    client.force_login(leader)
    response = client.get("/api/v1/orgs/jurisdictions", {"level": 9})
    assert response.status_code == 422
    body = response.json()
    assert_shape(body)
    assert body["detail"] == "输入有误。"
    assert body["errors"]["level"] == [{"code": "less_than_equal", "message": "不能大于 4。"}]


@pytest.mark.django_db
def test_field_error_in_english_with_accept_language(client, leader):
    client.force_login(leader)
    response = client.get("/api/v1/orgs/jurisdictions", {"level": 9}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "Invalid input."
    assert body["errors"]["level"][0]["message"] == "Must not be greater than 4."


@pytest.mark.django_db
def test_malformed_json_is_400_with_field_less_error(client, leader):
    client.force_login(leader)
    response = client.post("/api/v1/orgs/tokens", "{not json", content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert_shape(body)
    assert body["errors"]["__all__"][0]["code"] == "json_invalid"
    assert body["detail"] == "请求体不是有效的 JSON。"
    english = client.post(
        "/api/v1/orgs/tokens", "{not json", content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.json()["detail"] == "The request body is not valid JSON."


@pytest.mark.django_db
def test_wrong_type_and_missing_field(client, leader):
    client.force_login(leader)
    response = client.post("/api/v1/orgs/tokens", {"scopes": "read"}, content_type="application/json")
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["name"][0]["code"] == "missing"
    assert errors["name"][0]["message"] == "必填项。"
    assert errors["scopes"][0]["code"] == "list_type"


@pytest.mark.django_db
def test_unknown_api_url_is_404_in_shape(client, leader):
    client.force_login(leader)
    for url in ("/api/v1/no-such-thing", "/api/v2/orgs/me", "/api/v1/orgs/nope/abc"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"].startswith("application/json")
        assert response.json() == {"detail": "记录不存在或无权查看。", "errors": {}}
    english = client.get("/api/v1/no-such-thing", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["detail"] == "Not found, or you may not see it."


@pytest.mark.django_db
def test_wrong_method_is_405_in_shape(client, leader):
    client.force_login(leader)
    response = client.put("/api/v1/orgs/me", {}, content_type="application/json")
    assert response.status_code == 405
    assert response.json() == {"detail": "不支持该请求方法。", "errors": {}}
    assert "GET" in response["Allow"]


@pytest.mark.django_db
def test_unauthenticated_is_401_in_shape(client):
    response = client.get("/api/v1/orgs/jurisdictions", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response.json() == {"detail": "Not signed in, or the token is invalid.", "errors": {}}


@pytest.mark.urls("tests.api.boom_urls")
@pytest.mark.django_db
def test_server_error_is_500_in_shape_and_logged(client, caplog):
    with caplog.at_level(logging.ERROR, logger="pingan.api"):
        response = client.get("/api/boom-test/boom")
    assert response.status_code == 500
    body = response.json()
    assert body == {"detail": "服务器内部错误，请联系系统管理员。", "errors": {}}
    assert "secret internal detail" not in response.content.decode()
    assert any(r.exc_info and "secret internal detail" in str(r.exc_info[1]) for r in caplog.records)

"""Structured logs: one JSON object per line, carrying the request id."""

from __future__ import annotations

import io
import json
import logging

import pytest

from pingan.core.logging import JsonFormatter, RequestIdFilter


@pytest.fixture
def json_lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def _records(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


@pytest.mark.django_db
def test_a_request_log_line_is_json_with_the_request_id(client, json_lines):
    response = client.get("/api/v1/orgs/me", HTTP_X_REQUEST_ID="req-abc-123")
    assert response.status_code == 401
    assert response["X-Request-ID"] == "req-abc-123"
    records = _records(json_lines)
    warning = [r for r in records if r["logger"] == "django.request"]
    assert warning, records
    assert warning[0]["request_id"] == "req-abc-123"
    assert warning[0]["level"] == "WARNING"
    assert warning[0]["status_code"] == 401
    assert warning[0]["ts"].endswith("+00:00")


@pytest.mark.django_db
def test_generated_request_ids_differ(client, json_lines):
    first = client.get("/api/v1/orgs/me")["X-Request-ID"]
    second = client.get("/api/v1/orgs/me")["X-Request-ID"]
    assert first and second and first != second
    ids = {r.get("request_id") for r in _records(json_lines) if r["logger"] == "django.request"}
    assert {first, second} <= ids


def test_exceptions_and_chinese_text_are_kept_readable(json_lines):
    log = logging.getLogger("pingan.test")
    try:
        raise ValueError("坏数据")
    except ValueError:
        log.exception("处理失败", extra={"case": 7})
    (record,) = [r for r in _records(json_lines) if r["logger"] == "pingan.test"]
    assert record["msg"] == "处理失败"
    assert record["case"] == 7
    assert "ValueError: 坏数据" in record["exc"]
    assert "request_id" not in record  # outside a request there is none
    assert "坏数据" in json_lines.getvalue()  # not \\u escaped

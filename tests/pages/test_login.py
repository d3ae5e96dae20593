"""Login: lockout after repeated failures (django-axes) and TOTP two-factor for roles that need it."""

from __future__ import annotations

import time

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import TEST_PASSWORD


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


@pytest.mark.django_db
def test_password_login_reaches_home(client, district_leader):
    response = client.post("/accounts/login/", {"username": "district_leader", "password": TEST_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "工作台" in response.content.decode()


@pytest.mark.django_db
def test_five_failures_lock_the_user_and_ip_in_chinese(client, district_leader):
    for _ in range(4):
        response = client.post("/accounts/login/", {"username": "district_leader", "password": "wrong"})
        assert response.status_code == 200
        assert "账号已临时锁定" not in response.content.decode()
    locked = client.post("/accounts/login/", {"username": "district_leader", "password": "wrong"})
    assert locked.status_code == 429
    assert "账号已临时锁定" in locked.content.decode()
    # now even the right password is refused for this user from this address
    again = client.post("/accounts/login/", {"username": "district_leader", "password": TEST_PASSWORD})
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session
    # the lock is per user+IP: the same user from another address can still sign in
    other = client.post(
        "/accounts/login/", {"username": "district_leader", "password": TEST_PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 302


@pytest.mark.django_db
def test_admin_must_enrol_then_verify_totp(client, make_user):
    admin = make_user("admin", None, username="admin_2fa")
    client.post("/accounts/login/", {"username": "admin_2fa", "password": TEST_PASSWORD})
    # every page sends them to enrolment, the API refuses the session
    response = client.get("/orgs/agencies/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/otp/enrol/")
    assert client.get("/api/v1/orgs/me").status_code == 401
    enrol = client.get(response["Location"])
    html = enrol.content.decode()
    assert "otpauth://totp/" in html
    assert "<svg" in html and "<path" in html  # the QR code, drawn on the server
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    # a wrong code keeps them out
    bad = client.post("/accounts/otp/enrol/", {"token": "000000" if code_for(device) != "000000" else "111111"})
    assert "验证码不正确或已过期。" in bad.content.decode()
    assert client.get("/").status_code == 302
    time.sleep(1.1)  # django-otp throttles: after a failure the next try must wait a second
    ok = client.post("/accounts/otp/enrol/", {"token": code_for(device), "next": "/orgs/agencies/"})
    assert ok.status_code == 302 and ok["Location"] == "/orgs/agencies/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/orgs/agencies/").status_code == 200
    assert client.get("/api/v1/orgs/me").status_code == 200

    # next session: a confirmed device means the verify page, not enrolment again
    client.logout()
    client.post("/accounts/login/", {"username": "admin_2fa", "password": TEST_PASSWORD})
    response = client.get("/")
    assert response["Location"].startswith("/accounts/otp/verify/")
    assert client.post("/accounts/otp/verify/", {"token": "12345a"}).status_code == 200
    # the code just used is refused (replay); the next time step's code (within the allowed
    # drift of one step) is accepted
    device.refresh_from_db()
    replay = client.post("/accounts/otp/verify/", {"token": code_for(device)})
    assert replay.status_code == 200
    time.sleep(1.1)
    verified = client.post("/accounts/otp/verify/", {"token": code_for(device, offset=1)})
    assert verified.status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_roles_without_2fa_are_not_asked(client, district_leader):
    client.force_login(district_leader)
    assert client.get("/").status_code == 200
    assert client.get("/accounts/otp/verify/").status_code == 302  # nothing to verify → enrol page

from __future__ import annotations

import pytest

from pingan.orgs.models import User


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["supervisee", "device", "permittedarea", "geofencebreach", "alert", "sanction", "leave", "travelrecord"])
def test_admin_lists_load_and_hide_id_numbers(client, make_supervisee, model):
    s, _device, _token = make_supervisee()
    admin = User.objects.create_superuser("root", password="x-long-password-1")
    client.force_login(admin)
    resp = client.get(f"/admin/corrections/{model}/")
    assert resp.status_code == 200, resp.status_code
    assert s.id_number not in resp.content.decode()


@pytest.mark.django_db
def test_new_admin_lists_show_rows_read_only(client, org, make_supervisee):
    from pingan.corrections import alerts, sanctions

    s, _device, _token = make_supervisee(name="列表人")
    a = alerts.raise_alert(supervisee=s, kind="silence", occurred_at=s.reported_at, evidence={}, source="geofence")
    sanctions.propose_sanction(supervisee=s, by=org["staff_a"], facts={}, description="迟到")
    admin = User.objects.create_superuser("root2", password="x-long-password-1")
    client.force_login(admin)
    assert "列表人" in client.get("/admin/corrections/alert/").content.decode()
    assert client.get(f"/admin/corrections/alert/{a.pk}/delete/").status_code == 403
    assert "列表人" in client.get("/admin/corrections/sanction/").content.decode()

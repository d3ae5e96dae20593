from __future__ import annotations

import pytest

from pingan.orgs.models import User


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["supervisee", "device", "permittedarea", "geofencebreach"])
def test_admin_lists_load_and_hide_id_numbers(client, make_supervisee, model):
    s, _device, _token = make_supervisee()
    admin = User.objects.create_superuser("root", password="x-long-password-1")
    client.force_login(admin)
    resp = client.get(f"/admin/corrections/{model}/")
    assert resp.status_code == 200, resp.status_code
    assert s.id_number not in resp.content.decode()

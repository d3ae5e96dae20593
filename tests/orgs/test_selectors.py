import pytest

from pingan.orgs.selectors import agency_list, jurisdiction_list, user_list


@pytest.mark.django_db
def test_selectors_are_restricted(justice_staff, village_mediator, other_village_mediator, district_leader,
                                  django_assert_max_num_queries):
    assert [u.username for u in user_list(user=justice_staff)] == ["justice_staff", "village_mediator_shaomi"]
    assert [u.username for u in user_list(user=district_leader, role_code="village_mediator")] == [
        "village_mediator_huangtupo", "village_mediator_shaomi"]
    assert [u.username for u in user_list(user=village_mediator)] == ["village_mediator_shaomi"]
    codes = [j.code for j in jurisdiction_list(user=justice_staff, level=3)]
    assert codes == ["520204104001"]  # 勺米村, not 黄土坡社区
    assert {a.code for a in agency_list(user=justice_staff, kind="mediation_committee")} == {"mc-v-shaomi-cun"}
    with django_assert_max_num_queries(4):  # grants, list, roles prefetch: no N+1
        [list(u.roles.all()) and u.agency.name for u in user_list(user=district_leader)]

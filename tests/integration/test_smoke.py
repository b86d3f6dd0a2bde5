from tests.integration.conftest import TENANT
from tests.support import call


def test_invited_contact_signs_in_and_reads_me(world):
    world.account("acc-1")
    token = world.portal_user("c-1", "acc-1")
    reply = call(world.client, "GET", "/v1/me", token=token)
    assert reply.status == 200, reply.body
    assert reply.body["account"]["name"] == "Cliente acc-1"
    assert reply.body["tenant"]["slug"] == TENANT

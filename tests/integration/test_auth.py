"""Sign-in, sign-out, passwords and sessions (``/v1/auth/*``, ``/v1/me``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from chalicelib.domain import clock
from tests.integration.conftest import API_KEY, OTHER_API_KEY, OTHER_TENANT, TENANT
from tests.support import (
    PASSWORD,
    Reply,
    call,
    grant,
    link_token,
    override_settings,
    quick_portal_user,
    rewrite_grant,
    sent_mail,
    today,
    wait_for_new_second,
)

EMAIL = "c-1@cliente.test"


def login(client: Any, email: str = EMAIL, password: str = PASSWORD, tenant: str = TENANT) -> Reply:
    return call(client, "POST", "/v1/auth/login", body={"tenant": tenant, "email": email, "password": password})


def me(client: Any, token: str) -> Reply:
    return call(client, "GET", "/v1/me", token=token)


def error(reply: Reply, status: int, code: str) -> dict[str, Any]:
    assert reply.status == status, reply.body
    assert reply.body["error"]["code"] == code, reply.body
    return reply.body["error"]["details"]


@pytest.fixture
def user(world: Any) -> str:
    """Account acc-1 with portal user c-1 (billing and payments), signed in once; returns that token."""
    world.account("acc-1")
    world.contact("c-1", "acc-1", grant("billing", "payments"))
    return quick_portal_user(world.client, TENANT, "c-1", EMAIL)


# --- login ------------------------------------------------------------------------------------------------------


def test_login_answers_token_contact_account_modules_tenant_session(world: Any) -> None:
    world.account("acc-1", city="Medellín")
    world.contact("c-1", "acc-1", grant("billing", "payments", actions={"payments": ["pay"]}))
    assert call(world.client, "POST", "/v1/auth/password/set",
                body={"token": link_token(sent_mail()[0]), "password": PASSWORD}).status == 200
    # When the contact signs in
    reply = login(world.client)
    # Then the answer carries everything the portal shell needs
    assert reply.status == 200, reply.body
    body = reply.body
    assert {"token", "expires_at", "contact", "account", "modules", "tenant", "session"} <= set(body)
    assert body["contact"]["id"] == "c-1"
    assert body["contact"]["email"] == EMAIL
    assert body["account"]["id"] == "acc-1"
    assert body["account"]["name"] == "Cliente acc-1"
    assert body["account"]["city"] == "Medellín"
    assert body["account"]["account_executive"]["email"] == "eva@acme.test"
    assert body["modules"] == {"billing": {"scope": "account", "actions": ["view"]},
                               "payments": {"scope": "account", "actions": ["pay", "view"]}}
    assert body["tenant"]["slug"] == TENANT
    assert body["session"]["expires_at"] == body["expires_at"]
    expires = clock.parse_iso(body["expires_at"])
    assert timedelta(hours=11, minutes=59) < expires - clock.now() <= timedelta(hours=12)
    # and the token works
    assert me(world.client, body["token"]).body["session"]["id"] == body["session"]["id"]
    # and nothing secret comes back
    assert "password_hash" not in str(body) and PASSWORD not in str(body)


def test_login_email_is_case_insensitive(user: str, world: Any) -> None:
    assert login(world.client, email="C-1@Cliente.TEST").status == 200


def test_wrong_password_is_401_invalid_credentials(user: str, world: Any) -> None:
    reply = login(world.client, password="Incorrecta-Clave-99")
    error(reply, 401, "invalid_credentials")
    assert "token" not in reply.body


def test_unknown_email_gets_the_same_401(user: str, world: Any) -> None:
    wrong_password = login(world.client, password="Incorrecta-Clave-99")
    unknown_email = login(world.client, email="nadie@cliente.test")
    unknown_tenant = login(world.client, tenant="nobody")
    for reply in (unknown_email, unknown_tenant):
        assert reply.status == wrong_password.status == 401
        assert reply.body == wrong_password.body


def test_portal_user_of_another_tenant_cannot_sign_in_here(user: str, world: Any) -> None:
    error(login(world.client, tenant=OTHER_TENANT), 401, "invalid_credentials")


def test_contact_without_password_cannot_sign_in(world: Any) -> None:
    world.account("acc-1")
    world.contact("c-1", "acc-1", grant("billing"))  # invited, never set a password
    error(login(world.client, password=""), 422, "validation_failed")
    error(login(world.client), 401, "invalid_credentials")


def test_login_body_is_validated(world: Any) -> None:
    reply = call(world.client, "POST", "/v1/auth/login", body={"email": "not-an-email", "pass": "x"})
    fields = error(reply, 422, "validation_failed")["fields"]
    assert {"tenant", "email", "password", "pass"} <= set(fields)
    error(call(world.client, "POST", "/v1/auth/login", raw="{not json"), 400, "malformed_json")


def test_five_failed_logins_lock_the_user(user: str, world: Any) -> None:
    # Given five failed sign-ins
    for _ in range(5):
        error(login(world.client, password="Incorrecta-Clave-99"), 401, "invalid_credentials")
    # When the right password comes next
    reply = login(world.client)
    # Then it is refused for a while: 429 with retry_after and a Retry-After header
    details = error(reply, 429, "login_locked")
    assert 14 * 60 < details["retry_after"] <= 15 * 60 + 1
    assert reply.headers["retry-after"] == str(details["retry_after"])
    # and wrong passwords get the same answer while locked
    error(login(world.client, password="Incorrecta-Clave-99"), 429, "login_locked")
    # but the sessions the user already had keep working
    assert me(world.client, user).status == 200


def test_four_failed_logins_do_not_lock_and_success_resets_the_count(user: str, world: Any) -> None:
    for _ in range(4):
        error(login(world.client, password="Incorrecta-Clave-99"), 401, "invalid_credentials")
    assert login(world.client).status == 200
    for _ in range(4):
        error(login(world.client, password="Incorrecta-Clave-99"), 401, "invalid_credentials")
    assert login(world.client).status == 200


def test_parallel_failed_logins_still_lock(user: str, world: Any) -> None:
    # Given an attacker who sends six wrong passwords at once (the chalice test client is not thread-safe,
    # so the threads call the same service function the login route calls)
    from concurrent.futures import ThreadPoolExecutor

    from chalicelib.domain.errors import PorticoError
    from chalicelib.services import auth

    def attempt(_: int) -> str | None:
        try:
            auth.login(TENANT, EMAIL, "Incorrecta-Clave-99", user_agent="attacker", ip=None)
        except PorticoError as exc:
            return exc.code
        return None

    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = list(pool.map(attempt, range(6)))
    assert set(codes) <= {"invalid_credentials", "login_locked"}
    # Then the account is locked all the same: six failures are more than five
    error(login(world.client), 429, "login_locked")


def test_twenty_parallel_wrong_passwords_are_at_most_five_tries(user: str, world: Any,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # Given an attacker who sends twenty wrong passwords for one contact at the same instant
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from chalicelib.domain.errors import PorticoError
    from chalicelib.services import auth
    from tests.integration.payments_support import one_request_at_a_time

    one_request_at_a_time(monkeypatch)  # DynamoDB's atomic conditional write; moto checks and writes unlocked
    start = threading.Barrier(20)

    def attempt(_: int) -> str | None:
        start.wait()
        try:
            auth.login(TENANT, EMAIL, "Incorrecta-Clave-99", user_agent="attacker", ip=None)
        except PorticoError as exc:
            return exc.code
        return None

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(attempt, range(20)))
    # Then at most five were checked against the password (401) and every other one was refused (429)
    assert codes.count("invalid_credentials") <= 5, codes
    assert codes.count("login_locked") == 20 - codes.count("invalid_credentials"), codes
    # and the right password is refused too until the lock ends
    error(login(world.client), 429, "login_locked")
    age_attempts(TENANT, "c-1", minutes=15)
    assert login(world.client).status == 200


def test_an_unknown_email_is_locked_exactly_like_a_known_one(user: str, world: Any) -> None:
    # Given five wrong passwords for a portal user and five for an email nobody has
    for email in (EMAIL, "nadie@cliente.test"):
        for _ in range(5):
            error(login(world.client, email=email, password="Incorrecta-Clave-99"), 401, "invalid_credentials")
    # When each is tried once more
    known = login(world.client, password="Incorrecta-Clave-99")
    unknown = login(world.client, email="nadie@cliente.test", password="Incorrecta-Clave-99")
    # Then both are locked with the same answer, so a 429 does not tell that an account exists
    for reply in (known, unknown):
        details = error(reply, 429, "login_locked")
        assert 14 * 60 < details["retry_after"] <= 15 * 60 + 1
        assert reply.headers["retry-after"] == str(details["retry_after"])
    assert unknown.body["error"]["message"] == known.body["error"]["message"]
    # and a sixth email stays unlocked: the lock is per email, not per tenant
    error(login(world.client, email="otra@cliente.test"), 401, "invalid_credentials")


def age_attempts(tenant: str, contact_id: str, *, minutes: int) -> None:
    """Moves the start of the contact's latest counted sign-in attempt ``minutes`` (and a second) back."""
    from chalicelib.store import keys
    from chalicelib.store.models import ContactItem

    item = ContactItem.get(keys.contact(tenant, contact_id), keys.CONTACT_SK, consistent_read=True)
    assert item.last_failed_at
    earlier = clock.parse_iso(item.last_failed_at) - timedelta(minutes=minutes, seconds=1)
    item.update(actions=[ContactItem.last_failed_at.set(clock.iso(earlier))])


def test_ended_grant_is_403_access_ended(user: str, world: Any) -> None:
    rewrite_grant(TENANT, "c-1", start_date=today() - timedelta(days=60), end_date=today() - timedelta(days=1))
    error(login(world.client), 403, "access_ended")


def test_grant_starting_tomorrow_is_403_access_not_started(user: str, world: Any) -> None:
    rewrite_grant(TENANT, "c-1", start_date=today() + timedelta(days=1), end_date=today() + timedelta(days=30))
    error(login(world.client), 403, "access_not_started")


def test_grant_window_is_inclusive_of_today(user: str, world: Any) -> None:
    rewrite_grant(TENANT, "c-1", start_date=today(), end_date=today())
    assert login(world.client).status == 200


def test_wrong_password_for_an_ended_grant_still_says_invalid_credentials(user: str, world: Any) -> None:
    rewrite_grant(TENANT, "c-1", start_date=today() - timedelta(days=60), end_date=today() - timedelta(days=1))
    error(login(world.client, password="Incorrecta-Clave-99"), 401, "invalid_credentials")


# --- logout -----------------------------------------------------------------------------------------------------


def test_logout_ends_only_that_session(user: str, world: Any) -> None:
    other = world.login(TENANT, EMAIL)
    reply = call(world.client, "POST", "/v1/auth/logout", token=user)
    assert reply.status == 204
    error(me(world.client, user), 401, "session_expired")
    assert me(world.client, other).status == 200


def test_logout_all_ends_every_session_of_the_contact(user: str, world: Any) -> None:
    # Given a contact signed in on two devices, and another contact signed in
    world.contact("c-2", "acc-1", grant("billing"))
    bystander = quick_portal_user(world.client, TENANT, "c-2", "c-2@cliente.test")
    wait_for_new_second()
    first = world.login(TENANT, EMAIL)
    second = world.login(TENANT, EMAIL)
    # When the contact signs out everywhere from one of them
    assert call(world.client, "POST", "/v1/auth/logout-all", token=first).status == 204
    # Then every token of that contact is refused, including the old one, but not the other contact's
    for token in (user, first, second):
        error(me(world.client, token), 401, "session_expired")
    assert me(world.client, bystander).status == 200
    # and signing in again works
    assert login(world.client).status == 200


def test_logout_without_a_session_is_401(world: Any) -> None:
    error(call(world.client, "POST", "/v1/auth/logout"), 401, "invalid_session")
    error(call(world.client, "POST", "/v1/auth/logout-all", token="garbage"), 401, "invalid_session")


# --- passwords --------------------------------------------------------------------------------------------------


def invited(world: Any) -> str:
    """Creates c-1 with access and returns the token of its invitation link."""
    world.account("acc-1")
    world.contact("c-1", "acc-1", grant("billing"))
    return link_token(sent_mail()[-1])


def set_password(world: Any, token: str, password: str = PASSWORD) -> Reply:
    return call(world.client, "POST", "/v1/auth/password/set", body={"token": token, "password": password})


def test_password_set_token_is_single_use(world: Any) -> None:
    token = invited(world)
    first = set_password(world, token)
    assert first.status == 200, first.body
    assert first.body == {"tenant": TENANT, "email": EMAIL}
    # When the same link is used again
    error(set_password(world, token, "Otra-Clave-Distinta-7"), 401, "invalid_token")
    # Then the first password is still the one that works
    assert login(world.client).status == 200
    error(login(world.client, password="Otra-Clave-Distinta-7"), 401, "invalid_credentials")


@pytest.mark.parametrize(
    ("password", "why"),
    [("Corta-1", "at least 10"), ("qwertyuiop", "common"), ("1234567890", "common"), (EMAIL, "email"),
     ("C-1@CLIENTE.TEST", "email")],
)
def test_password_policy_is_422_naming_password(world: Any, password: str, why: str) -> None:
    token = invited(world)
    fields = error(set_password(world, token, password), 422, "validation_failed")["fields"]
    assert set(fields) == {"password"}
    assert why in fields["password"]
    # the link was not used up by the refusal
    assert set_password(world, token).status == 200


def test_password_set_with_a_forged_or_garbage_token_is_401(world: Any) -> None:
    token = invited(world)
    route, secret = token.split(".")
    forged = f"{route}.{'A' * len(secret)}"
    for bad in (forged, "garbage", "a.b"):
        error(set_password(world, bad), 401, "invalid_token")
    error(set_password(world, "", PASSWORD), 422, "validation_failed")


def test_password_set_is_reported_in_the_events_feed(world: Any) -> None:
    set_password(world, invited(world))
    feed = call(world.client, "GET", "/v1/integration/events", token=API_KEY).body["items"]
    assert [e["type"] for e in feed] == ["contact.invited", "contact.password_set"]


def forgot(world: Any, email: str, tenant: str = TENANT) -> Reply:
    return call(world.client, "POST", "/v1/auth/password/forgot", body={"tenant": tenant, "email": email})


# --- a link works only for the address it went to, and only until something newer ---------------------------


def used_link_answer(world: Any) -> Any:
    """The answer to a link that was already used, which a stale link must equal."""
    world.account("acc-used")
    world.contact("c-used", "acc-used", grant("billing"), email="c-used@cliente.test")
    token = link_token(sent_mail()[-1])
    assert set_password(world, token).status == 200
    reply = set_password(world, token, "Otra-Clave-Distinta-7")
    error(reply, 401, "invalid_token")
    return reply.body


def put_contact(world: Any, email: str = EMAIL, account_id: str = "acc-1") -> None:
    world.contact("c-1", account_id, grant("billing"), email=email)


def test_link_is_dead_once_the_email_is_corrected(world: Any) -> None:
    # Given an invitation that went to a mistyped address
    world.account("acc-1")
    put_contact(world, email="c-1@clinete.test")
    wrong_inbox = link_token(sent_mail()[-1])
    # When the integrator corrects the email
    put_contact(world)
    # Then the link in the wrong inbox is refused exactly like a used one
    assert set_password(world, wrong_inbox).body == used_link_answer(world)
    # and stays dead even if the email goes back to the old value
    put_contact(world, email="c-1@clinete.test")
    assert set_password(world, wrong_inbox).status == 401
    # while a new invitation to the right address works
    put_contact(world)
    assert call(world.client, "POST", "/v1/integration/contacts/c-1/invite", token=API_KEY).status == 202
    assert sent_mail()[-1]["to"][0] == EMAIL
    reply = set_password(world, link_token(sent_mail()[-1]))
    assert reply.status == 200, reply.body
    assert reply.body["email"] == EMAIL


def test_link_is_dead_once_the_contact_moves_to_another_account(world: Any) -> None:
    token = invited(world)
    world.account("acc-2")
    put_contact(world, account_id="acc-2")
    assert set_password(world, token).body == used_link_answer(world)


def test_a_newer_link_kills_the_older_ones(world: Any) -> None:
    # Given an invitation, then a second invitation, then a reset link
    first = invited(world)
    assert call(world.client, "POST", "/v1/integration/contacts/c-1/invite", token=API_KEY).status == 202
    second = link_token(sent_mail()[-1])
    assert forgot(world, EMAIL).status == 202
    reset = link_token(sent_mail()[-1])
    assert len({first, second, reset}) == 3
    # Then only the newest works
    used = used_link_answer(world)
    assert set_password(world, first).body == used
    assert set_password(world, second).body == used
    assert set_password(world, reset).status == 200


@pytest.mark.parametrize(
    ("window", "code"),
    [({"start_date": today() - timedelta(days=60), "end_date": today() - timedelta(days=1)}, "access_ended"),
     ({"start_date": today() + timedelta(days=1), "end_date": today() + timedelta(days=30)}, "access_not_started"),
     ({"enabled": False}, "access_disabled")],
)
def test_link_of_a_contact_whose_grant_does_not_allow_access_is_403(world: Any, window: dict[str, Any],
                                                                    code: str) -> None:
    # Given an invitation, and then the grant no longer allowing access today
    token = invited(world)
    rewrite_grant(TENANT, "c-1", **window)
    # Then the link is refused as sign-in would be, and sets no password
    error(set_password(world, token), 403, code)
    from chalicelib.services import contacts

    assert not contacts.get_contact(TENANT, "c-1").password_hash
    # and it is not used up: once access is current again it works
    rewrite_grant(TENANT, "c-1", start_date=today(), end_date=today() + timedelta(days=30), enabled=True)
    assert set_password(world, token).status == 200


def test_link_is_dead_once_the_password_changes(world: Any) -> None:
    from chalicelib.services import contacts

    token = invited(world)
    contacts.set_password_directly(TENANT, "c-1", "Puesta-Por-Soporte-2026")
    assert set_password(world, token).body == used_link_answer(world)
    assert login(world.client, password="Puesta-Por-Soporte-2026").status == 200


def test_forgot_is_always_202_and_mails_only_portal_users(user: str, world: Any) -> None:
    world.contact("c-3", "acc-1")  # a contact without portal access
    before = len(sent_mail())
    answers = [forgot(world, "nadie@cliente.test"), forgot(world, "c-3@cliente.test"),
               forgot(world, EMAIL, tenant="nobody"), forgot(world, EMAIL, tenant=OTHER_TENANT)]
    # Then every answer is the same 202, and nothing was mailed
    for reply in answers:
        assert reply.status == 202, reply.body
        assert reply.body == answers[0].body
    assert len(sent_mail()) == before
    # When an existing portal user asks
    reply = forgot(world, "C-1@cliente.test")
    # Then the same answer, and a reset mail with a set-password link
    assert reply.status == 202
    assert reply.body == answers[0].body
    mails = sent_mail()[before:]
    assert len(mails) == 1
    assert set(mails[0]["to"]) == {EMAIL}
    assert f"http://portal.test/{TENANT}/#/set-password?token=" in mails[0]["text"]


def test_at_most_three_reset_mails_a_contact_an_hour(user: str, world: Any) -> None:
    before = len(sent_mail())
    # When a user (or someone typing their email) asks five times
    answers = [forgot(world, EMAIL) for _ in range(5)]
    # Then every answer is the same 202, but only three mails went out
    for reply in answers:
        assert reply.status == 202, reply.body
        assert reply.body == answers[0].body
    assert len(sent_mail()) - before == 3
    # and the newest of them is the link that works
    assert set_password(world, link_token(sent_mail()[-1]), "Nueva-Clave-Segura-2026").status == 200


def test_reset_mails_of_a_tenant_are_capped_an_hour(user: str, world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    override_settings(monkeypatch, reset_mails_per_tenant_hour=2)
    for n in (2, 3):
        world.contact(f"c-{n}", "acc-1", grant("billing"))
    before = len(sent_mail())
    # When three portal users of the tenant ask for a reset
    answers = [forgot(world, f"c-{n}@cliente.test") for n in (1, 2, 3)]
    # Then all get the same 202, and the tenant's two mails of the hour went out
    assert {reply.status for reply in answers} == {202}
    assert [m["to"][0] for m in sent_mail()[before:]] == ["c-1@cliente.test", "c-2@cliente.test"]
    # while another tenant's users are not held back
    world.account("acc-9", key=OTHER_API_KEY)
    world.contact("c-9", "acc-9", grant("billing"), key=OTHER_API_KEY)
    before = len(sent_mail())
    assert forgot(world, "c-9@cliente.test", tenant=OTHER_TENANT).status == 202
    assert len(sent_mail()) == before + 1


def test_forgot_does_not_mail_a_user_whose_access_ended(user: str, world: Any) -> None:
    rewrite_grant(TENANT, "c-1", start_date=today() - timedelta(days=60), end_date=today() - timedelta(days=1))
    before = len(sent_mail())
    assert forgot(world, EMAIL).status == 202
    assert len(sent_mail()) == before


def test_reset_link_sets_a_new_password(user: str, world: Any) -> None:
    forgot(world, EMAIL)
    token = link_token(sent_mail()[-1])
    reply = set_password(world, token, "Nueva-Clave-Segura-2026")
    assert reply.status == 200, reply.body
    assert login(world.client, password="Nueva-Clave-Segura-2026").status == 200
    error(login(world.client, password=PASSWORD), 401, "invalid_credentials")
    error(set_password(world, token, "Otra-Mas-Segura-2027"), 401, "invalid_token")


def test_password_reset_revokes_existing_sessions(user: str, world: Any) -> None:
    # Given a session (say, on a stolen laptop)
    forgot(world, EMAIL)
    token = link_token(sent_mail()[-1])
    wait_for_new_second()
    session = world.login(TENANT, EMAIL)
    # When the owner resets the password
    assert set_password(world, token, "Nueva-Clave-Segura-2026").status == 200
    # Then the old sessions stop working
    error(me(world.client, session), 401, "session_expired")
    error(me(world.client, user), 401, "session_expired")


# --- /v1/me and sessions ----------------------------------------------------------------------------------------


def test_me_without_a_token_is_401(world: Any) -> None:
    reply = call(world.client, "GET", "/v1/me")
    error(reply, 401, "invalid_session")
    assert reply.headers["www-authenticate"].startswith("Bearer")


def test_sessions_are_listed_with_the_current_one_marked(user: str, world: Any) -> None:
    other = world.login(TENANT, EMAIL)
    reply = call(world.client, "GET", "/v1/me/sessions", token=user)
    assert reply.status == 200, reply.body
    assert reply.body["next_cursor"] is None
    items = reply.body["items"]
    assert len(items) == 2
    mine = me(world.client, user).body["session"]["id"]
    theirs = me(world.client, other).body["session"]["id"]
    assert {s["id"]: s["current"] for s in items} == {mine: True, theirs: False}
    for session in items:
        assert {"id", "created_at", "last_seen_at", "expires_at", "current"} <= set(session)
        assert "secret_hash" not in session and "token" not in session


def test_revoked_sessions_are_not_listed(user: str, world: Any) -> None:
    other = world.login(TENANT, EMAIL)
    call(world.client, "POST", "/v1/auth/logout", token=other)
    items = call(world.client, "GET", "/v1/me/sessions", token=user).body["items"]
    assert [s["current"] for s in items] == [True]


def test_deleting_another_of_my_sessions_ends_it(user: str, world: Any) -> None:
    other = world.login(TENANT, EMAIL)
    other_id = me(world.client, other).body["session"]["id"]
    reply = call(world.client, "DELETE", f"/v1/me/sessions/{other_id}", token=user)
    assert reply.status == 204
    error(me(world.client, other), 401, "session_expired")
    assert me(world.client, user).status == 200
    # deleting it twice is a 404
    error(call(world.client, "DELETE", f"/v1/me/sessions/{other_id}", token=user), 404, "session_not_found")


def test_deleting_an_unknown_session_is_404(user: str, world: Any) -> None:
    error(call(world.client, "DELETE", "/v1/me/sessions/0123456789abcdef", token=user), 404, "session_not_found")
    assert me(world.client, user).status == 200


def test_deleting_another_contacts_session_is_404_and_harmless(user: str, world: Any) -> None:
    world.contact("c-2", "acc-1", grant("billing"))
    victim = quick_portal_user(world.client, TENANT, "c-2", "c-2@cliente.test")
    victim_id = me(world.client, victim).body["session"]["id"]
    error(call(world.client, "DELETE", f"/v1/me/sessions/{victim_id}", token=user), 404, "session_not_found")
    assert me(world.client, victim).status == 200


# --- modules ----------------------------------------------------------------------------------------------------


def test_modules_are_the_tenants_enabled_modules_within_the_grant(world: Any) -> None:
    from chalicelib.store import tenants

    # Given a tenant with billing and payments only, and a grant of billing and cases
    tenants.update(TENANT, modules=frozenset({"billing", "payments"}))
    world.account("acc-1")
    world.contact("c-1", "acc-1", grant("billing", "cases"))
    token = quick_portal_user(world.client, TENANT, "c-1", EMAIL)
    # Then the contact has billing only, at sign-in and on /v1/me
    assert set(login(world.client).body["modules"]) == {"billing"}
    assert set(me(world.client, token).body["modules"]) == {"billing"}
    # When the tenant enables cases, the same session sees it at once
    tenants.update(TENANT, modules=frozenset({"billing", "payments", "cases"}))
    assert set(me(world.client, token).body["modules"]) == {"billing", "cases"}
    # and when the tenant disables everything, no module remains
    tenants.update(TENANT, modules=frozenset())
    assert me(world.client, token).body["modules"] == {}


def test_grant_checked_on_every_request(user: str, world: Any) -> None:
    assert me(world.client, user).status == 200
    rewrite_grant(TENANT, "c-1", start_date=today() - timedelta(days=60), end_date=today() - timedelta(days=1))
    error(me(world.client, user), 403, "access_ended")
    rewrite_grant(TENANT, "c-1", start_date=today() + timedelta(days=1), end_date=today() + timedelta(days=9))
    error(me(world.client, user), 403, "access_not_started")
    rewrite_grant(TENANT, "c-1", start_date=today() - timedelta(days=1), end_date=today() + timedelta(days=9),
                  enabled=False)
    error(me(world.client, user), 403, "access_disabled")

"""Sign-in, passwords, the signed-in contact and their sessions (``/v1/auth/*``, ``/v1/me``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from chalicelib.domain.validation import Reader
from chalicelib.handlers.http import client_ip, json_body, route
from chalicelib.handlers.views import access

if TYPE_CHECKING:
    from chalicelib.services.auth import Context

auth = Blueprint(__name__)


def _credentials(body: Any) -> tuple[str, str, Any]:
    r = Reader(body)
    tenant = r.text("tenant", required=True, max_len=40)
    email = r.email("email", required=True)
    password = r.raw("password")
    if not isinstance(password, str) or not password:
        r.fail("password", "is required")
    r.finish()
    assert tenant and email
    return tenant, email, password


@route(auth, "/auth/login", methods=("POST",), auth="public")
def login() -> dict[str, Any]:
    from chalicelib.services import auth as auth_service  # lazy: loads with its first request

    tenant, email, password = _credentials(json_body(auth))
    request = auth.current_request
    return access.signed_in_json(auth_service.login(tenant, email, password,
                                                    user_agent=request.headers.get("user-agent"),
                                                    ip=client_ip(auth)))


@route(auth, "/auth/logout", methods=("POST",))
def logout(context: Context) -> None:
    from chalicelib.services import auth as auth_service  # lazy: loads with its first request

    auth_service.logout(context)


@route(auth, "/auth/logout-all", methods=("POST",))
def logout_all(context: Context) -> None:
    from chalicelib.services import auth as auth_service  # lazy: loads with its first request

    auth_service.logout_all(context)


@route(auth, "/auth/password/set", methods=("POST",), auth="public")
def set_password() -> dict[str, Any]:
    from chalicelib.services import auth as auth_service  # lazy: loads with its first request

    r = Reader(json_body(auth))
    token = r.text("token", required=True, max_len=512)
    password = r.raw("password")
    r.finish()
    assert token
    return access.password_set_json(auth_service.set_password(token, password))


@route(auth, "/auth/password/forgot", methods=("POST",), auth="public", status=202)
def forgot_password() -> dict[str, Any]:
    from chalicelib.services import auth as auth_service  # lazy: loads with its first request

    r = Reader(json_body(auth))
    tenant = r.text("tenant", required=True, max_len=40)
    email = r.email("email", required=True)
    r.finish()
    assert tenant and email
    auth_service.reset_password(tenant, email)
    return {"status": "accepted", "message": "If that email has portal access, a reset link is on its way."}


@route(auth, "/me")
def get_me(context: Context) -> dict[str, Any]:
    from chalicelib.services import auth as auth_service  # lazy: loads with its first request

    return access.me_json(auth_service.me(context))


@route(auth, "/me/sessions")
def list_my_sessions(context: Context) -> dict[str, Any]:
    from chalicelib.services import auth as auth_service  # lazy: loads with its first request

    return access.sessions_json(context, auth_service.list_sessions(context))


@route(auth, "/me/sessions/{session_id}", methods=("DELETE",))
def revoke_my_session(context: Context, session_id: str) -> None:
    from chalicelib.services import auth as auth_service  # lazy: loads with its first request

    auth_service.revoke_session(context, session_id)

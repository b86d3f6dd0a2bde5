"""Integration fixtures: a fresh moto account per test, the chalice test client, a tenant with an API key.

``pytest -m ddblocal`` (``make ddblocal``) runs the tests marked ``ddblocal`` with DynamoDB in Amazon's DynamoDB
Local instead of moto (S3 and SES stay in moto): one in-memory DynamoDB Local per test process and a new table
per test, so a difference between moto and the real service (condition expressions, transaction cancellation
reasons, GSI projections, item size limits) fails here. ``PORTICO_TEST_DYNAMODB=local`` does the same for any
selection.
"""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from moto import mock_aws

from tests.support import ALL_MODULES, PASSWORD, call, grant, link_token, sent_mail

if TYPE_CHECKING:
    from collections.abc import Iterator

TENANT = "acme"
API_KEY = "acme-test-key-0123456789"
OTHER_TENANT = "globex"
OTHER_API_KEY = "globex-test-key-0123456789"


@pytest.fixture(scope="session", autouse=True)
def _shared_botocore_loader() -> Iterator[None]:
    """Speed only: every new botocore session (PynamoDB makes one per model class, and the store rebinds
    per test) would re-read and re-parse the service JSON; one shared, caching loader saves ~1 s a test."""
    import botocore.loaders
    import botocore.session

    loaders: dict[Any, Any] = {}

    def create_loader(search_path_string: Any = None) -> Any:
        if search_path_string not in loaders:
            loaders[search_path_string] = botocore.loaders.create_loader(search_path_string)
        return loaders[search_path_string]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.session, "create_loader", create_loader)
        yield


def _against_dynamodb_local(config: pytest.Config) -> bool:
    return config.getoption("markexpr") == "ddblocal" or os.environ.get("PORTICO_TEST_DYNAMODB") == "local"


@pytest.fixture(scope="session")
def dynamodb_local(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """DynamoDB Local's endpoint for this test process, or None when the tests run on moto alone."""
    if not _against_dynamodb_local(request.config):
        yield None
        return
    from devtools.dynamodb_local import DynamoDBLocal

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    log = Path(__file__).resolve().parents[2] / "build" / f"ddblocal-{worker}.log"
    with DynamoDBLocal(port, data_dir=None, log=log) as server:
        yield server.endpoint


@pytest.fixture
def aws(dynamodb_local: str | None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from chalicelib.config import reset_settings
    from chalicelib.store import db

    if dynamodb_local is not None:
        monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynamodb_local)
        monkeypatch.setenv("PORTICO_TABLE", f"portico-test-{uuid.uuid4().hex[:12]}")
    with mock_aws():  # lets plain HTTP to 127.0.0.1 (DynamoDB Local) through
        reset_settings()
        db.ready()
        db.create_resources()
        yield
        if dynamodb_local is not None:
            db.client("dynamodb").delete_table(TableName=db.ready().table_name)
    reset_settings()


@pytest.fixture
def client(aws: None) -> Iterator[Any]:
    from chalice.test import Client

    from app import app

    with Client(app) as test_client:
        yield test_client


def make_tenant(slug: str, key: str, modules: tuple[str, ...] = ALL_MODULES) -> None:
    from chalicelib.services import tenants

    tenants.create_tenant(slug, name=f"{slug.title()} S.A.S.", timezone="America/Bogota",
                   portal_url=f"http://portal.test/{slug}", currency="COP", modules=frozenset(modules))
    tenants.create_api_key(slug, label="tests", key=key)


@pytest.fixture
def tenant(client: Any) -> str:
    make_tenant(TENANT, API_KEY)
    make_tenant(OTHER_TENANT, OTHER_API_KEY)
    return TENANT


class World:
    """Builds data through the integrator API, the way an ERP would."""

    def __init__(self, client: Any):
        self.client = client

    def put(self, path: str, body: dict[str, Any], key: str = API_KEY) -> Any:
        reply = call(self.client, "PUT", f"/v1/integration/{path}", token=key, body=body)
        assert reply.status in (200, 201), reply.body
        return reply.body

    def account(self, account_id: str, key: str = API_KEY, **extra: Any) -> Any:
        body = {"name": f"Cliente {account_id}", "tax_id": "900123456-8", "tax_id_type": "NIT",
                "account_executive": {"name": "Eva Ejecutiva", "email": "eva@acme.test"}, **extra}
        return self.put(f"accounts/{account_id}", body, key)

    def contact(self, contact_id: str, account_id: str, portal: dict[str, Any] | None = None,
                key: str = API_KEY, email: str | None = None) -> Any:
        body = {"account_id": account_id, "name": f"Persona {contact_id}",
                "email": email or f"{contact_id}@cliente.test"}
        if portal is not None:
            body["portal"] = portal
        return self.put(f"contacts/{contact_id}", body, key)

    def portal_user(self, contact_id: str, account_id: str, portal: dict[str, Any] | None = None,
                    key: str = API_KEY, password: str = PASSWORD) -> str:
        """Creates the contact with access, follows the invitation and signs in; returns the token."""
        before = len(sent_mail())
        self.contact(contact_id, account_id, portal or grant(*ALL_MODULES), key=key)
        mail = sent_mail()[before]
        reply = call(self.client, "POST", "/v1/auth/password/set", body={"token": link_token(mail),
                                                                         "password": password})
        assert reply.status == 200, reply.body
        return self.login(reply.body["tenant"], reply.body["email"], password)

    def login(self, tenant: str, email: str, password: str = PASSWORD) -> str:
        reply = call(self.client, "POST", "/v1/auth/login",
                     body={"tenant": tenant, "email": email, "password": password})
        assert reply.status == 200, reply.body
        return reply.body["token"]


@pytest.fixture
def world(client: Any, tenant: str) -> World:
    return World(client)

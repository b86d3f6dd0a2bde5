"""Binding the models to the stage's table, AWS clients, transactions and resource creation."""

from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from chalicelib.config import Settings, get_settings
from chalicelib.domain.errors import Conflict

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pynamodb.transactions import TransactWrite

_bound: Settings | None = None


def ready() -> Settings:
    """Binds the PynamoDB models to the current settings' table (cheap when already bound)."""
    global _bound  # noqa: PLW0603 - one binding per process, re-done when the settings change
    settings = get_settings()
    if _bound is not settings:
        from chalicelib.store.models import PorticoItem  # lazy: keeps import app fast

        PorticoItem.Meta.table_name = settings.table_name
        # PynamoDB reads these Meta options but its type stubs do not declare them.
        PorticoItem.Meta.region = settings.region  # type: ignore[attr-defined]
        PorticoItem.Meta.host = settings.dynamodb_endpoint_url  # type: ignore[attr-defined]
        _reset_connections(PorticoItem)
        _bound = settings
        _connection.cache_clear()
        client.cache_clear()
    return settings


def _reset_connections(model: Any) -> None:
    model._connection = None
    for sub in model.__subclasses__():
        _reset_connections(sub)


@lru_cache(maxsize=1)
def _connection() -> Any:
    from pynamodb.connection import Connection  # lazy: keeps import app fast

    settings = get_settings()
    return Connection(
        region=settings.region,
        host=settings.dynamodb_endpoint_url,
        connect_timeout_seconds=2,
        read_timeout_seconds=5,
        max_retry_attempts=2,
    )


@lru_cache(maxsize=8)
def client(service: str) -> Any:
    """A boto3 client for ``service`` (s3, ses, dynamodb), created on first use."""
    import boto3  # lazy: keeps import app fast
    from botocore.config import Config  # lazy: keeps import app fast

    settings = get_settings()
    config = Config(
        signature_version="s3v4" if service == "s3" else None,
        connect_timeout=2,
        read_timeout=5,
        retries={"max_attempts": 2, "mode": "standard"},
    )
    endpoint = settings.dynamodb_endpoint_url if service == "dynamodb" else settings.aws_endpoint_url
    return boto3.client(service, region_name=settings.region, endpoint_url=endpoint, config=config)


@contextmanager
def transaction(
    *, token: str | None = None, conflict: str = "Someone else changed this record; try again."
) -> Iterator[TransactWrite]:
    """One TransactWriteItems. A failed condition becomes :class:`Conflict`; other failures propagate."""
    from pynamodb.exceptions import TransactWriteError  # lazy: keeps import app fast
    from pynamodb.transactions import TransactWrite  # lazy: keeps import app fast

    ready()
    tx = TransactWrite(connection=_connection(), client_request_token=token)
    try:
        with tx:
            yield tx
    except TransactWriteError as exc:
        reasons = [r.code for r in (exc.cancellation_reasons or []) if r is not None]
        if "ConditionalCheckFailed" in reasons or "TransactionConflict" in reasons:
            raise Conflict(conflict, code="write_conflict", details={"reasons": reasons}) from exc
        raise


def is_condition_failure(exc: BaseException) -> bool:
    """True when a PynamoDB put/update failed only because its condition did not hold."""
    cause = getattr(exc, "cause_response_code", None)
    return cause == "ConditionalCheckFailedException"


def create_resources(settings: Settings | None = None) -> None:
    """Creates the table (with its indexes and TTL), the files bucket and the verified mail sender.

    Used by the local stack, the tests and ``portico bootstrap``; production creates them from the
    CloudFormation template instead.
    """
    from chalicelib.store.models import PorticoItem  # lazy: keeps import app fast

    settings = settings or ready()
    ready()
    if not PorticoItem.exists():
        PorticoItem.create_table(wait=True, billing_mode="PAY_PER_REQUEST")
        client("dynamodb").update_time_to_live(
            TableName=settings.table_name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"}
        )
    s3 = client("s3")
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if settings.bucket not in existing:
        if settings.region == "us-east-1":
            s3.create_bucket(Bucket=settings.bucket)
        else:
            s3.create_bucket(Bucket=settings.bucket, CreateBucketConfiguration={"LocationConstraint": settings.region})
    # The portal uploads attachments straight to S3 with presigned requests.
    s3.put_bucket_cors(
        Bucket=settings.bucket,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": [settings.portal_origin],
                    "AllowedMethods": ["GET", "PUT", "POST"],
                    "AllowedHeaders": ["*"],
                    "MaxAgeSeconds": 600,
                }
            ]
        },
    )
    client("ses").verify_email_identity(EmailAddress=settings.mail_from)

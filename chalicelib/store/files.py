"""S3 objects under ``{tenant}/{account}/...``, handed out as short-lived presigned URLs (never proxied).

:class:`Bucket` does the work on an injected S3 client (tests hand it a fake); the module functions are
the same operations on the stage's bucket and client.

A missing key is a 404 only for a caller allowed ``s3:ListBucket``; without it S3 answers 403 so as not
to reveal whether the key exists. The stage policies grant ListBucket on the bucket, and a 403 on a HEAD
or GET of our own bucket still reads as "absent" (logged), so a policy without it cannot turn every first
request for a PDF into a 500.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from chalicelib.domain import clock
from chalicelib.observability import get_logger
from chalicelib.store import db

URL_SECONDS = 900  # 15 minutes, DESIGN §2
_MISSING = ("404", "NoSuchKey", "NotFound")


def object_key(tenant: str, account_id: str, *parts: str) -> str:
    return "/".join([tenant, account_id, *parts])


class Bucket:
    """One S3 bucket through ``client`` (a boto3 S3 client or anything with the same methods)."""

    def __init__(self, client: Any, name: str):
        self.client = client
        self.name = name

    def presign_put(self, key: str, *, content_type: str, size: int | None = None) -> dict[str, Any]:
        """A PUT URL. With ``size``, Content-Length is signed too, so S3 refuses a body of any other size
        (browsers send the header themselves; the comment re-checks the stored object anyway)."""
        params: dict[str, Any] = {"Bucket": self.name, "Key": key, "ContentType": content_type}
        if size is not None:
            params["ContentLength"] = size
        url = self.client.generate_presigned_url("put_object", Params=params, ExpiresIn=URL_SECONDS, HttpMethod="PUT")
        return {
            "method": "PUT",
            "url": url,
            "headers": {"Content-Type": content_type},
            "expires_at": clock.iso(clock.in_seconds(URL_SECONDS)),
        }

    def presign_get(self, key: str, *, filename: str | None = None, content_type: str | None = None,
                    seconds: int = URL_SECONDS) -> dict[str, Any]:
        """A GET URL that downloads as ``filename`` with ``content_type`` (the validated type, not whatever the
        object was stored with)."""
        params: dict[str, Any] = {"Bucket": self.name, "Key": key}
        if filename:
            params["ResponseContentDisposition"] = content_disposition(filename)
        if content_type:
            params["ResponseContentType"] = content_type
        url = self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=seconds)
        return {"url": url, "expires_at": clock.iso(clock.in_seconds(seconds))}

    def put_bytes(self, key: str, data: bytes, *, content_type: str) -> None:
        self.client.put_object(Bucket=self.name, Key=key, Body=data, ContentType=content_type)

    def read_bytes(self, key: str) -> bytes | None:
        """The whole object (small files only: logos), or None when it is not there."""
        from botocore.exceptions import ClientError  # lazy: keeps import app fast

        try:
            return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()
        except ClientError as exc:
            if _absent(exc, key):
                return None
            raise

    def read_upload(self, key: str, *, max_bytes: int) -> tuple[bytes, str] | None:
        """The whole uploaded object and its stored content type, or None when it was not uploaded. Of an
        object over ``max_bytes`` only ``max_bytes + 1`` bytes are read, so the caller sees it is too large."""
        from botocore.exceptions import ClientError  # lazy: keeps import app fast

        try:
            found = self.client.get_object(Bucket=self.name, Key=key, Range=f"bytes=0-{max_bytes}")
        except ClientError as exc:
            if _code(exc) == "InvalidRange" or _absent(exc, key):
                return None
            raise
        return found["Body"].read(), found.get("ContentType") or ""

    def discard(self, key: str) -> None:
        """Deletes ``key`` if it can: a failure is logged, never raised (nothing depends on the delete)."""
        from botocore.exceptions import BotoCoreError, ClientError  # lazy: keeps import app fast

        try:
            self.client.delete_object(Bucket=self.name, Key=key)
        except (BotoCoreError, ClientError) as exc:
            get_logger().warning("s3 object not deleted", extra={"key": key, "error": type(exc).__name__})

    def exists(self, key: str) -> bool:
        """Whether the object was uploaded (presigned PUTs are not observed otherwise)."""
        from botocore.exceptions import ClientError  # lazy: keeps import app fast

        try:
            self.client.head_object(Bucket=self.name, Key=key)
        except ClientError as exc:
            if _absent(exc, key):
                return False
            raise
        return True


def content_disposition(filename: str) -> str:
    """``attachment`` with the name as RFC 6266/5987 ``filename*`` (any language) and a plain ASCII fallback."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _code(exc: Any) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _absent(exc: Any, key: str) -> bool:
    """Whether a failed HEAD/GET of ``key`` in our bucket means the object is not there. A HEAD has no body
    to say why it was refused, and without s3:ListBucket S3 answers a missing key's HEAD with 403: that one
    reads as absent. A GET's 403 says AccessDenied for a reason (a KMS or bucket-policy deny) and is raised."""
    if _code(exc) in _MISSING:
        return True
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if exc.operation_name == "HeadObject" and (status == 403 or _code(exc) in ("403", "AccessDenied")):
        # No s3:ListBucket (or a policy that lost it): S3 hides a missing key behind a 403.
        get_logger().warning("s3 object treated as absent (403)",
                             extra={"key": key, "operation": exc.operation_name, "hint": "s3:ListBucket"})
        return True
    return False


def bucket() -> Bucket:
    """The stage's files bucket (binding first: it renews the cached clients when the settings change)."""
    settings = db.ready()
    return Bucket(db.client("s3"), settings.bucket)


def presign_put(key: str, *, content_type: str, size: int | None = None) -> dict[str, Any]:
    return bucket().presign_put(key, content_type=content_type, size=size)


def presign_get(key: str, *, filename: str | None = None, content_type: str | None = None,
                seconds: int = URL_SECONDS) -> dict[str, Any]:
    return bucket().presign_get(key, filename=filename, content_type=content_type, seconds=seconds)


def put_bytes(key: str, data: bytes, *, content_type: str) -> None:
    bucket().put_bytes(key, data, content_type=content_type)


def read_bytes(key: str) -> bytes | None:
    return bucket().read_bytes(key)


def read_upload(key: str, *, max_bytes: int) -> tuple[bytes, str] | None:
    return bucket().read_upload(key, max_bytes=max_bytes)


def discard(key: str) -> None:
    bucket().discard(key)


def exists(key: str) -> bool:
    return bucket().exists(key)

"""S3 objects under ``{tenant}/{account}/...``, handed out as short-lived presigned URLs (never proxied)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from chalicelib.domain import clock
from chalicelib.store import db

URL_SECONDS = 900  # 15 minutes, DESIGN §2


def object_key(tenant: str, account_id: str, *parts: str) -> str:
    return "/".join([tenant, account_id, *parts])


def presign_put(key: str, *, content_type: str, size: int | None = None) -> dict[str, Any]:
    """A PUT URL. With ``size``, Content-Length is signed too, so S3 refuses a body of any other size
    (browsers send the header themselves; the comment re-checks the stored object anyway)."""
    settings = db.ready()
    params: dict[str, Any] = {"Bucket": settings.bucket, "Key": key, "ContentType": content_type}
    if size is not None:
        params["ContentLength"] = size
    url = db.client("s3").generate_presigned_url(
        "put_object",
        Params=params,
        ExpiresIn=URL_SECONDS,
        HttpMethod="PUT",
    )
    return {
        "method": "PUT",
        "url": url,
        "headers": {"Content-Type": content_type},
        "expires_at": clock.iso(clock.in_seconds(URL_SECONDS)),
    }


def content_disposition(filename: str) -> str:
    """``attachment`` with the name as RFC 6266/5987 ``filename*`` (any language) and a plain ASCII fallback."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def presign_get(key: str, *, filename: str | None = None, content_type: str | None = None,
                seconds: int = URL_SECONDS) -> dict[str, Any]:
    """A GET URL that downloads as ``filename`` with ``content_type`` (the validated type, not whatever the
    object was stored with)."""
    settings = db.ready()
    params: dict[str, Any] = {"Bucket": settings.bucket, "Key": key}
    if filename:
        params["ResponseContentDisposition"] = content_disposition(filename)
    if content_type:
        params["ResponseContentType"] = content_type
    url = db.client("s3").generate_presigned_url("get_object", Params=params, ExpiresIn=seconds)
    return {"url": url, "expires_at": clock.iso(clock.in_seconds(seconds))}


def put_bytes(key: str, data: bytes, *, content_type: str) -> None:
    settings = db.ready()
    db.client("s3").put_object(Bucket=settings.bucket, Key=key, Body=data, ContentType=content_type)


def read_bytes(key: str) -> bytes | None:
    """The whole object (small files only: logos), or None when it is not there."""
    from botocore.exceptions import ClientError  # lazy: keeps import app fast

    settings = db.ready()
    try:
        return db.client("s3").get_object(Bucket=settings.bucket, Key=key)["Body"].read()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise


def uploaded(key: str, *, sniff: int) -> tuple[int, str, bytes] | None:
    """(size, content type, first ``sniff`` bytes) of an uploaded object, or None when it was not uploaded."""
    from botocore.exceptions import ClientError  # lazy: keeps import app fast

    settings = db.ready()
    try:
        found = db.client("s3").get_object(Bucket=settings.bucket, Key=key, Range=f"bytes=0-{sniff - 1}")
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound", "InvalidRange"):
            return None
        raise
    head = found["Body"].read()
    content_range = found.get("ContentRange") or ""
    size = int(content_range.rsplit("/", 1)[1]) if "/" in content_range else int(found["ContentLength"])
    return size, found.get("ContentType") or "", head


def exists(key: str) -> bool:
    """Whether the object was uploaded (presigned PUTs are not observed otherwise)."""
    from botocore.exceptions import ClientError  # lazy: keeps import app fast

    settings = db.ready()
    try:
        db.client("s3").head_object(Bucket=settings.bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def read_upload(key: str, *, max_bytes: int) -> tuple[bytes, str] | None:
    """The whole uploaded object and its stored content type, or None when it was not uploaded. An object
    over ``max_bytes`` is not read: its first ``max_bytes + 1`` bytes are returned, so the caller sees it is
    too large."""
    from botocore.exceptions import ClientError  # lazy: keeps import app fast

    settings = db.ready()
    try:
        found = db.client("s3").get_object(Bucket=settings.bucket, Key=key, Range=f"bytes=0-{max_bytes}")
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound", "InvalidRange"):
            return None
        raise
    return found["Body"].read(), found.get("ContentType") or ""


def delete(key: str) -> None:
    settings = db.ready()
    db.client("s3").delete_object(Bucket=settings.bucket, Key=key)

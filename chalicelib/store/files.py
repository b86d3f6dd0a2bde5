"""S3 objects under ``{tenant}/{account}/...``, handed out as short-lived presigned URLs (never proxied)."""

from __future__ import annotations

from typing import Any

from chalicelib.domain import clock
from chalicelib.store import db

URL_SECONDS = 900  # 15 minutes, DESIGN §2


def object_key(tenant: str, account_id: str, *parts: str) -> str:
    return "/".join([tenant, account_id, *parts])


def presign_put(key: str, *, content_type: str) -> dict[str, Any]:
    settings = db.ready()
    url = db.client("s3").generate_presigned_url(
        "put_object",
        Params={"Bucket": settings.bucket, "Key": key, "ContentType": content_type},
        ExpiresIn=URL_SECONDS,
        HttpMethod="PUT",
    )
    return {
        "method": "PUT",
        "url": url,
        "headers": {"Content-Type": content_type},
        "expires_at": clock.iso(clock.in_seconds(URL_SECONDS)),
    }


def presign_get(key: str, *, filename: str | None = None) -> dict[str, Any]:
    settings = db.ready()
    params: dict[str, Any] = {"Bucket": settings.bucket, "Key": key}
    if filename:
        params["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
    url = db.client("s3").generate_presigned_url("get_object", Params=params, ExpiresIn=URL_SECONDS)
    return {"url": url, "expires_at": clock.iso(clock.in_seconds(URL_SECONDS))}


def exists(key: str) -> bool:
    """Whether the object was uploaded (presigned PUTs are not observed otherwise)."""
    from botocore.exceptions import ClientError

    settings = db.ready()
    try:
        db.client("s3").head_object(Bucket=settings.bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True

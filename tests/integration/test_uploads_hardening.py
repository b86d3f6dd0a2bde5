"""Issue 10 hardening of attachments (5, 8, 12): names kept safe, a file swapped during the PUT window never
served, ``download`` needed to fetch an attachment, mailed links that are portal links."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import requests

from tests.integration.conftest import TENANT
from tests.integration.test_billing import (
    PNG,
    account,
    days,
    download,
    invoice,
    ok,
    portal,
    posted,
    upload,
    user,
)
from tests.support import call


def _disposition(url: str) -> str:
    return unquote(parse_qs(urlparse(url).query)["response-content-disposition"][0])


def test_a_file_swapped_inside_the_put_window_is_never_served(world: Any) -> None:
    account(world)
    token = user(world)
    invoice(world, "fv-1", issued=days(-3))
    reply = portal(world, "uploads", token, method="POST",
                   body={"filename": "pago.png", "content_type": "image/png", "size": len(PNG)})
    put = reply.body
    assert requests.put(put["url"], data=PNG, headers=put["headers"], timeout=5).status_code == 200

    created = posted(world, token, "fv-1", "soporte", attachments=[put["upload_id"]], proof=True)

    # Within the 15 minutes the presigned PUT still works; the upload key is gone and the comment points
    # at a checked copy the PUT cannot reach, so the swapped bytes are never served.
    evil = b"\x89PNG\r\n\x1a\n" + b"E" * (len(PNG) - 8)
    assert requests.put(put["url"], data=evil, headers=put["headers"], timeout=5).status_code == 200
    [attachment] = created["attachments"]
    assert download(attachment["url"]) == PNG
    [shown] = ok(world, "invoices/fv-1", token)["comments"][0]["attachments"]
    assert download(shown["url"]) == PNG
    assert urlparse(shown["url"]).path != urlparse(put["url"]).path
    assert "/attachments/" in urlparse(shown["url"]).path


def test_the_upload_key_is_deleted_once_claimed(world: Any) -> None:
    from chalicelib.store import db
    from chalicelib.store.models import UploadItem

    account(world)
    token = user(world)
    invoice(world, "fv-1", issued=days(-3))
    upload_id = upload(world, token)
    posted(world, token, "fv-1", "soporte", attachments=[upload_id])
    settings = db.ready()
    [item] = [u for u in UploadItem.scan() if u.upload_id == upload_id]
    listed = db.client("s3").list_objects_v2(Bucket=settings.bucket, Prefix=item.key)
    assert listed.get("KeyCount", 0) == 0


def test_stored_names_are_sanitized_and_downloads_name_the_file_in_utf8(world: Any) -> None:
    account(world)
    token = user(world)
    invoice(world, "fv-1", issued=days(-3))
    nasty = 'pago "abril"\\..\\/ñandú' + "x" * 150 + ".png"
    reply = portal(world, "uploads", token, method="POST",
                   body={"filename": nasty, "content_type": "image/png", "size": len(PNG)})
    assert reply.status == 201, reply.body
    name = reply.body["filename"]
    assert len(name) <= 120 and name.endswith(".png")
    assert not any(c in name for c in '"\\/\r\n\x00')
    assert requests.put(reply.body["url"], data=PNG, headers=reply.body["headers"], timeout=5).status_code == 200
    created = posted(world, token, "fv-1", "soporte", attachments=[reply.body["upload_id"]])
    [attachment] = created["attachments"]
    assert attachment["filename"] == name
    disposition = _disposition(attachment["url"])
    assert disposition.startswith("attachment; ")
    assert "filename*=UTF-8''" in disposition and "ñandú" in unquote(disposition.split("filename*=UTF-8''")[1])
    response = requests.get(attachment["url"], timeout=5)
    assert response.headers["Content-Type"] == "image/png"


def test_attachments_need_download_to_be_fetched(world: Any) -> None:
    account(world)
    writer = user(world, "c-1")
    reader = user(world, "c-2", actions=("view",))
    invoice(world, "fv-1", issued=days(-3))
    posted(world, writer, "fv-1", "soporte", attachments=[upload(world, writer)])

    for path in ("invoices/fv-1", "invoices/fv-1/comments"):
        body = ok(world, path, reader)
        thread = body["comments"] if "comments" in body else body["items"]
        [attachment] = thread[0]["attachments"]
        assert attachment["filename"] == "pago.png" and "url" not in attachment  # listed, not fetchable
        body = ok(world, path, writer)
        thread = body["comments"] if "comments" in body else body["items"]
        assert download(thread[0]["attachments"][0]["url"]) == PNG


def test_an_expired_mailed_link_opens_nothing(world: Any, monkeypatch: Any) -> None:
    from datetime import timedelta

    from chalicelib.domain import clock
    from tests.integration.test_billing import mails_to

    account(world)
    token = user(world)
    invoice(world, "fv-1", issued=days(-3), salesperson={"name": "Sara", "email": "sara@acme.test"})
    posted(world, token, "fv-1", "soporte", attachments=[upload(world, token)])
    [mail] = mails_to("sara@acme.test")
    [link] = [w for w in mail["text"].split() if "#/attachment/" in w]
    assert link.startswith(f"http://portal.test/{TENANT}/#/attachment/")
    link_token = link.rsplit("/", 1)[1]
    assert call(world.client, "GET", f"/v1/attachment-links/{link_token}").status == 200
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + timedelta(days=7, minutes=1))
    expired = call(world.client, "GET", f"/v1/attachment-links/{link_token}")
    assert expired.status == 404 and expired.body["error"]["code"] == "link_not_found"

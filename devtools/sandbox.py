"""The local sandbox on :8002: the mail outbox (read from the AWS emulator's SES) and the payment gateways.

``GET /mail`` is an HTML list of sent mail with clickable links; ``GET /mail.json`` the same as JSON
``[{"to", "subject", "text", "html", "sent_at"}]``, newest last. The PayU and Zona Virtual endpoints and their
control API come from :mod:`devtools.sandbox_gateways`; ``GET /`` lists them with the demo credentials.
"""

from __future__ import annotations

import email
import json
import re
import urllib.request
from email import policy
from email.utils import parsedate_to_datetime
from html import escape
from typing import Any

from flask import Flask, Response, request

from devtools.sandbox_gateways import GatewaySettings, landing_section, register

LINK_RE = re.compile(r"https?://[^\s<>\"']+")


def read_outbox(aws_url: str) -> list[dict[str, Any]]:
    """Every mail the emulator's SES accepted, oldest first."""
    with urllib.request.urlopen(f"{aws_url}/moto-api/data.json", timeout=5) as response:  # noqa: S310 - loopback
        data = json.load(response)
    mails = []
    for raw in data.get("ses", {}).get("RawMessage", []):
        message = email.message_from_string(raw["raw_data"], policy=policy.default)
        text = message.get_body(("plain",))
        html = message.get_body(("html",))
        date = message["Date"]
        mails.append({
            "to": list(dict.fromkeys(raw.get("destinations") or [])),
            "subject": str(message["Subject"] or ""),
            "text": text.get_content() if text else "",
            "html": html.get_content() if html else "",
            "sent_at": parsedate_to_datetime(date).strftime("%Y-%m-%dT%H:%M:%SZ") if date else None,
        })
    return mails


def _outbox_page(mails: list[dict[str, Any]]) -> str:
    rows = []
    for index, mail in enumerate(reversed(mails), start=1):
        text = escape(mail["text"])
        text = LINK_RE.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', text)
        rows.append(
            f'<article class="mail" id="mail-{len(mails) - index + 1}"><h2>{escape(mail["subject"])}</h2>'
            f'<p class="meta">Para: {escape(", ".join(mail["to"]))} · {escape(mail["sent_at"] or "")}</p>'
            f"<pre>{text}</pre></article>"
        )
    body = "".join(rows) or "<p>No mail has been sent yet.</p>"
    return (
        '<!doctype html><html lang="es"><head><meta charset="utf-8"><title>Pórtico · mail outbox</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<style>body{font-family:system-ui,sans-serif;max-width:860px;margin:2rem auto;padding:0 1rem;color:#1f2933}"
        ".mail{border:1px solid #cbd2d9;border-radius:8px;padding:1rem;margin:1rem 0}.meta{color:#52606d}"
        "pre{white-space:pre-wrap;word-break:break-word;font:inherit}</style></head>"
        f"<body><main><h1>Mail outbox</h1><p>{len(mails)} sent, newest first.</p>{body}</main></body></html>"
    )


def create_sandbox(*, aws_url: str, gateways: GatewaySettings | None = None) -> Flask:
    """The sandbox app: mail outbox read from ``aws_url``, payment gateways set up by ``gateways``
    (their state is ``app.extensions["gateways"]``)."""
    sandbox = Flask("portico-sandbox")
    gateway_sandbox = register(sandbox, gateways)

    @sandbox.get("/")
    def index() -> Response:
        base = (gateway_sandbox.settings.public_url or request.host_url).rstrip("/")
        return Response(
            '<!doctype html><html lang="es"><head><meta charset="utf-8"><title>Pórtico sandbox</title>'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<style>body{font-family:system-ui,sans-serif;max-width:860px;margin:2rem auto;padding:0 1rem;"
            "color:#1f2933}code{word-break:break-all}</style></head><body><main><h1>Pórtico sandbox</h1>"
            '<section aria-labelledby="mail"><h2 id="mail">Correo</h2><ul><li><a href="/mail">Bandeja de salida'
            '</a></li><li><a href="/mail.json">mail.json</a></li></ul></section>'
            f"{landing_section(gateway_sandbox, base)}</main></body></html>",
            mimetype="text/html")

    @sandbox.get("/mail")
    def mail_page() -> Response:
        return Response(_outbox_page(read_outbox(aws_url)), mimetype="text/html")

    @sandbox.get("/mail.json")
    def mail_json() -> Response:
        return Response(json.dumps(read_outbox(aws_url), ensure_ascii=False), mimetype="application/json")

    return sandbox

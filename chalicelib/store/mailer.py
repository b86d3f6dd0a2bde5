"""Sending mail through SES as MIME (text and HTML parts), so every client and the local outbox see both."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate
from typing import TYPE_CHECKING

from chalicelib.domain.errors import GatewayUnavailable
from chalicelib.observability import get_logger
from chalicelib.store import db

if TYPE_CHECKING:
    from chalicelib.domain.mail import Mail


def send(mail: Mail, *, sender_name: str) -> str:
    """Sends ``mail``; returns the SES message id. SES failures become :class:`GatewayUnavailable`."""
    from botocore.exceptions import BotoCoreError, ClientError  # lazy: keeps import app fast

    settings = db.ready()
    message = EmailMessage()
    message["Subject"] = mail.subject
    message["From"] = f"{sender_name} <{settings.mail_from}>"
    message["To"] = ", ".join(mail.to)
    message["Date"] = formatdate(usegmt=True)
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    try:
        response = db.client("ses").send_raw_email(
            Source=settings.mail_from, Destinations=list(mail.to), RawMessage={"Data": message.as_bytes()}
        )
    except (BotoCoreError, ClientError) as exc:
        get_logger().error("mail not sent", extra={"subject": mail.subject, "error": type(exc).__name__})
        raise GatewayUnavailable("The mail could not be sent; try again later.", code="mail_unavailable") from exc
    return response["MessageId"]


def deliver(mail: Mail, *, sender_name: str) -> bool:
    """Sends ``mail`` after the change it reports is committed: a failure is logged (by :func:`send`) and
    reported as False, never raised, since the change stands without its mail."""
    try:
        send(mail, sender_name=sender_name)
    except GatewayUnavailable:
        return False
    return True

"""Sending mail through SES as MIME (text and HTML parts), so every client and the local outbox see both.

Header values come from stored data (tenant and account names, invoice numbers, emails) that may predate
today's validation, so :func:`compose` cleans every one: a control character or line separator in a
header would make the email library raise (after the change the mail reports was committed) or, worse,
start another header.
"""

from __future__ import annotations

import re
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate
from typing import TYPE_CHECKING

from chalicelib.domain.errors import GatewayUnavailable
from chalicelib.domain.validation import CONTROL_RE  # C0, DEL, C1 and the Unicode line separators
from chalicelib.observability import get_logger
from chalicelib.store import db

if TYPE_CHECKING:
    from chalicelib.domain.mail import Mail



def header_text(value: str) -> str:
    """``value`` as one header line: controls and line separators become spaces, whitespace runs one space.
    (Non-ASCII text is RFC 2047-encoded when the message is written.)"""
    return " ".join(CONTROL_RE.sub(" ", value).split())


# RFC 5322 "specials" (and a second "@"): in an unquoted local part Python's address parser fails on them, some with
# an AttributeError deep inside email._header_value_parser (Hypothesis found "0@[@cliente.test" and ".:@…").
_LOCAL_SPECIALS = re.compile(r'[()<>\[\]:;@\\,"]')


def header_address(value: str) -> str:
    """An email address for a header: controls and whitespace removed (none belongs in an address), and the
    local part without the specials the header parser cannot take (a validated login has none)."""
    cleaned = "".join(CONTROL_RE.sub("", value).split())
    local, at, domain = cleaned.rpartition("@")
    return f"{_LOCAL_SPECIALS.sub('', local)}{at}{domain}" if at else _LOCAL_SPECIALS.sub("", cleaned)


def compose(mail: Mail, *, sender_name: str, mail_from: str) -> EmailMessage:
    """The MIME message for ``mail`` from ``sender_name <mail_from>``, every header value cleaned."""
    message = EmailMessage()
    message["Subject"] = header_text(mail.subject)
    message["From"] = Address(display_name=header_text(sender_name), addr_spec=mail_from)
    message["To"] = ", ".join(header_address(to) for to in mail.to)
    message["Date"] = formatdate(usegmt=True)
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    return message


def send(mail: Mail, *, sender_name: str) -> str:
    """Sends ``mail``; returns the SES message id. SES failures become :class:`GatewayUnavailable`."""
    from botocore.exceptions import BotoCoreError, ClientError  # lazy: keeps import app fast

    settings = db.ready()
    message = compose(mail, sender_name=sender_name, mail_from=settings.mail_from)
    raw = message.as_bytes()
    destinations = [header_address(to) for to in mail.to]
    try:
        response = db.client("ses").send_raw_email(
            Source=settings.mail_from, Destinations=destinations, RawMessage={"Data": raw}
        )
    except (BotoCoreError, ClientError) as exc:
        get_logger().error("mail not sent", extra={"subject": message["Subject"], "error": type(exc).__name__})
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

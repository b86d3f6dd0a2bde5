"""The mails Pórtico sends, composed as text and HTML (Spanish by default, the contact's language when set)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape
from string import Formatter
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from chalicelib.domain.money import format_money, shows_cents
from chalicelib.domain.reminders import totals as reminder_totals

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from chalicelib.domain.reminders import DueInvoice


@dataclass(frozen=True, slots=True)
class Mail:
    to: tuple[str, ...]
    subject: str
    text: str
    html: str


_WORDS = {
    "es-CO": {
        "invite_subject": "{tenant}: tu acceso al portal de clientes",
        "invite_intro": "Hola {name}, {tenant} te dio acceso a su portal de clientes: cartera, estado de cuenta, "
        "facturas y pagos en línea.",
        "invite_login": "Tu usuario es {email}.",
        "invite_cta": "Crear mi contraseña",
        "invite_expiry": "El enlace sirve una sola vez y vence en 72 horas.",
        "reset_subject": "{tenant}: restablece tu contraseña",
        "reset_intro": "Hola {name}, recibimos una solicitud para restablecer tu contraseña del portal de {tenant}.",
        "reset_cta": "Restablecer contraseña",
        "reset_expiry": "El enlace sirve una sola vez y vence en 2 horas. Si no lo pediste, ignora este correo.",
        "portal": "Portal",
        "footer": "Recibes este correo porque eres contacto de un cliente de {tenant}.",
        "comment_subject": "{account}: comentario sobre la factura {number}",
        "proof_subject": "{account}: soporte de pago de la factura {number}",
        "comment_intro": "{contact} ({email}) de {account} escribió sobre la factura {number}:",
        "proof_note": "Lo marcó como soporte de pago: verifica el pago y actualiza el saldo en el ERP.",
        "attachments": "Adjuntos (enlaces válidos por 7 días):",
        "staff_footer": "Correo automático del portal de clientes de {tenant}.",
        "reply_subject": "{tenant}: respuesta sobre tu factura {number}",
        "reply_intro": "Hola {name}, {author} respondió sobre la factura {number}:",
        "reply_cta": "Ver la factura",
        "receipt_subject": "{tenant}: pago aprobado {reference}",
        "receipt_intro": "Hola {name}, tu pago en línea {reference} por {amount} fue aprobado.",
        "receipt_invoices": "Facturas pagadas: {invoices}.",
        "receipt_cta": "Ver el pago y descargar el comprobante",
        "reminder_subject": "{tenant}: recordatorio de pago",
        "reminder_intro": "Hola {name}, te recordamos estas facturas de {account} con {tenant}:",
        "reminder_line": "Factura {number}: {when}, saldo {balance}",
        "reminder_due_in": "vence en {days} días ({date})",
        "reminder_due_tomorrow": "vence mañana ({date})",
        "reminder_due_today": "vence hoy ({date})",
        "reminder_overdue_one": "vencida hace 1 día ({date})",
        "reminder_overdue": "vencida hace {days} días ({date})",
        "reminder_total": "Total: {amount}",
        "reminder_columns": "Factura|Vencimiento|Saldo",
        "reminder_paid_note": "Si ya pagaste, no tienes que hacer nada: el saldo se actualiza cuando tu pago "
        "queda registrado.",
        "reminder_cta_pay": "Pagar en línea",
        "reminder_cta_view": "Ver mi cartera",
        "reminder_opt_out": "¿Prefieres no recibir estos recordatorios? Desactívalos aquí:",
        "reminder_opt_out_link": "Dejar de recibir recordatorios",
        "unverified_subject": "{tenant}: no hemos podido confirmar tu pago {reference}",
        "unverified_intro": "Hola {name}, {gateway} no nos ha confirmado desde hace 24 horas el resultado de tu pago "
        "en línea {reference} por {amount}.",
        "unverified_invoices": "Liberamos tus facturas y le pedimos a nuestro equipo que lo revise. Si el dinero ya "
        "salió de tu cuenta, no vuelvas a pagar: lo aplicaremos a tus facturas apenas {gateway} lo confirme.",
        "unverified_cta": "Ver el pago",
        "order_subject": "{tenant}: recibimos tu pedido {number}",
        "order_intro": "Hola {name}, recibimos tu pedido {number} por {amount} ({lines} productos). Te avisaremos "
        "por correo cada vez que cambie de estado.",
        "order_cta": "Ver el pedido",
        "status_subject": "{tenant}: tu pedido {number} está {status}",
        "status_intro": "Hola {name}, tu pedido {number} ahora está: {status}.",
        "status_reason": "Motivo: {reason}",
        "status_note": "Nota: {note}",
        "status_tracking": "Guía de envío: {tracking}",
        "status_cta": "Ver el pedido",
        "order_status_received": "recibido",
        "order_status_confirmed": "confirmado",
        "order_status_in_preparation": "en preparación",
        "order_status_shipped": "despachado",
        "order_status_delivered": "entregado",
        "order_status_rejected": "rechazado",
        "order_status_cancelled": "cancelado",
        "quote_subject": "{tenant}: tienes una cotización nueva ({number})",
        "quote_intro": "Hola {name}, {tenant} te envió la cotización {number} por {amount}, válida hasta el "
        "{valid_until}. Puedes aceptarla o rechazarla en el portal.",
        "quote_cta": "Ver la cotización",
        "staff_order_subject": "{account}: pedido nuevo {number} ({amount})",
        "staff_order_intro": "{contact} de {account} hizo el pedido {number} por {amount} en el portal.",
        "staff_order_po": "Orden de compra: {po}",
        "staff_order_quote": "Viene de la cotización {quote}.",
        "staff_order_lines": "Productos:",
        "staff_cancel_subject": "{account}: pedido {number} cancelado",
        "staff_cancel_intro": "{contact} de {account} canceló el pedido {number} en el portal.",
        "staff_accept_subject": "{account}: cotización {number} aceptada",
        "staff_accept_intro": "{contact} de {account} aceptó la cotización {number} por {amount}.",
        "staff_accept_order": "Se creó el pedido {order}.",
        "staff_reject_subject": "{account}: cotización {number} rechazada",
        "staff_reject_intro": "{contact} de {account} rechazó la cotización {number} por {amount}.",
        "staff_detail": "Comentario: {detail}",
        "staff_request_subject": "{account}: solicitud de cotización",
        "staff_request_intro": "{contact} ({email}) de {account} pidió una cotización en el portal.",
        "case_subject": "{account}: caso {number} — {subject}",
        "case_intro": "{contact} ({email}) de {account} abrió el caso {number} ({category}, prioridad {priority}):",
        "case_files": "Adjuntos (en el caso, desde el API del integrador): {files}",
        "case_reply_subject": "{tenant}: respuesta a tu caso {number}",
        "case_reply_intro": "Hola {name}, {author} respondió a tu caso {number} «{subject}»:",
        "case_reply_cta": "Ver el caso",
    },
    "en": {
        "invite_subject": "{tenant}: your customer portal access",
        "invite_intro": "Hi {name}, {tenant} gave you access to its customer portal: balances, statements, "
        "invoices and online payments.",
        "invite_login": "Your login is {email}.",
        "invite_cta": "Set my password",
        "invite_expiry": "The link works once and expires in 72 hours.",
        "reset_subject": "{tenant}: reset your password",
        "reset_intro": "Hi {name}, we received a request to reset your {tenant} portal password.",
        "reset_cta": "Reset password",
        "reset_expiry": "The link works once and expires in 2 hours. If you did not ask for it, ignore this mail.",
        "portal": "Portal",
        "footer": "You receive this mail because you are a contact of a customer of {tenant}.",
        "comment_subject": "{account}: comment on invoice {number}",
        "proof_subject": "{account}: payment proof for invoice {number}",
        "comment_intro": "{contact} ({email}) of {account} wrote about invoice {number}:",
        "proof_note": "They marked it as a payment proof: check the payment and update the balance in the ERP.",
        "attachments": "Attachments (links valid for 7 days):",
        "staff_footer": "Automatic mail from the {tenant} customer portal.",
        "reply_subject": "{tenant}: reply about your invoice {number}",
        "reply_intro": "Hi {name}, {author} replied about invoice {number}:",
        "reply_cta": "See the invoice",
        "receipt_subject": "{tenant}: payment approved {reference}",
        "receipt_intro": "Hi {name}, your online payment {reference} of {amount} was approved.",
        "receipt_invoices": "Invoices paid: {invoices}.",
        "receipt_cta": "See the payment and download the receipt",
        "reminder_subject": "{tenant}: payment reminder",
        "reminder_intro": "Hi {name}, a reminder about these invoices of {account} with {tenant}:",
        "reminder_line": "Invoice {number}: {when}, balance {balance}",
        "reminder_due_in": "due in {days} days ({date})",
        "reminder_due_tomorrow": "due tomorrow ({date})",
        "reminder_due_today": "due today ({date})",
        "reminder_overdue_one": "1 day overdue ({date})",
        "reminder_overdue": "{days} days overdue ({date})",
        "reminder_total": "Total: {amount}",
        "reminder_columns": "Invoice|Due date|Balance",
        "reminder_paid_note": "If you have already paid, there is nothing to do: the balance is updated once your "
        "payment is recorded.",
        "reminder_cta_pay": "Pay online",
        "reminder_cta_view": "See my balance",
        "reminder_opt_out": "Rather not receive these reminders? Turn them off here:",
        "reminder_opt_out_link": "Stop payment reminders",
        "unverified_subject": "{tenant}: we could not confirm your payment {reference}",
        "unverified_intro": "Hi {name}, for 24 hours {gateway} has not told us how your online payment {reference} "
        "of {amount} ended.",
        "unverified_invoices": "We released your invoices and asked our team to look into it. If the money has already "
        "left your account, do not pay again: we will apply it to your invoices as soon as {gateway} confirms it.",
        "unverified_cta": "See the payment",
        "order_subject": "{tenant}: we received your order {number}",
        "order_intro": "Hi {name}, we received your order {number} of {amount} ({lines} products). We will mail "
        "you each time its status changes.",
        "order_cta": "See the order",
        "status_subject": "{tenant}: your order {number} is {status}",
        "status_intro": "Hi {name}, your order {number} is now: {status}.",
        "status_reason": "Reason: {reason}",
        "status_note": "Note: {note}",
        "status_tracking": "Tracking number: {tracking}",
        "status_cta": "See the order",
        "order_status_received": "received",
        "order_status_confirmed": "confirmed",
        "order_status_in_preparation": "being prepared",
        "order_status_shipped": "shipped",
        "order_status_delivered": "delivered",
        "order_status_rejected": "rejected",
        "order_status_cancelled": "cancelled",
        "quote_subject": "{tenant}: you have a new quote ({number})",
        "quote_intro": "Hi {name}, {tenant} sent you quote {number} of {amount}, valid until {valid_until}. You "
        "can accept or reject it in the portal.",
        "quote_cta": "See the quote",
        "staff_order_subject": "{account}: new order {number} ({amount})",
        "staff_order_intro": "{contact} of {account} placed order {number} of {amount} in the portal.",
        "staff_order_po": "Purchase order: {po}",
        "staff_order_quote": "It comes from quote {quote}.",
        "staff_order_lines": "Products:",
        "staff_cancel_subject": "{account}: order {number} cancelled",
        "staff_cancel_intro": "{contact} of {account} cancelled order {number} in the portal.",
        "staff_accept_subject": "{account}: quote {number} accepted",
        "staff_accept_intro": "{contact} of {account} accepted quote {number} of {amount}.",
        "staff_accept_order": "Order {order} was created.",
        "staff_reject_subject": "{account}: quote {number} rejected",
        "staff_reject_intro": "{contact} of {account} rejected quote {number} of {amount}.",
        "staff_detail": "Comment: {detail}",
        "staff_request_subject": "{account}: quote request",
        "staff_request_intro": "{contact} ({email}) of {account} asked for a quote in the portal.",
        "case_subject": "{account}: case {number} — {subject}",
        "case_intro": "{contact} ({email}) of {account} opened case {number} ({category}, {priority} priority):",
        "case_files": "Attachments (on the case, through the integrator API): {files}",
        "case_reply_subject": "{tenant}: an answer to your case {number}",
        "case_reply_intro": "Hello {name}, {author} answered your case {number} “{subject}”:",
        "case_reply_cta": "See the case",
    },
}


def words(language: str | None) -> dict[str, str]:
    return _WORDS.get(language or "es-CO", _WORDS["es-CO"])


def _fill(template: str, values: Mapping[str, Any]) -> str:
    """``template.format(**values)``, but a value that ends in a period takes the place of the template's own:
    "…cliente de {tenant}." with "Andina S.A.S." ends "…cliente de Andina S.A.S.", not "S.A.S..".
    """
    formatter, text = Formatter(), list[str]()
    for literal, name, spec, conversion in formatter.parse(template):
        text.append(literal[1:] if text and text[-1].endswith(".") and literal.startswith(".") else literal)
        if name is not None:
            text.append(formatter.format_field(formatter.convert_field(values[name], conversion), spec or ""))
    return "".join(text)


def _layout(*, tenant: str, logo_url: str | None, paragraphs: list[str], cta: str | None, link: str | None,
            footer: str, links: tuple[tuple[str, str], ...] | list[tuple[str, str]] = (), table: str = "",
            closing: list[str] | tuple[str, ...] = (), after: str = "") -> str:
    """The one HTML frame of every mail. ``table`` (already escaped HTML) follows the paragraphs, ``closing``
    paragraphs come before the button and ``after`` (escaped HTML) after it."""
    logo = f'<img src="{escape(logo_url)}" alt="{escape(tenant)}" style="max-height:48px">' if logo_url else ""
    body = "".join(f'<p style="margin:0 0 16px;white-space:pre-wrap">{escape(p)}</p>' for p in paragraphs)
    ending = "".join(f'<p style="margin:0 0 16px;white-space:pre-wrap">{escape(p)}</p>' for p in closing)
    listed = "".join(f'<li><a href="{escape(url)}">{escape(label)}</a></li>' for label, url in links)
    button = (f'<p><a href="{escape(link)}" style="display:inline-block;padding:12px 20px;background:#0b5394;'
              f'color:#fff;text-decoration:none;border-radius:6px">{escape(cta)}</a></p>') if cta and link else ""
    return (
        '<!doctype html><html><body style="font-family:system-ui,Arial,sans-serif;color:#1f2933;background:#f5f7fa">'
        '<div style="max-width:560px;margin:0 auto;padding:24px;background:#fff">'
        f'{logo}<h1 style="font-size:20px">{escape(tenant)}</h1>{body}{table}{ending}'
        f'{f"<ul>{listed}</ul>" if listed else ""}{button}{after}'
        f'<p style="font-size:12px;color:#52606d">{escape(footer)}</p></div></body></html>'
    )


def _button_mail(kind: str, *, to: str, w: Mapping[str, str], fill: Mapping[str, Any], paragraphs: list[str],
                 link: str, tenant: str, logo_url: str | None) -> Mail:
    """A mail of ``paragraphs`` and one button (``{kind}_cta`` to ``link``), subject ``{kind}_subject``."""
    cta = w[f"{kind}_cta"]
    footer = _fill(w["footer"], fill)
    text = "\n\n".join([*paragraphs, f"{cta}: {link}", footer]) + "\n"
    html = _layout(tenant=tenant, logo_url=logo_url, paragraphs=paragraphs, cta=cta, link=link, footer=footer)
    return Mail(to=(to,), subject=_fill(w[f"{kind}_subject"], fill), text=text, html=html)


def _compose(kind: str, *, to: str, tenant: str, logo_url: str | None, name: str, email: str, link: str,
             language: str | None) -> Mail:
    w = words(language)
    fill = {"tenant": tenant, "name": name, "email": email}
    paragraphs = [_fill(w[f"{kind}_intro"], fill)]
    if kind == "invite":
        paragraphs.append(_fill(w["invite_login"], fill))
    paragraphs.append(w[f"{kind}_expiry"])
    return _button_mail(kind, to=to, w=w, fill=fill, paragraphs=paragraphs, link=link, tenant=tenant,
                        logo_url=logo_url)


def invitation(*, tenant: str, logo_url: str | None, name: str, email: str, link: str, language: str | None) -> Mail:
    return _compose("invite", to=email, tenant=tenant, logo_url=logo_url, name=name, email=email, link=link,
                    language=language)


def password_reset(*, tenant: str, logo_url: str | None, name: str, email: str, link: str,
                   language: str | None) -> Mail:
    return _compose("reset", to=email, tenant=tenant, logo_url=logo_url, name=name, email=email, link=link,
                    language=language)


def set_password_link(portal_url: str, token: str) -> str:
    return f"{portal_url.rstrip('/')}/#/set-password?token={token}"


def invoice_comment(*, to: str, tenant: str, logo_url: str | None, account: str, number: str, contact: str,
                    email: str, body: str, payment_proof: bool, attachments: list[tuple[str, str]]) -> Mail:
    """To the invoice's salesperson (or the account executive): what the customer wrote, with its files."""
    w = words("es-CO")
    fill = {"tenant": tenant, "account": account, "number": number, "contact": contact, "email": email}
    paragraphs = [_fill(w["comment_intro"], fill), body]
    if payment_proof:
        paragraphs.append(w["proof_note"])
    lines = [*paragraphs]
    if attachments:
        paragraphs.append(w["attachments"])
        lines += [w["attachments"], *(f"- {name}: {url}" for name, url in attachments)]
    footer = _fill(w["staff_footer"], fill)
    subject = _fill(w["proof_subject" if payment_proof else "comment_subject"], fill)
    return Mail(to=(to,), subject=subject, text="\n\n".join([*lines, footer]) + "\n",
                html=_layout(tenant=tenant, logo_url=logo_url, paragraphs=paragraphs, cta=None, link=None,
                             footer=footer, links=attachments))


def staff_reply(*, to: str, tenant: str, logo_url: str | None, name: str, author: str, number: str, body: str,
                link: str, language: str | None) -> Mail:
    """To a contact: the tenant's staff answered on one of their invoices."""
    w = words(language)
    fill = {"tenant": tenant, "name": name, "author": author, "number": number}
    paragraphs = [_fill(w["reply_intro"], fill), body]
    return _button_mail("reply", to=to, w=w, fill=fill, paragraphs=paragraphs, link=link, tenant=tenant,
                        logo_url=logo_url)


def invoice_link(portal_url: str, invoice_id: str) -> str:
    return f"{portal_url.rstrip('/')}/#/invoices/{invoice_id}"


def attachment_link(portal_url: str, token: str) -> str:
    """The portal page that opens a mailed attachment (it asks for a fresh short link on click)."""
    return f"{portal_url.rstrip('/')}/#/attachment/{token}"


def payment_receipt(*, to: str, tenant: str, logo_url: str | None, name: str, reference: str, amount: int,
                    currency: str, invoices: list[str], link: str, language: str | None) -> Mail:
    """To the contact who paid: the payment was approved. The amount stands alone in its sentence, so it shows
    decimals only when it has cents (docs/decisions.md, "Money on screen, PDF and mail")."""
    w = words(language)
    fill = {"tenant": tenant, "name": name, "reference": reference, "invoices": ", ".join(invoices),
            "amount": format_money(amount, currency, language=language or "es-CO")}
    paragraphs = [_fill(w["receipt_intro"], fill), _fill(w["receipt_invoices"], fill)]
    return _button_mail("receipt", to=to, w=w, fill=fill, paragraphs=paragraphs, link=link, tenant=tenant,
                        logo_url=logo_url)


# --- payment reminders (issue 11, point 14) --------------------------------------------------------------------

_MONTHS = {
    "es-CO": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def format_day(iso_date: str, language: str | None) -> str:
    """``2026-11-23`` → ``23 nov 2026`` (es-CO) / ``Nov 23, 2026`` (en), as UI.md writes dates."""
    day = date.fromisoformat(iso_date)
    if language == "en":
        return f"{_MONTHS['en'][day.month - 1]} {day.day}, {day.year}"
    return f"{day.day} {_MONTHS['es-CO'][day.month - 1]} {day.year}"


def _when(line: DueInvoice, w: Mapping[str, str], language: str | None) -> str:
    """"vence en 3 días (26 nov 2026)", "vence hoy (…)", "vencida hace 7 días (…)": the step it reached today."""
    fill = {"days": abs(line.step), "date": format_day(line.due_date, language)}
    key = {-1: "reminder_due_tomorrow", 0: "reminder_due_today", 1: "reminder_overdue_one"}.get(
        line.step, "reminder_due_in" if line.step < 0 else "reminder_overdue")
    return _fill(w[key], fill)


def _reminder_table(rows: list[tuple[str, str, str]], totals: list[str], columns: list[str]) -> str:
    cell = 'style="padding:6px 8px;border-bottom:1px solid #e4e7eb;text-align:{}"'
    head = "".join(f'<th {cell.format("right" if i == 2 else "left")}>{escape(c)}</th>' for i, c in enumerate(columns))
    body = "".join(
        "<tr>" + "".join(f'<td {cell.format("right" if i == 2 else "left")}>{escape(v)}</td>'
                         for i, v in enumerate(row)) + "</tr>" for row in rows)
    foot = "".join(f'<tr><td colspan="3" {cell.format("right")}><strong>{escape(t)}</strong></td></tr>'
                   for t in totals)
    return (f'<table style="border-collapse:collapse;width:100%;margin:0 0 16px"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody><tfoot>{foot}</tfoot></table>")


def payment_reminder(*, to: str, tenant: str, logo_url: str | None, name: str, account: str,
                     lines: Sequence[DueInvoice], link: str, can_pay: bool, opt_out_link: str,
                     language: str | None) -> Mail:
    """To a contact: the invoices that reached a reminder step today, their balances and when they were due,
    the total per currency, one button (pay those invoices online, or see the balance without the ``pay``
    action) and a one-click opt-out link. The balances and totals of one currency are one set: they share
    their decimals (docs/decisions.md, "Money on screen, PDF and mail")."""
    w = words(language)
    language = language or "es-CO"
    cents = {currency: shows_cents([line.balance for line in lines if line.currency == currency], currency)
             for currency in {line.currency for line in lines}}

    def money(amount: int, currency: str) -> str:
        return format_money(amount, currency, language=language, cents=cents[currency])

    fill = {"tenant": tenant, "name": name, "account": account}
    intro = _fill(w["reminder_intro"], fill)
    listed = [(line.number, _when(line, w, language), money(line.balance, line.currency)) for line in lines]
    sums = [_fill(w["reminder_total"], {"amount": money(amount, currency)})
            for currency, amount in reminder_totals(lines)]
    cta = w["reminder_cta_pay" if can_pay else "reminder_cta_view"]
    footer = _fill(w["footer"], fill)
    text = "\n\n".join([
        intro,
        "\n".join("- " + _fill(w["reminder_line"], {"number": n, "when": when, "balance": b}) for n, when, b in listed),
        "\n".join(sums),
        w["reminder_paid_note"],
        f"{cta}: {link}",
        f"{w['reminder_opt_out']} {opt_out_link}",
        footer,
    ]) + "\n"
    opt_out = (f'<p style="font-size:13px;color:#52606d">{escape(w["reminder_opt_out"])} '
               f'<a href="{escape(opt_out_link)}">{escape(w["reminder_opt_out_link"])}</a></p>')
    html = _layout(tenant=tenant, logo_url=logo_url, paragraphs=[intro], cta=cta, link=link, footer=footer,
                   table=_reminder_table([(n, when, b) for n, when, b in listed], sums,
                                         w["reminder_columns"].split("|")),
                   closing=[w["reminder_paid_note"]], after=opt_out)
    return Mail(to=(to,), subject=_fill(w["reminder_subject"], fill), text=text, html=html)


def payment_link(portal_url: str, invoice_ids: Sequence[str]) -> str:
    """The portal's new-payment page with exactly these invoices preselected (it checks they are still open)."""
    return f"{portal_url.rstrip('/')}/#/payments/new?{urlencode([('invoice', i) for i in invoice_ids])}"


def receivables_link(portal_url: str) -> str:
    return f"{portal_url.rstrip('/')}/#/receivables"


def reminder_opt_out_link(portal_url: str, token: str) -> str:
    """The portal page that asks before turning reminders off (the page POSTs; opening it changes nothing)."""
    return f"{portal_url.rstrip('/')}/#/reminders/opt-out?token={token}"
def payment_unverified(*, to: str, tenant: str, logo_url: str | None, name: str, reference: str, gateway: str,
                       amount: int, currency: str, link: str, language: str | None) -> Mail:
    """To the contact who paid: the gateway has not answered about the payment for a day; it is in review, its
    invoices are free again, and money already taken will still be applied (so: do not pay twice)."""
    w = words(language)
    fill = {"tenant": tenant, "name": name, "reference": reference, "gateway": gateway,
            "amount": format_money(amount, currency, language=language or "es-CO")}
    paragraphs = [_fill(w["unverified_intro"], fill), _fill(w["unverified_invoices"], fill)]
    return _button_mail("unverified", to=to, w=w, fill=fill, paragraphs=paragraphs, link=link, tenant=tenant,
                        logo_url=logo_url)


# --- sales (issue 13) ---------------------------------------------------------------------------------------------

def sales_link(portal_url: str, section: str, record_id: str) -> str:
    """``<portal>/#/orders/{id}`` or ``<portal>/#/quotes/{id}``."""
    return f"{portal_url.rstrip('/')}/#/{section}/{record_id}"


def order_placed(*, to: str, tenant: str, logo_url: str | None, name: str, number: str, amount: str, lines: int,
                 link: str, language: str | None) -> Mail:
    """To the contact who placed the order: it was received."""
    w = words(language)
    fill = {"tenant": tenant, "name": name, "number": number, "amount": amount, "lines": lines}
    return _button_mail("order", to=to, w=w, fill=fill, paragraphs=[_fill(w["order_intro"], fill)], link=link,
                        tenant=tenant, logo_url=logo_url)


def order_status(*, to: str, tenant: str, logo_url: str | None, name: str, number: str, status: str,
                 reason: str | None, note: str | None, tracking: str | None, link: str, language: str | None) -> Mail:
    """To the contact: the order moved to ``status`` (with the business's reason, note or tracking number)."""
    w = words(language)
    fill = {"tenant": tenant, "name": name, "number": number, "status": w[f"order_status_{status}"],
            "reason": reason or "", "note": note or "", "tracking": tracking or ""}
    paragraphs = [_fill(w["status_intro"], fill)]
    paragraphs += [_fill(w[f"status_{key}"], fill) for key, value in (("reason", reason), ("note", note),
                                                                    ("tracking", tracking)) if value]
    return _button_mail("status", to=to, w=w, fill=fill, paragraphs=paragraphs, link=link, tenant=tenant,
                        logo_url=logo_url)


def quote_sent(*, to: str, tenant: str, logo_url: str | None, name: str, number: str, amount: str, valid_until: str,
               link: str, language: str | None) -> Mail:
    """To the contact: a new quote is waiting in the portal."""
    w = words(language)
    fill = {"tenant": tenant, "name": name, "number": number, "amount": amount, "valid_until": valid_until}
    return _button_mail("quote", to=to, w=w, fill=fill, paragraphs=[_fill(w["quote_intro"], fill)], link=link,
                        tenant=tenant, logo_url=logo_url)


def _staff_mail(subject: str, *, to: str, tenant: str, logo_url: str | None, paragraphs: list[str],
                links: list[tuple[str, str]] | None = None) -> Mail:
    w = words("es-CO")
    footer = _fill(w["staff_footer"], {"tenant": tenant})
    lines = [*paragraphs, *(f"- {label}: {url}" for label, url in links or [])]
    return Mail(to=(to,), subject=subject, text="\n\n".join([*lines, footer]) + "\n",
                html=_layout(tenant=tenant, logo_url=logo_url, paragraphs=paragraphs, cta=None, link=None,
                             footer=footer, links=links or []))


def order_placed_staff(*, to: str, tenant: str, logo_url: str | None, account: str, contact: str, number: str,
                       amount: str, po_number: str | None, quote: str | None,
                       lines: Sequence[tuple[str, str, int]]) -> Mail:
    """To the account executive: a customer placed an order (what, how many, their PO)."""
    w = words("es-CO")
    fill = {"tenant": tenant, "account": account, "contact": contact, "number": number, "amount": amount,
            "po": po_number or "", "quote": quote or ""}
    paragraphs = [_fill(w["staff_order_intro"], fill)]
    if po_number:
        paragraphs.append(_fill(w["staff_order_po"], fill))
    if quote:
        paragraphs.append(_fill(w["staff_order_quote"], fill))
    paragraphs.append("\n".join([w["staff_order_lines"], *(f"- {qty} × {name} ({sku})" if sku else f"- {qty} × {name}"
                                                           for sku, name, qty in lines)]))
    return _staff_mail(_fill(w["staff_order_subject"], fill), to=to, tenant=tenant, logo_url=logo_url,
                       paragraphs=paragraphs)


def order_cancelled_staff(*, to: str, tenant: str, logo_url: str | None, account: str, contact: str, number: str,
                          reason: str | None) -> Mail:
    w = words("es-CO")
    fill = {"account": account, "contact": contact, "number": number, "detail": reason or ""}
    paragraphs = [_fill(w["staff_cancel_intro"], fill)] + ([_fill(w["staff_detail"], fill)] if reason else [])
    return _staff_mail(_fill(w["staff_cancel_subject"], fill), to=to, tenant=tenant, logo_url=logo_url,
                       paragraphs=paragraphs)


def quote_answered_staff(*, to: str, tenant: str, logo_url: str | None, account: str, contact: str, number: str,
                         accepted: bool, detail: str | None, amount: str, order_id: str | None) -> Mail:
    """To the quote's salesperson (or the account executive): the customer accepted or rejected it."""
    w = words("es-CO")
    kind = "accept" if accepted else "reject"
    fill = {"account": account, "contact": contact, "number": number, "amount": amount, "detail": detail or "",
            "order": order_id or ""}
    paragraphs = [_fill(w[f"staff_{kind}_intro"], fill)]
    if detail:
        paragraphs.append(_fill(w["staff_detail"], fill))
    if accepted and order_id:
        paragraphs.append(_fill(w["staff_accept_order"], fill))
    return _staff_mail(_fill(w[f"staff_{kind}_subject"], fill), to=to, tenant=tenant, logo_url=logo_url,
                       paragraphs=paragraphs)


def quote_requested_staff(*, to: str, tenant: str, logo_url: str | None, account: str, contact: str, email: str,
                          text: str | None, lines: Sequence[tuple[str, str, int]],
                          attachments: list[tuple[str, str]]) -> Mail:
    """To the account executive: a customer asks for a quote (the cart's lines, their text, their files)."""
    w = words("es-CO")
    fill = {"account": account, "contact": contact, "email": email}
    paragraphs = [_fill(w["staff_request_intro"], fill)]
    if text:
        paragraphs.append(text)
    if lines:
        paragraphs.append("\n".join([w["staff_order_lines"], *(f"- {qty} × {name} ({sku})"
                                                               for sku, name, qty in lines)]))
    if attachments:
        paragraphs.append(w["attachments"])
    return _staff_mail(_fill(w["staff_request_subject"], fill), to=to, tenant=tenant, logo_url=logo_url,
                       paragraphs=paragraphs, links=attachments)
# --- support cases (issue 14) ------------------------------------------------------------------------------------

def case_opened(*, to: str, tenant: str, logo_url: str | None, account: str, number: str, subject: str,
                contact: str, email: str, category: str, priority: str, body: str, attachments: list[str]) -> Mail:
    """To the tenant's support desk: a customer opened a case."""
    w = words("es-CO")
    fill = {"tenant": tenant, "account": account, "number": number, "subject": subject, "contact": contact,
            "email": email, "category": category, "priority": priority, "files": ", ".join(attachments)}
    paragraphs = [_fill(w["case_intro"], fill), subject, body]
    if attachments:
        paragraphs.append(_fill(w["case_files"], fill))
    footer = _fill(w["staff_footer"], fill)
    return Mail(to=(to,), subject=_fill(w["case_subject"], fill), text="\n\n".join([*paragraphs, footer]) + "\n",
                html=_layout(tenant=tenant, logo_url=logo_url, paragraphs=paragraphs, cta=None, link=None,
                             footer=footer))


def case_reply(*, to: str, tenant: str, logo_url: str | None, name: str, author: str, number: str, subject: str,
               body: str, link: str, language: str | None) -> Mail:
    """To the case's contact: staff answered on the case."""
    w = words(language)
    fill = {"tenant": tenant, "name": name, "author": author, "number": number, "subject": subject}
    return _button_mail("case_reply", to=to, w=w, fill=fill, paragraphs=[_fill(w["case_reply_intro"], fill), body],
                        link=link, tenant=tenant, logo_url=logo_url)


def case_link(portal_url: str, case_id: str) -> str:
    return f"{portal_url.rstrip('/')}/#/cases/{case_id}"

"""Mail texts: a name that ends in a period (most Colombian company names: "S.A.S.") never doubles the
sentence's own period, in any template, language, subject, text or HTML part."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from chalicelib.domain import mail
from chalicelib.domain.reminders import DueInvoice

if TYPE_CHECKING:
    from collections.abc import Callable

TENANT = "Distribuidora Andina S.A.S."
ACCOUNT = "Ferretería El Tornillo S.A.S."


def every_mail(tenant: str, language: str) -> dict[str, Callable[[], mail.Mail]]:
    link = "https://portal.example/#/x"
    return {
        "invitation": lambda: mail.invitation(tenant=tenant, logo_url=None, name="Ana", email="ana@example.com",
                                              link=link, language=language),
        "password_reset": lambda: mail.password_reset(tenant=tenant, logo_url=None, name="Ana",
                                                      email="ana@example.com", link=link, language=language),
        "invoice_comment": lambda: mail.invoice_comment(
            to="mateo@example.com", tenant=tenant, logo_url=None, account=ACCOUNT, number="FV-1002",
            contact="Ana Gómez", email="ana@example.com", body="Adjunto el soporte.", payment_proof=True,
            attachments=[("soporte.pdf", link)]),
        "staff_reply": lambda: mail.staff_reply(to="ana@example.com", tenant=tenant, logo_url=None, name="Ana",
                                                author="Mateo Vélez", number="FV-1002", body="Recibido.", link=link,
                                                language=language),
        "payment_receipt": lambda: mail.payment_receipt(to="ana@example.com", tenant=tenant, logo_url=None,
                                                        name="Ana", reference="PTC-1", amount=175005000,
                                                        currency="COP", invoices=["FV-1002"], link=link,
                                                        language=language),
        "payment_reminder": lambda: mail.payment_reminder(
            to="ana@example.com", tenant=tenant, logo_url=None, name="Ana", account=ACCOUNT,
            lines=[DueInvoice("fv-1002", "FV-1002", "2026-11-23", 175005000, "COP", 0)], link=link, can_pay=True,
            opt_out_link=link, language=language),
        "payment_unverified": lambda: mail.payment_unverified(to="ana@example.com", tenant=tenant, logo_url=None,
                                                              name="Ana", reference="PTC-1", gateway="PayU",
                                                              amount=175005000, currency="COP", link=link,
                                                              language=language),
    }


@pytest.mark.parametrize("language", ["es-CO", "en"])
@pytest.mark.parametrize("kind", sorted(every_mail(TENANT, "es-CO")))
def test_no_double_period_after_a_name_that_ends_in_one(kind: str, language: str) -> None:
    message = every_mail(TENANT, language)[kind]()

    for part in (message.subject, message.text, message.html):
        assert ".." not in part, part
    footer = message.text.rstrip("\n").rsplit("\n", 1)[-1]
    assert footer.endswith(f"{TENANT}"), footer


@pytest.mark.parametrize("kind", sorted(every_mail(TENANT, "es-CO")))
def test_a_name_without_a_period_keeps_the_sentences_own(kind: str) -> None:
    message = every_mail("Distribuidora Andina", "es-CO")[kind]()

    assert message.text.rstrip("\n").endswith("Distribuidora Andina.")


@pytest.mark.parametrize(("language", "words"), [
    ("es-CO", ("no hemos podido confirmar tu pago PTC-1", "$ 1.750.050", "no vuelvas a pagar", "Ver el pago")),
    ("en", ("we could not confirm your payment PTC-1", "COP 1,750,050", "do not pay again", "See the payment")),
])
def test_the_unverified_payment_mail_says_not_to_pay_twice(language: str, words: tuple[str, ...]) -> None:
    """Issue 11, 10: after 24 hours without the gateway's answer the contact is told, in their language."""
    message = every_mail(TENANT, language)["payment_unverified"]()
    whole = "\n".join((message.subject, message.text)).replace("\u00a0", " ")
    assert all(word in whole for word in words), whole
    assert message.to == ("ana@example.com",) and "https://portal.example/#/x" in message.html


# --- sales (issue 13) ---------------------------------------------------------------------------------------------


def test_order_status_mail_in_the_contacts_language_with_tracking() -> None:
    from chalicelib.domain import mail as sales_mail

    es = sales_mail.order_status(to="ana@x.test", tenant="Andina S.A.S.", logo_url=None, name="Ana", number="PED-1",
                                 status="shipped", reason=None, note=None, tracking="GUIA-9",
                                 link="http://portal/#/orders/PED-1", language=None)
    assert es.subject == "Andina S.A.S.: tu pedido PED-1 está despachado"
    assert "Guía de envío: GUIA-9" in es.text and "http://portal/#/orders/PED-1" in es.text
    en = sales_mail.order_status(to="ana@x.test", tenant="Andina", logo_url=None, name="Ana", number="PED-1",
                                 status="rejected", reason="No stock", note=None, tracking=None,
                                 link="http://portal/#/orders/PED-1", language="en")
    assert en.subject == "Andina: your order PED-1 is rejected" and "Reason: No stock" in en.text
    assert "Guía" not in en.text and "<a href=\"http://portal/#/orders/PED-1\"" in en.html


def test_the_executive_sees_what_was_ordered() -> None:
    from chalicelib.domain import mail as sales_mail

    message = sales_mail.order_placed_staff(to="eva@x.test", tenant="Andina", logo_url=None, account="El Tornillo",
                                            contact="Ana", number="PED-1", amount="$ 1.000", po_number="OC-7",
                                            quote="COT-1", lines=[("TAL-1", "Taladro <b>", 2), ("", "Transporte", 1)])
    assert message.subject == "El Tornillo: pedido nuevo PED-1 ($ 1.000)"
    assert "- 2 × Taladro <b> (TAL-1)" in message.text and "- 1 × Transporte\n" in message.text
    assert "Orden de compra: OC-7" in message.text and "cotización COT-1" in message.text
    assert "<b>" not in message.html and "&lt;b&gt;" in message.html

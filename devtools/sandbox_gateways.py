"""The payment gateways of the local sandbox: PayU Latam WebCheckout and Zona Virtual (Zona Pagos), speaking
their real protocols (DESIGN §5) so a payment runs end to end offline, plus a JSON control API for tests.

PayU
  ``POST /payu/checkout``                      the WebCheckout form → checkout page, or 400 naming the failed check
  ``GET  /payu/orders/<order_id>``             the same checkout page again (reload)
  ``POST /payu/orders/<order_id>/decision``    its buttons → signed confirmation POST, then 302 to responseUrl
  ``POST /payu/orders/<order_id>/retry``       after a decline: a new try (transaction) on the same reference
  ``POST /payu/reports-api/4.0/service.cgi``   Reports API (ORDER_DETAIL_BY_REFERENCE_CODE, ORDER_DETAIL, PING)
Zona Virtual
  ``POST /zonavirtual/Apis_CicloPago/api/InicioPago``        → ``{"int_codigo": 1, "str_url": …}`` or a refusal
  ``GET  /zonavirtual/pay/<token>`` (its buttons POST back)  → an attempt, then 302 to the commerce's return URL
  ``POST /zonavirtual/Apis_CicloPago/api/VerificacionPago``  → ``str_res_pago`` with every attempt
Control (JSON, for tests and for driving ``make run`` by hand)
  ``POST /sandbox/payu/<reference>/resolve`` ``{"state", "method"?, "bank"?}``: settles the order's try; on an
      order already final it adds a new transaction — a retry after a decline (decline, then approval on the
      same reference), or a late report. ``method`` ``CARD``, ``PSE`` or ``CASH`` (``PENDING`` + ``CASH`` is a
      cash voucher, valid 7 days; ``APPROVED`` later, even days later, pays it).
  ``POST /sandbox/payu/<reference>/redeliver``: the last confirmation again (PayU retries).
  ``POST /sandbox/zonavirtual/<id_pago>/resolve`` ``{"state", "method"?, "bank"?, "amount"?, "code"?, "email"?,
      "callback"?}``: adds an attempt, whatever came before — a second approved attempt, an approval after the
      portal expired the payment, ``"code": 888`` for "not started" (the payer opened the page and left).
      ``email`` is what the payer typed at the gateway (when InicioPago sent none), echoed verbatim.
  ``GET|POST /sandbox/switches``, ``POST /sandbox/reset`` (gateways' state and switches; the clock stays),
  ``POST /sandbox/flush``, ``GET /sandbox/state`` (orders with every checkout field received, Zona Virtual
  payments with the InicioPago received — never credentials —, attempts, refusals, the clock).
  ``GET /sandbox/clock``, ``POST /sandbox/clock`` ``{"advance_minutes": N}`` (1 ≤ N ≤ 525600, forward only):
      ``make run`` only (the stack's clock, :class:`ClockOffset`): moves the API's, the reconciler's and the
      sandbox's clocks together; 404 elsewhere. ``POST /sandbox/reconcile``: ``make run`` only, runs the
      reconciler now (after moving the clock).

Refused like the real gateways (each refusal is also kept in ``/sandbox/state`` → ``refusals``):
  PayU: a missing field, an unknown merchant or account, an algorithm other than MD5/SHA/SHA256, an amount
  that is not digits with at most two decimals, a bad signature, a ``referenceCode`` over 255 characters or
  with characters other than letters, digits, ``_ . -``, ``description``/``buyerEmail``/``responseUrl``/
  ``confirmationUrl`` over 255 and ``buyerFullName`` over 150 characters, a reference already used.
  Zona Virtual: bad credentials (E02), a missing field (E03), a bad amount (E04), an ``str_id_pago`` already
  used by the commerce (E05), over 30 characters or not letters, digits and ``-`` (E06), a text over its
  limit (E07: description and e-mail 70, names 50, id and phone 20), an ``str_tipo_id`` that is not one of
  Zona Pagos' codes 1–8 (E08).

Signatures: the checkout's ``algorithmSignature`` (MD5 when the form names none) signs the confirmation too.

State lives in memory behind one lock, which is never held during HTTP calls (the API we call may call back).
Signatures come from :mod:`chalicelib.payments.payu` (the same code the API verifies with), imported lazily so
the mail outbox keeps working even when that module is broken.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from flask import Blueprint, Response, redirect, request

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from types import ModuleType

BOGOTA = timezone(timedelta(hours=-5), "America/Bogota")  # Colombia keeps no daylight saving time
MAX_ADVANCE_MINUTES = 525_600  # a year per call


class ClockOffset:
    """The local stack's clock offset: forward only, thread-safe. ``devtools/stack.py`` makes one, installs it
    into :func:`chalicelib.domain.clock.now` and hands it to the sandbox, whose ``POST /sandbox/clock`` moves
    it; calling it gives the offset."""

    def __init__(self) -> None:
        self._minutes = 0
        self._lock = threading.Lock()

    @property
    def minutes(self) -> int:
        with self._lock:
            return self._minutes

    def advance(self, minutes: int) -> int:
        """Moves the clock ``minutes`` forward; returns the total offset in minutes."""
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_ADVANCE_MINUTES:
            raise ValueError(f"advance_minutes must be a whole number from 1 to {MAX_ADVANCE_MINUTES}")
        with self._lock:
            self._minutes += minutes
            return self._minutes

    def __call__(self) -> timedelta:
        return timedelta(minutes=self.minutes)


# --- configuration ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PayUMerchant:
    """A PayU merchant the sandbox knows: its accounts and the keys it signs with."""

    merchant_id: str
    account_ids: tuple[str, ...]
    api_key: str
    api_login: str
    name: str = "Comercio de pruebas"


@dataclass(frozen=True)
class ZonaVirtualCommerce:
    """A Zona Pagos commerce. ``return_url`` is set in the commerce's panel in real Zona Pagos; the browser
    comes back to it with ``?id_comercio=…&id_pago=…``."""

    commerce_id: int
    user: str
    password: str
    return_url: str | None = None
    name: str = "Comercio de pruebas"


# PayU's public sandbox merchant (always configured) and the demo tenant's Zona Virtual test commerce.
PAYU_PUBLIC_SANDBOX = PayUMerchant(merchant_id="508029", account_ids=("512321",),
                                   api_key="4Vj8eK4rloUd272L48hsrarnUA", api_login="pRRXKOl8ikMmt9u",
                                   name="PayU Latam (sandbox público)")
ZONAVIRTUAL_DEMO = ZonaVirtualCommerce(commerce_id=31685, user="PorticoDemo",
                                       password="PorticoDemo2026",  # noqa: S106 - public sandbox credential
                                       name="Pórtico demo (Zona Pagos de pruebas)")


@dataclass(frozen=True)
class GatewaySettings:
    """How the gateway sandbox is set up. Merchants/commerces given here are added to the two always
    configured ones (same id: replaces it, e.g. to set the demo commerce's return URL).

    ``public_url``: the sandbox's own base URL for links it hands out (Zona Virtual's ``str_url``); the
    request's host when None. ``api_base``: the API's origin (no ``/v1``), shown on the landing page.
    ``timeout_seconds``: how long the ``"timeout"`` failure switches sleep before answering (longer than
    the clients' 10 s read timeout). ``http_timeout_seconds``: for our confirmation POSTs and callbacks.
    ``clock``/``reconcile``: given by ``make run`` only (``/sandbox/clock`` and ``/sandbox/reconcile`` answer
    404 without them).
    """

    public_url: str | None = None
    api_base: str | None = None
    payu_merchants: tuple[PayUMerchant, ...] = ()
    zonavirtual_commerces: tuple[ZonaVirtualCommerce, ...] = ()
    timeout_seconds: float = 12.0
    http_timeout_seconds: float = 10.0
    # make run only: the stack's clock (the control API moves it) and a way to run its reconciler now.
    clock: ClockOffset | None = None
    reconcile: Callable[[], Any] | None = None


FAILURES = (0, 500, "timeout")
SEPARATORS = ("alternate", " ; ", "|;|")


@dataclass
class Switches:
    """Misbehaviours to switch on from tests (``POST /sandbox/switches``)."""

    drop_confirmations: bool = False       # PayU never sends the confirmation
    delay_seconds: float = 0.0             # ... sends it that much later, in the background
    duplicate_confirmations: bool = False  # ... sends each confirmation twice
    reorder: bool = False                  # ... holds them; the next resolve or /sandbox/flush sends all, newest first
    reports_fail: int | str = 0            # Reports API: 0, 500 or "timeout"
    verification_fail: int | str = 0       # VerificacionPago: 0, 500 or "timeout"
    timeout_seconds: float | None = None   # overrides GatewaySettings.timeout_seconds
    verification_separator: str = "alternate"  # " ; ", "|;|" or alternate between them

    def update(self, body: dict[str, Any]) -> dict[str, str]:
        """Applies ``body``; returns the problems by field (nothing applied when there is one)."""
        errors: dict[str, str] = {}
        changes: dict[str, Any] = {}
        for name, value in body.items():
            problem = _switch_problem(name, value)
            if problem:
                errors[name] = problem
            else:
                changes[name] = value
        if not errors:
            for name, value in changes.items():
                setattr(self, name, value)
        return errors


def _switch_problem(name: str, value: Any) -> str | None:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    checks: dict[str, tuple[bool, str]] = {
        "drop_confirmations": (isinstance(value, bool), "must be true or false"),
        "duplicate_confirmations": (isinstance(value, bool), "must be true or false"),
        "reorder": (isinstance(value, bool), "must be true or false"),
        "delay_seconds": (number and 0 <= value <= 300, "must be a number of seconds (0-300)"),
        "timeout_seconds": (value is None or (number and 0 <= value <= 300), "must be null or seconds (0-300)"),
        "reports_fail": (not isinstance(value, bool) and value in FAILURES, "must be 0, 500 or \"timeout\""),
        "verification_fail": (not isinstance(value, bool) and value in FAILURES, "must be 0, 500 or \"timeout\""),
        "verification_separator": (value in SEPARATORS, "must be \"alternate\", \" ; \" or \"|;|\""),
    }
    if name not in checks:
        return "is not a switch"
    ok, message = checks[name]
    return None if ok else message


# --- PayU vocabulary ---------------------------------------------------------------------------------------

PAYU_FINAL = ("APPROVED", "DECLINED", "EXPIRED", "ERROR")
PAYU_STATES = (*PAYU_FINAL, "PENDING")
STATE_POL = {"APPROVED": "4", "DECLINED": "6", "EXPIRED": "5", "ERROR": "104", "PENDING": "7"}
RESPONSE_CODE_POL = {"APPROVED": "1", "DECLINED": "5", "EXPIRED": "20", "ERROR": "9999", "PENDING": "9994"}
RESPONSE_CODE = {"APPROVED": "APPROVED", "DECLINED": "ENTITY_DECLINED", "EXPIRED": "EXPIRED_TRANSACTION",
                 "ERROR": "ERROR", "PENDING": "PENDING_TRANSACTION_CONFIRMATION"}
ORDER_STATUS = {"APPROVED": "CAPTURED", "DECLINED": "DECLINED", "EXPIRED": "DECLINED", "ERROR": "DECLINED",
                "PENDING": "IN_PROGRESS"}
# method → (payment_method, payment_method_type, payment_method_name): PayU's ids for VISA and PSE; cash (type 7)
# as Efecty, whose id here is the sandbox's own.
PAYU_METHODS = {"CARD": ("10", "2", "VISA"), "PSE": ("25", "4", "PSE"), "CASH": ("35", "7", "EFECTY")}
VOUCHER_DAYS = 7  # PayU's cash payments expire within 7 days (Colombia)
PAYU_CURRENCIES = frozenset({"COP", "USD", "PEN", "ARS", "BRL", "CLP", "MXN"})
PAYU_REQUIRED = ("merchantId", "accountId", "description", "referenceCode", "amount", "tax", "taxReturnBase",
                 "currency", "signature", "buyerEmail", "responseUrl", "confirmationUrl")
PAYU_OPTIONAL = ("algorithmSignature", "test", "buyerFullName", "extra1", "extra2", "extra3", "lng")
# WebCheckout's field sizes ("Payment form" parameters table).
PAYU_LIMITS = {"referenceCode": 255, "description": 255, "buyerEmail": 255, "buyerFullName": 150,
               "responseUrl": 255, "confirmationUrl": 255}
PAYU_REFERENCE = re.compile(r"[A-Za-z0-9_.-]+")  # no spaces or special characters in referenceCode
BANKS = (("1007", "BANCOLOMBIA"), ("1051", "DAVIVIENDA"), ("1001", "BANCO DE BOGOTA"),
         ("1022", "BANCO UNION COLOMBIANO"), ("1507", "NEQUI"))
_AMOUNT = re.compile(r"[0-9]{1,15}(\.[0-9]{1,2})?")


def _payu() -> ModuleType:
    from chalicelib.payments import payu

    return payu


def _now(clock: ClockOffset | None = None) -> datetime:
    """Bogotá's time, moved by the stack's clock when there is one."""
    moment = datetime.now(BOGOTA)
    return moment + clock() if clock is not None else moment


def _two_decimals(amount: str) -> str:
    return f"{Decimal(amount).quantize(Decimal('0.01')):.2f}"


def _response_value(amount: str) -> str:
    """TX_VALUE for the response page's signature: one decimal, rounded half to even (PayU's rule there)."""
    return f"{Decimal(amount).quantize(Decimal('0.1'), rounding=ROUND_HALF_EVEN):.1f}"


def _money(amount: Decimal | str, currency: str) -> str:
    text = f"{Decimal(amount):,.2f}".translate(str.maketrans(",.", ".,"))
    return f"$ {text} {currency}"


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = "&".join(part for part in (parts.query, urlencode(params)) if part)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


@dataclass
class PayUTransaction:
    id: str
    state: str
    method: str
    created_at: datetime
    updated_at: datetime
    cus: str = ""
    pse_bank: str = ""
    authorization_code: str = ""
    voucher: str = ""  # a cash payment's reference, to pay at the counter
    expires_at: datetime | None = None  # ... and when the voucher expires


@dataclass
class PayUOrder:
    order_id: int
    merchant: PayUMerchant
    form: dict[str, str]
    transactions: list[PayUTransaction]
    confirmations: list[dict[str, Any]] = field(default_factory=list)

    @property
    def reference(self) -> str:
        return self.form["referenceCode"]

    @property
    def current(self) -> PayUTransaction:
        return self.transactions[-1]

    @property
    def algorithm(self) -> str:
        """What the checkout was signed with, and so what its confirmations are signed with (PayU: MD5 when
        the form names none)."""
        return (self.form.get("algorithmSignature") or "MD5").strip().upper()

    def to_json(self) -> dict[str, Any]:
        return {"order_id": self.order_id, "merchant_id": self.merchant.merchant_id, "reference": self.reference,
                "state": self.current.state, "form": dict(self.form),
                "transactions": [{**asdict(tx), "created_at": tx.created_at.isoformat(),
                                  "updated_at": tx.updated_at.isoformat(),
                                  "expires_at": tx.expires_at.isoformat() if tx.expires_at else None}
                                 for tx in self.transactions],
                "confirmations": self.confirmations}


class CheckoutRefused(Exception):
    """A WebCheckout form PayU would refuse; ``check`` names the check, ``message`` says it in Spanish."""

    def __init__(self, check: str, message: str, title: str = "Firma inválida"):
        super().__init__(message)
        self.check, self.message, self.title = check, message, title


def _check_payu_fields(form: dict[str, str]) -> None:
    """:class:`CheckoutRefused` for a missing field, a field over its size or a reference PayU would refuse."""
    for name in PAYU_REQUIRED:
        if not form.get(name, "").strip():
            raise CheckoutRefused("missing_field", f"Falta el campo obligatorio «{name}».")
    for name, limit in PAYU_LIMITS.items():
        if len(form.get(name, "").strip()) > limit:
            check = "reference_length" if name == "referenceCode" else f"{name}_length"
            raise CheckoutRefused(check, f"«{name}» supera los {limit} caracteres que admite PayU.")
    reference = form["referenceCode"].strip()
    if not PAYU_REFERENCE.fullmatch(reference):
        raise CheckoutRefused("reference_characters", f"La referencia «{reference}» tiene espacios o caracteres "
                                                      "especiales: use letras, dígitos, «_», «.» o «-».")


def _check_payu_form(form: dict[str, str], merchants: dict[str, PayUMerchant]) -> PayUMerchant:
    """The merchant of a valid WebCheckout form, or :class:`CheckoutRefused` naming the failed check."""
    _check_payu_fields(form)
    merchant = merchants.get(form["merchantId"].strip())
    if merchant is None:
        raise CheckoutRefused("merchant", f"El comercio merchantId={form['merchantId']} no existe en el sandbox.")
    if form["accountId"].strip() not in merchant.account_ids:
        raise CheckoutRefused("account", f"La cuenta accountId={form['accountId']} no pertenece al comercio "
                                         f"{merchant.merchant_id}.")
    algorithm = (form.get("algorithmSignature") or "MD5").strip().upper()
    if algorithm not in ("MD5", "SHA", "SHA256"):
        raise CheckoutRefused("algorithm", f"algorithmSignature «{algorithm}» no es MD5, SHA ni SHA256.")
    for name in ("amount", "tax", "taxReturnBase"):
        if not _AMOUNT.fullmatch(form[name].strip()):
            raise CheckoutRefused(name, f"El valor de «{name}» («{form[name]}») no es un número con máximo dos "
                                        "decimales y punto decimal.")
    if Decimal(form["amount"]) <= 0:
        raise CheckoutRefused("amount", "El valor de «amount» debe ser mayor que cero.")
    if form["currency"] not in PAYU_CURRENCIES:
        raise CheckoutRefused("currency", f"La moneda «{form['currency']}» no es válida.")
    expected = _payu().request_signature(merchant.api_key, form["merchantId"], form["referenceCode"],
                                         form["amount"], form["currency"], algorithm)
    if not hmac.compare_digest(expected.lower().encode(), form["signature"].strip().lower().encode()):
        raise CheckoutRefused(
            "signature",
            f"La firma no coincide: se esperaba {algorithm}(\"ApiKey~{form['merchantId']}~{form['referenceCode']}~"
            f"{form['amount']}~{form['currency']}\") con el monto exactamente como se envió; llegó "
            f"«{form['signature']}».")
    return merchant


def _new_transaction(state: str, method: str, bank: str = "", *, now: datetime) -> PayUTransaction:
    tx = PayUTransaction(id=str(uuid.uuid4()), state=state, method=method, created_at=now, updated_at=now)
    _settle_transaction(tx, state, method, bank, now=now)
    return tx


def _settle_transaction(tx: PayUTransaction, state: str, method: str, bank: str = "", *, now: datetime) -> None:
    tx.state, tx.method, tx.updated_at = state, method, now
    if method == "PSE":
        tx.cus = tx.cus or str(secrets.randbelow(9_000_000) + 1_000_000)
        tx.pse_bank = bank or tx.pse_bank or BANKS[0][1]
    else:
        tx.cus, tx.pse_bank = "", ""
    if method == "CASH" and not tx.voucher:  # the voucher is made once, when the payer chooses cash
        tx.voucher = str(secrets.randbelow(90_000_000) + 10_000_000)
        tx.expires_at = now + timedelta(days=VOUCHER_DAYS)
    tx.authorization_code = f"{secrets.randbelow(900_000) + 100_000}" if state == "APPROVED" else ""


def confirmation_form(order: PayUOrder, tx: PayUTransaction) -> dict[str, str]:
    """The form PayU POSTs to the confirmation URL for ``tx``, signed as DESIGN §5 says."""
    payu = _payu()
    form, merchant = order.form, order.merchant
    value = _two_decimals(form["amount"])
    currency, state_pol = form["currency"], STATE_POL[tx.state]
    sign = payu.confirmation_signature(merchant.api_key, merchant.merchant_id, order.reference,
                                       payu.new_value(value), currency, state_pol, order.algorithm)
    method_id, method_type, method_name = PAYU_METHODS[tx.method]
    pse = tx.method == "PSE"
    fields = {
        "merchant_id": merchant.merchant_id, "state_pol": state_pol, "risk": "0.00",
        "response_code_pol": RESPONSE_CODE_POL[tx.state], "response_message_pol": RESPONSE_CODE[tx.state],
        "reference_sale": order.reference, "reference_pol": str(order.order_id), "sign": sign,
        "extra1": form.get("extra1", ""), "extra2": form.get("extra2", ""),
        "payment_method": method_id, "payment_method_type": method_type, "payment_method_id": method_type,
        "payment_method_name": method_name, "installments_number": "1",
        "value": value, "tax": _two_decimals(form["tax"]), "additional_value": "0.00",
        "transaction_date": tx.updated_at.strftime("%Y-%m-%d %H:%M:%S"),
        "date": tx.updated_at.strftime("%Y.%m.%d %I:%M:%S %p"),
        "currency": currency, "email_buyer": form["buyerEmail"], "description": form["description"],
        "cus": tx.cus, "pse_bank": tx.pse_bank, "test": form.get("test", "0") or "0",
        "billing_address": "", "shipping_address": "", "phone": "", "office_phone": "",
        "account_number_ach": "", "account_type_ach": "",
        "administrative_fee": "0.00", "administrative_fee_base": "0.00", "administrative_fee_tax": "0.00",
        "airline_code": "", "attempts": str(len(order.transactions)), "authorization_code": tx.authorization_code,
        "bank_id": method_id, "billing_city": "", "billing_country": "CO",
        "commision_pol": "0.00", "commision_pol_currency": currency, "customer_number": "",
        "error_code_bank": "", "error_message_bank": "", "exchange_rate": "1.00", "ip": "127.0.0.1",
        "nickname_buyer": "", "nickname_seller": "", "payment_request_state": "A" if tx.state == "APPROVED" else "R",
        "pseReference1": "127.0.0.1" if pse else "", "pseReference2": "CC" if pse else "",
        "pseReference3": "1000000001" if pse else "",
        "shipping_city": "", "shipping_country": "", "transaction_bank_id": tx.cus or tx.authorization_code,
        "transaction_id": tx.id,
    }
    if not pse:
        fields.update({"cc_number": "************1111", "cc_holder": form.get("buyerFullName", ""),
                       "franchise": method_name})
    return fields


def response_params(order: PayUOrder, tx: PayUTransaction) -> dict[str, str]:
    """The query string PayU's browser redirect carries to responseUrl (display only; signed anyway)."""
    form, merchant = order.form, order.merchant
    state = STATE_POL[tx.state]
    value = _response_value(form["amount"])
    signed = f"{merchant.api_key}~{merchant.merchant_id}~{order.reference}~{value}~{form['currency']}~{state}"
    method_id, method_type, method_name = PAYU_METHODS[tx.method]
    return {
        "merchantId": merchant.merchant_id, "merchant_name": merchant.name, "merchant_address": "",
        "telephone": "", "merchant_url": "", "transactionState": state, "polTransactionState": state,
        "lapTransactionState": tx.state, "message": tx.state, "referenceCode": order.reference,
        "reference_pol": str(order.order_id), "transactionId": tx.id, "description": form["description"],
        "trazabilityCode": tx.cus or tx.authorization_code, "cus": tx.cus, "orderLanguage": "es",
        "extra1": form.get("extra1", ""), "extra2": form.get("extra2", ""), "extra3": form.get("extra3", ""),
        "signature": _digest(signed, order.algorithm), "polResponseCode": RESPONSE_CODE_POL[tx.state],
        "lapResponseCode": RESPONSE_CODE[tx.state], "risk": "0.00", "polPaymentMethod": method_id,
        "lapPaymentMethod": method_name, "polPaymentMethodType": method_type,
        "lapPaymentMethodType": {"PSE": "PSE", "CASH": "CASH"}.get(tx.method, "CREDIT_CARD"), "installmentsNumber": "1",
        "TX_VALUE": _two_decimals(form["amount"]), "TX_TAX": _two_decimals(form["tax"]),
        "currency": form["currency"], "lng": "es", "pseCycle": "1" if tx.method == "PSE" else "",
        "buyerEmail": form["buyerEmail"], "pseBank": tx.pse_bank, "pseReference1": "", "pseReference2": "",
        "pseReference3": "", "authorizationCode": tx.authorization_code,
        "processingDate": tx.updated_at.strftime("%Y-%m-%d"),
    }


def _digest(text: str, algorithm: str) -> str:
    import hashlib

    hasher = {"MD5": hashlib.md5, "SHA": hashlib.sha1, "SHA256": hashlib.sha256}[algorithm]
    return hasher(text.encode(), usedforsecurity=False).hexdigest()


def _voucher(tx: PayUTransaction) -> dict[str, Any] | None:
    """A cash payment's voucher as the Reports API's ``transactionResponse.extraParameters`` carry it."""
    if not tx.voucher or tx.expires_at is None:
        return None
    return {"REFERENCE": int(tx.voucher), "EXPIRATION_DATE": int(tx.expires_at.timestamp() * 1000),
            "BAR_CODE": f"415{tx.voucher}"}


def _report_order(order: PayUOrder) -> dict[str, Any]:
    """One order as the Reports API writes it."""
    form = order.form
    amount, tax, currency = float(Decimal(form["amount"])), float(Decimal(form["tax"])), form["currency"]
    buyer = {"merchantBuyerId": None, "fullName": form.get("buyerFullName", ""), "emailAddress": form["buyerEmail"],
             "contactPhone": None, "dniNumber": None, "shippingAddress": None}
    transactions = []
    for tx in order.transactions:
        method_name = PAYU_METHODS[tx.method][2]
        transactions.append({
            "id": tx.id, "order": None, "bankAccount": None, "type": "AUTHORIZATION_AND_CAPTURE",
            "creditCard": {"maskedNumber": "411111******1111", "name": "APPROVED"} if tx.method == "CARD" else None,
            "parentTransactionId": None, "paymentMethod": method_name, "source": None, "paymentCountry": "CO",
            "transactionResponse": {
                "state": tx.state, "paymentNetworkResponseCode": None, "paymentNetworkResponseErrorMessage": None,
                "trazabilityCode": tx.cus or tx.authorization_code or None,
                "authorizationCode": tx.authorization_code or None,
                "pendingReason": "AWAITING_NOTIFICATION" if tx.state == "PENDING" else None,
                "responseCode": RESPONSE_CODE[tx.state], "errorCode": None, "responseMessage": None,
                "transactionDate": None, "transactionTime": None,
                "operationDate": int(tx.updated_at.timestamp() * 1000), "extraParameters": _voucher(tx)},
            "deviceSessionId": None, "ipAddress": "127.0.0.1", "cookie": None, "userAgent": None,
            "expirationDate": None, "payer": {"fullName": buyer["fullName"], "emailAddress": buyer["emailAddress"]},
            "additionalValues": {"TX_VALUE": {"value": amount, "currency": currency},
                                 "TX_TAX": {"value": tax, "currency": currency},
                                 "PM_NETWORK_VALUE": {"value": amount, "currency": currency}},
            "extraParameters": {"FINANCIAL_INSTITUTION_NAME": tx.pse_bank, "PSE_CYCLE": "1"}
            if tx.method == "PSE" else {},
        })
    return {"id": order.order_id, "accountId": int(form["accountId"]), "status": ORDER_STATUS[order.current.state],
            "referenceCode": order.reference, "description": form["description"], "airlineCode": None,
            "language": "es", "notifyUrl": form["confirmationUrl"], "shippingAddress": None, "buyer": buyer,
            "antifraudMerchantId": None, "isTest": form.get("test", "0") in ("1", "true", "TRUE"),
            "transactions": transactions,
            "additionalValues": {"TX_VALUE": {"value": amount, "currency": currency},
                                 "TX_TAX": {"value": tax, "currency": currency}}}


# --- Zona Virtual vocabulary --------------------------------------------------------------------------------

ZV_COMMON = ("int_ped_numero", "int_n_pago", "int_pago_parcial", "int_pago_terminado", "int_estado_pago",
             "dbl_valor_pagado", "dbl_total_pago", "dbl_valor_iva_pagado", "str_descripcion", "str_id_cliente",
             "str_nombre", "str_apellido", "str_telefono", "str_email", "str_campo1", "str_campo2", "str_campo3",
             "str_campo4", "str_campo5", "dat_fecha", "int_id_forma_pago")
ZV_PSE = ("str_ticketID", "int_codigo_servicio", "int_codigo_banco", "str_nombre_banco", "str_codigo_transaccion",
          "int_ciclo_transaccion")
ZV_CARD = ("str_ticketID", "int_numero_tarjeta", "str_franquicia", "int_cod_aprobacion", "int_num_recibo")
ZV_CODES = {("APPROVED", "CARD"): 1, ("APPROVED", "PSE"): 1, ("PENDING", "PSE"): 999, ("PENDING", "CARD"): 4001,
            ("DECLINED", "PSE"): 1000, ("DECLINED", "CARD"): 4000}
ZV_FINAL = frozenset({1, 1000, 1001, 4000, 4003})
# The pay page's buttons: outcome → (state, method).
ZV_BUTTONS = {"approve": ("APPROVED", "CARD"), "pse-approve": ("APPROVED", "PSE"),
              "pse-pending": ("PENDING", "PSE"), "decline": ("DECLINED", "PSE")}
ZV_REQUIRED_INFO = ("flt_total_con_iva", "str_id_pago", "str_descripcion_pago")  # an e-mail may be typed there
ZV_ID_LIMIT = 30  # str_id_pago
ZV_ID = re.compile(r"[A-Za-z0-9-]+")
# The most characters each text takes: description and e-mail are Zona Pagos' 70; the others are the limits the
# portal keeps (chalicelib.payments.zonavirtual.LIMITS holds the same numbers, on purpose not imported).
ZV_LIMITS = {"str_descripcion_pago": 70, "str_email": 70, "str_nombre_cliente": 50, "str_apellido_cliente": 50,
             "str_id_cliente": 20, "str_telefono_cliente": 20}
ZV_ID_TYPES = frozenset({"1", "2", "3", "4", "5", "6", "7", "8"})  # str_tipo_id: 1 CC, 2 CE, 3 NIT, 4 NUIP, …


def _plain(amount: Decimal) -> str:
    """``150000`` or ``150000.5``: how Zona Pagos writes its doubles."""
    text = format(amount.normalize(), "f")
    return text


def _field_text(value: Any) -> str:
    """A field of ``str_res_pago``: no ``|`` (the field separator) and one line; a ``;`` in the payer's text is
    echoed as it is, as Zona Pagos does."""
    return re.sub(r"[|\r\n]+", " ", str(value if value is not None else "")).strip()


@dataclass
class ZVPayment:
    token: str
    commerce: ZonaVirtualCommerce
    id_pago: str
    total: Decimal
    iva: Decimal
    info: dict[str, Any]
    created_at: datetime
    return_url: str | None = None  # AdicionalesConfiguracion 104 of the InicioPago, when it had one
    attempts: list[dict[str, str]] = field(default_factory=list)
    received: dict[str, Any] = field(default_factory=dict)  # the InicioPago as received, credentials left out

    def callback_url(self) -> str | None:
        """Where the browser goes after an attempt: the InicioPago's return URL (configuration 104), else the
        commerce's configured one, with ``?id_comercio=…&id_pago=…`` and nothing else."""
        target = self.return_url or self.commerce.return_url
        if not target:
            return None
        return _with_query(target, {"id_comercio": str(self.commerce.commerce_id), "id_pago": self.id_pago})

    def approved(self) -> bool:
        return any(attempt["int_estado_pago"] == "1" for attempt in self.attempts)

    def to_json(self) -> dict[str, Any]:
        return {"id_pago": self.id_pago, "commerce_id": self.commerce.commerce_id, "token": self.token,
                "total": _plain(self.total), "iva": _plain(self.iva), "created_at": self.created_at.isoformat(),
                "return_url": self.return_url, "callback_url": self.callback_url(), "attempts": self.attempts,
                "inicio_pago": self.received}


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() and number >= 0 else None


def _zv_field_problem(info: dict[str, Any]) -> tuple[str, str | None, str] | None:
    """(code, field, message) of the first InicioPago field Zona Pagos would refuse, or None."""
    missing = [name for name in ZV_REQUIRED_INFO if info.get(name) in (None, "")]
    if missing:
        return "E03", missing[0], f"Falta {', '.join(missing)} en InformacionPago"
    total, iva = _decimal(info.get("flt_total_con_iva")), _decimal(info.get("flt_valor_iva", 0))
    if total is None or total <= 0 or iva is None or iva > total:
        return ("E04", "flt_total_con_iva",
                "flt_total_con_iva debe ser un número mayor que cero y flt_valor_iva no mayor")
    id_pago = str(info.get("str_id_pago") or "").strip()
    if len(id_pago) > ZV_ID_LIMIT or not ZV_ID.fullmatch(id_pago):
        return ("E06", "str_id_pago", f"str_id_pago «{id_pago[:40]}» debe tener máximo {ZV_ID_LIMIT} caracteres, "
                                      "letras, dígitos o «-» (mejor solo dígitos, sin cero inicial)")
    for name, limit in ZV_LIMITS.items():
        if len(str(info.get(name) or "")) > limit:
            return "E07", name, f"{name} supera los {limit} caracteres permitidos"
    kind = str(info.get("str_tipo_id") or "").strip()
    if kind and kind not in ZV_ID_TYPES:
        return "E08", "str_tipo_id", f"str_tipo_id «{kind[:20]}» no es un tipo de identificación (1 a 8)"
    return None


def _configured(entries: Any, code: int) -> str | None:
    """The http(s) ``str_valor`` of ``int_codigo`` ``code`` in an ``AdicionalesConfiguracion`` list."""
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, dict) and str(entry.get("int_codigo")).strip() == str(code):
            value = str(entry.get("str_valor") or "").strip()
            return value if value.startswith(("http://", "https://")) else None
    return None


# --- the sandbox -------------------------------------------------------------------------------------------


class GatewaySandbox:
    """The state and behaviour of both gateways. Thread-safe: one re-entrant lock, never held during I/O.

    ``post_form(url, form) -> status | None`` and ``get_url(url) -> status | None`` make the outgoing HTTP
    calls (None: no answer); tests replace them.
    """

    def __init__(self, settings: GatewaySettings | None = None):
        self.settings = settings or GatewaySettings()
        self.merchants = {PAYU_PUBLIC_SANDBOX.merchant_id: PAYU_PUBLIC_SANDBOX,
                          **{m.merchant_id: m for m in self.settings.payu_merchants}}
        self.commerces = {ZONAVIRTUAL_DEMO.commerce_id: ZONAVIRTUAL_DEMO,
                          **{c.commerce_id: c for c in self.settings.zonavirtual_commerces}}
        self.lock = threading.RLock()
        self.post_form: Callable[[str, dict[str, str]], int | None] = self._http_post
        self.get_url: Callable[[str], int | None] = self._http_get
        self._reset_state()

    def _reset_state(self) -> None:
        self.switches = Switches()
        self.orders: dict[int, PayUOrder] = {}
        self.payments: dict[tuple[int, str], ZVPayment] = {}
        self.tokens: dict[str, tuple[int, str]] = {}
        self.held: list[dict[str, Any]] = []
        self.timers: list[threading.Timer] = []
        self.refusals: list[dict[str, Any]] = []
        self.verifications = 0
        self._next_order = 860_000_001
        self._next_zv = 1

    def reset(self) -> None:
        with self.lock:
            for timer in self.timers:
                timer.cancel()
            self._reset_state()

    def now(self) -> datetime:
        """The gateways' time: Bogotá's, moved with the stack's clock in ``make run``."""
        return _now(self.settings.clock)

    def refuse(self, gateway: str, check: str, message: str, fields: dict[str, Any], **extra: Any) -> None:
        """Keeps a refused request for ``/sandbox/state`` (the newest 50)."""
        with self.lock:
            self.refusals.append({"gateway": gateway, "check": check, "message": message, "at": self.now().isoformat(),
                                  "fields": json.loads(json.dumps(fields, default=str)), **extra})
            del self.refusals[:-50]

    # -- outgoing HTTP --

    def _http_post(self, url: str, form: dict[str, str]) -> int | None:
        import requests

        try:
            return requests.post(url, data=form, timeout=self.settings.http_timeout_seconds,
                                 allow_redirects=False).status_code
        except requests.RequestException:
            return None

    def _http_get(self, url: str) -> int | None:
        import requests

        try:
            return requests.get(url, timeout=self.settings.http_timeout_seconds, allow_redirects=False).status_code
        except requests.RequestException:
            return None

    def sleep_for_timeout(self) -> None:
        seconds = self.switches.timeout_seconds
        time.sleep(self.settings.timeout_seconds if seconds is None else seconds)

    # -- PayU --

    def payu_checkout(self, form: dict[str, str]) -> PayUOrder:
        """Records the order of a valid WebCheckout form (:class:`CheckoutRefused` otherwise). Posting the same
        pending reference and amount again (reload, back button) shows the same order."""
        try:
            merchant = _check_payu_form(form, self.merchants)
        except CheckoutRefused as refused:
            self.refuse("payu", refused.check, refused.message, {k: v for k, v in form.items() if k != "signature"})
            raise
        kept = {name: form[name].strip() for name in (*PAYU_REQUIRED, *PAYU_OPTIONAL) if name in form}
        with self.lock:
            existing = self.find_order(kept["referenceCode"], merchant.merchant_id)
            if existing is not None:
                same = (existing.form["amount"], existing.form["currency"]) == (kept["amount"], kept["currency"])
                if existing.current.state == "PENDING" and same:
                    return existing
                refused = CheckoutRefused("reference", f"La referencia «{kept['referenceCode']}» ya fue usada en "
                                                       "otra transacción; cada pago necesita una referencia nueva.",
                                          title="Referencia repetida")
                self.refuse("payu", refused.check, refused.message, kept)
                raise refused
            order = PayUOrder(order_id=self._next_order, merchant=merchant, form=kept,
                              transactions=[_new_transaction("PENDING", "CARD", now=self.now())])
            self._next_order += 1
            self.orders[order.order_id] = order
            return order

    def find_order(self, reference: str, merchant_id: str | None = None) -> PayUOrder | None:
        """The newest order with ``reference`` (of ``merchant_id`` when given)."""
        with self.lock:
            for order in reversed(self.orders.values()):
                if order.reference == reference and merchant_id in (None, order.merchant.merchant_id):
                    return order
            return None

    def payu_order(self, order_id: int) -> PayUOrder | None:
        with self.lock:
            return self.orders.get(order_id)

    def payu_resolve(self, order: PayUOrder, state: str, method: str | None = None, bank: str = "",
                     *, only_pending: bool = False) -> tuple[PayUTransaction, dict[str, Any] | None] | None:
        """Moves ``order`` to ``state`` (a final order gets a new transaction: a retry or a late, contradicting
        report) and, for a final state, sends the signed confirmation as the switches say. Returns the
        transaction and the confirmation record, or None when ``only_pending`` and the order is already final.
        """
        with self.lock:
            tx = order.current
            method = method or tx.method
            if tx.state != "PENDING":
                if only_pending:
                    return None
                tx = _new_transaction(state, method, bank, now=self.now())
                order.transactions.append(tx)
            else:
                _settle_transaction(tx, state, method, bank, now=self.now())
            if state == "PENDING":
                return tx, None
            record: dict[str, Any] = {"url": order.form["confirmationUrl"], "form": confirmation_form(order, tx),
                                      "delivered": False, "status": None, "held": None, "deliveries": []}
            order.confirmations.append(record)
        self._dispatch(record)
        return tx, self._snapshot(record)

    def payu_retry(self, order: PayUOrder) -> bool:
        """The payer's "try again" after a decline (or an expiry or error): a new pending transaction on the
        same order and reference, as WebCheckout offers. False when the order is pending or approved."""
        with self.lock:
            if order.current.state in ("PENDING", "APPROVED"):
                return False
            order.transactions.append(_new_transaction("PENDING", order.current.method, now=self.now()))
            return True

    def payu_redeliver(self, order: PayUOrder) -> dict[str, Any] | None:
        """Sends the order's last confirmation again (as PayU retries), ignoring the switches."""
        with self.lock:
            if not order.confirmations:
                return None
            record = order.confirmations[-1]
        self._deliver(record, copies=1)
        return self._snapshot(record)

    def _dispatch(self, record: dict[str, Any]) -> None:
        with self.lock:
            switches = replace(self.switches)
            if switches.drop_confirmations:
                record["held"] = "dropped"
                return
            self.held.append(record)
            if switches.reorder and len(self.held) == 1:
                record["held"] = "reorder"
                return
            batch = list(reversed(self.held))
            self.held.clear()
        for item in batch:
            self._send(item, switches)

    def flush(self) -> list[dict[str, Any]]:
        """Sends every held confirmation, newest first."""
        with self.lock:
            batch = list(reversed(self.held))
            self.held.clear()
            switches = replace(self.switches)
        for item in batch:
            self._send(item, switches)
        return [self._snapshot(item) for item in batch]

    def _send(self, record: dict[str, Any], switches: Switches) -> None:
        copies = 2 if switches.duplicate_confirmations else 1
        if switches.delay_seconds > 0:
            with self.lock:
                record["held"] = "delayed"
                timer = threading.Timer(switches.delay_seconds, self._deliver, args=(record,),
                                        kwargs={"copies": copies})
                timer.daemon = True
                self.timers.append(timer)
            timer.start()
            return
        with self.lock:
            record["held"] = None
        self._deliver(record, copies=copies)

    def _deliver(self, record: dict[str, Any], *, copies: int) -> None:
        for _ in range(copies):
            status = self.post_form(record["url"], dict(record["form"]))
            with self.lock:
                record["deliveries"].append({"at": self.now().isoformat(), "status": status})
                record["status"] = status
                record["delivered"] = record["delivered"] or (status is not None and 200 <= status < 300)
                if record["held"] == "delayed":
                    record["held"] = None

    def _snapshot(self, record: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            return json.loads(json.dumps(record))

    def payu_report(self, body: Any) -> dict[str, Any]:
        """The Reports API's answer to ``body`` (always HTTP 200, like PayU)."""
        if not isinstance(body, dict):
            return {"code": "ERROR", "error": "Invalid request", "result": None}
        credentials = body.get("merchant") if isinstance(body.get("merchant"), dict) else {}
        merchant = self._merchant_for(str(credentials.get("apiLogin", "")), str(credentials.get("apiKey", "")))
        if merchant is None:
            return {"code": "ERROR", "error": "Invalid credentials", "result": None}
        command = body.get("command")
        details = body.get("details") if isinstance(body.get("details"), dict) else {}
        if command == "PING":
            return {"code": "SUCCESS", "error": None, "result": None}
        return self._payu_query(merchant, command, details)

    def _payu_query(self, merchant: PayUMerchant, command: Any, details: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            mine = [order for order in self.orders.values() if order.merchant.merchant_id == merchant.merchant_id]
            if command == "ORDER_DETAIL_BY_REFERENCE_CODE":
                reference = details.get("referenceCode")
                if not isinstance(reference, str) or not reference:
                    return {"code": "ERROR", "error": "referenceCode is required", "result": None}
                found = [_report_order(order) for order in mine if order.reference == reference]
                return {"code": "SUCCESS", "error": None, "result": {"payload": found or None}}
            if command == "ORDER_DETAIL":
                match = [order for order in mine if str(order.order_id) == str(details.get("orderId"))]
                return {"code": "SUCCESS", "error": None,
                        "result": {"payload": _report_order(match[0]) if match else None}}
        return {"code": "ERROR", "error": f"Invalid command: {command}", "result": None}

    def _merchant_for(self, api_login: str, api_key: str) -> PayUMerchant | None:
        for merchant in self.merchants.values():
            login_ok = hmac.compare_digest(merchant.api_login.encode(), api_login.encode())
            key_ok = hmac.compare_digest(merchant.api_key.encode(), api_key.encode())
            if login_ok and key_ok:
                return merchant
        return None

    # -- Zona Virtual --

    def zv_start(self, body: Any, public_url: str) -> dict[str, Any]:
        """InicioPago: records the payment and answers the pay page's URL, or ``int_codigo`` 2 and why."""
        def refuse(code: str, message: str, name: str | None = None) -> dict[str, Any]:
            received = {k: v for k, v in body.items() if k != "InformacionSeguridad"} if isinstance(body, dict) else {}
            self.refuse("zonavirtual", code, message, received, field=name)
            return {"int_codigo": 2, "str_cod_error": code, "str_descripcion_error": message, "str_url": None}

        info = body.get("InformacionPago") if isinstance(body, dict) else None
        security = body.get("InformacionSeguridad") if isinstance(body, dict) else None
        if not isinstance(info, dict) or not isinstance(security, dict):
            return refuse("E01", "Faltan InformacionPago o InformacionSeguridad")
        commerce = self._commerce_for(security.get("int_id_comercio"), security.get("str_usuario"),
                                      security.get("str_clave"))
        if commerce is None:
            return refuse("E02", "Credenciales del comercio inválidas (int_id_comercio, str_usuario, str_clave)")
        problem = _zv_field_problem(info)
        if problem is not None:
            return refuse(problem[0], problem[2], problem[1])
        total, iva = _decimal(info.get("flt_total_con_iva")), _decimal(info.get("flt_valor_iva", 0))
        assert total is not None and iva is not None  # checked above
        id_pago = str(info["str_id_pago"]).strip()
        received = {"InformacionPago": dict(info), "AdicionalesPago": body.get("AdicionalesPago"),
                    "AdicionalesConfiguracion": body.get("AdicionalesConfiguracion")}
        with self.lock:
            if (commerce.commerce_id, id_pago) in self.payments:
                return refuse("E05", f"El pago {id_pago} ya existe para el comercio {commerce.commerce_id}",
                              "str_id_pago")
            token = secrets.token_urlsafe(18)
            self.payments[(commerce.commerce_id, id_pago)] = ZVPayment(
                token=token, commerce=commerce, id_pago=id_pago, total=total, iva=iva, info=dict(info),
                created_at=self.now(), return_url=_configured(body.get("AdicionalesConfiguracion"), 104),
                received=json.loads(json.dumps(received, default=str)))
            self.tokens[token] = (commerce.commerce_id, id_pago)
        return {"int_codigo": 1, "str_cod_error": None, "str_descripcion_error": None,
                "str_url": f"{public_url}/zonavirtual/pay/{token}"}

    def _commerce_for(self, commerce_id: Any, user: Any, password: Any) -> ZonaVirtualCommerce | None:
        try:
            commerce = self.commerces.get(int(str(commerce_id).strip()))
        except ValueError:
            return None
        if commerce is None or not isinstance(user, str) or not isinstance(password, str):
            return None
        user_ok = hmac.compare_digest(commerce.user.encode(), user.encode())
        password_ok = hmac.compare_digest(commerce.password.encode(), password.encode())
        return commerce if user_ok and password_ok else None

    def zv_payment(self, *, token: str | None = None, id_pago: str | None = None,
                   commerce_id: int | None = None) -> ZVPayment | None:
        with self.lock:
            if token is not None:
                key = self.tokens.get(token)
                return self.payments.get(key) if key else None
            for payment in reversed(self.payments.values()):
                if payment.id_pago == id_pago and commerce_id in (None, payment.commerce.commerce_id):
                    return payment
            return None

    def zv_attempt(self, payment: ZVPayment, state: str, method: str, *, bank: str = "",
                   amount: Decimal | None = None, code: int | None = None, email: str = "") -> dict[str, str]:
        """Adds an attempt in ``state`` (or the raw ``int_estado_pago`` ``code``) paid by ``method``; ``email``
        is what the payer typed at the gateway (else the InicioPago's)."""
        code = ZV_CODES[(state, method)] if code is None else code
        bank_code, bank_name = next(((c, n) for c, n in BANKS if bank in (c, n)), BANKS[0])
        info, now = payment.info, self.now()
        with self.lock:
            number = self._next_zv
            self._next_zv += 1
            values: dict[str, Any] = {
                "int_ped_numero": 70_000 + number, "int_n_pago": 500_000 + number, "int_pago_parcial": 0,
                "int_pago_terminado": 1 if code in ZV_FINAL else 0, "int_estado_pago": code,
                "dbl_valor_pagado": _plain(payment.total if amount is None else amount),
                "dbl_total_pago": _plain(payment.total), "dbl_valor_iva_pagado": _plain(payment.iva),
                "str_descripcion": info.get("str_descripcion_pago"), "str_id_cliente": info.get("str_id_cliente"),
                "str_nombre": info.get("str_nombre_cliente"), "str_apellido": info.get("str_apellido_cliente"),
                "str_telefono": info.get("str_telefono_cliente"), "str_email": email or info.get("str_email"),
                **{f"str_campo{i}": info.get(f"str_opcional{i}") for i in range(1, 6)},
                "dat_fecha": now.strftime("%d/%m/%Y %I:%M:%S %p"),
                "int_id_forma_pago": 29 if method == "PSE" else 32,
            }
            if method == "PSE":
                values.update({"str_ticketID": 900_000 + number, "int_codigo_servicio": 2701,
                               "int_codigo_banco": bank_code, "str_nombre_banco": bank_name,
                               "str_codigo_transaccion": str(secrets.randbelow(90_000_000) + 10_000_000),
                               "int_ciclo_transaccion": 1})
            else:
                approval = f"{secrets.randbelow(900_000) + 100_000}" if code == 1 else ""
                values.update({"str_ticketID": 900_000 + number, "int_numero_tarjeta": "411111******1111",
                               "str_franquicia": "VISA", "int_cod_aprobacion": approval,
                               "int_num_recibo": 300_000 + number})
            names = (*ZV_COMMON, *(ZV_PSE if method == "PSE" else ZV_CARD))
            attempt = {name: _field_text(values[name]) for name in names}
            payment.attempts.append(attempt)
            return attempt

    def zv_verify(self, body: Any) -> dict[str, Any]:
        """VerificacionPago: every attempt of the payment, in Zona Pagos' positional format."""
        empty = {"int_cantidad_pagos": 0, "str_res_pago": ""}
        if not isinstance(body, dict):
            return {"int_estado": 0, "int_error": 1, "str_detalle": "Solicitud inválida", **empty}
        commerce = self._commerce_for(body.get("int_id_comercio"), body.get("str_usr_comercio"),
                                      body.get("str_pwd_Comercio"))
        if commerce is None:
            return {"int_estado": 0, "int_error": 1, "str_detalle": "Credenciales del comercio inválidas", **empty}
        payment = self.zv_payment(id_pago=str(body.get("str_id_pago", "")).strip(), commerce_id=commerce.commerce_id)
        with self.lock:
            self.verifications += 1
            choice = self.switches.verification_separator
            if choice == "alternate":
                choice = " ; " if self.verifications % 2 else "|;|"
            if payment is None or not payment.attempts:
                return {"int_estado": 1, "int_error": 0, "str_detalle": "No se encontraron pagos", **empty}
            attempts = list(payment.attempts)
        wanted = body.get("int_no_pago", -1)
        if str(wanted).strip() not in ("-1", "", "None"):
            attempts = [a for a in attempts if a["int_n_pago"] == str(wanted).strip()]
        field_separator = " | " if choice == " ; " else "|"
        text = choice.join(field_separator.join(attempt.values()) for attempt in attempts)
        return {"int_estado": 1, "int_error": 0, "str_detalle": "", "int_cantidad_pagos": len(attempts),
                "str_res_pago": text}

    def state(self) -> dict[str, Any]:
        with self.lock:
            return json.loads(json.dumps({
                "switches": asdict(self.switches),
                "payu": {"orders": [order.to_json() for order in self.orders.values()],
                         "held_confirmations": self.held},
                "zonavirtual": {"payments": [payment.to_json() for payment in self.payments.values()],
                                "verifications": self.verifications},
                "refusals": self.refusals,
                "clock": self.clock_json(),
            }))

    def clock_json(self) -> dict[str, Any] | None:
        """The stack's clock as ``/sandbox/clock`` shows it (None outside ``make run``)."""
        clock = self.settings.clock
        if clock is None:
            return None
        return {"offset_minutes": clock.minutes, "now": self.now().isoformat()}


# --- HTML ---------------------------------------------------------------------------------------------------

_CSS = ("body{font-family:system-ui,sans-serif;max-width:760px;margin:2rem auto;padding:0 1rem;color:#1f2933}"
        "dl{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem}dt{font-weight:600}dd{margin:0}"
        "fieldset{border:1px solid #cbd2d9;border-radius:8px;margin:1rem 0}.actions{display:flex;gap:.75rem;"
        "flex-wrap:wrap;margin-top:1rem}button{font:inherit;padding:.6rem 1.1rem;border-radius:6px;"
        "border:1px solid #3e4c59;background:#fff;cursor:pointer}button:focus{outline:3px solid #f0b429}"
        ".primary{background:#0b6e4f;color:#fff;border-color:#0b6e4f}.danger{color:#a61b1b;border-color:#a61b1b}"
        ".badge{display:inline-block;background:#fff3c4;border:1px solid #f0b429;border-radius:4px;padding:0 .4rem}"
        ".error{border-left:4px solid #a61b1b;padding:.5rem 1rem;background:#fdecea}code{word-break:break-all}")


def _page(title: str, body: str, status: int = 200) -> Response:
    return Response(
        f'<!doctype html><html lang="es-CO"><head><meta charset="utf-8"><title>{escape(title)} · Sandbox de pagos'
        '</title><meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{_CSS}</style></head><body><main>{body}</main></body></html>",
        status=status, mimetype="text/html")


def _details(rows: Iterable[tuple[str, str]]) -> str:
    return "<dl>" + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows) + "</dl>"


def _bank_select(select_id: str) -> str:
    options = "".join(f'<option value="{escape(name)}">{escape(name)}</option>' for _, name in BANKS)
    return (f'<p><label for="{select_id}">Banco (PSE)</label> '
            f'<select id="{select_id}" name="pse_bank">{options}</select></p>')


def _payu_page(order: PayUOrder) -> str:
    form = order.form
    test = ' <span class="badge">modo de prueba</span>' if form.get("test", "0") in ("1", "true") else ""
    details = _details([
        ("Comercio", f"{order.merchant.name} ({order.merchant.merchant_id})"), ("Referencia", order.reference),
        ("Descripción", form["description"]), ("Valor", _money(form["amount"], form["currency"])),
        ("Comprador", f"{form.get('buyerFullName', '')} <{form['buyerEmail']}>".strip()),
        ("Orden PayU", str(order.order_id)), ("Transacción", order.current.id)])
    current = order.current
    if current.state == "PENDING" and current.voucher and current.expires_at is not None:
        details += _details([("Recibo de pago en efectivo", current.voucher),
                             ("Pagar antes de", current.expires_at.strftime("%Y-%m-%d %H:%M"))])
    if current.state in ("DECLINED", "EXPIRED", "ERROR"):
        return (f"<h1>PayU · transacción {escape(current.state)}</h1>{details}"
                f'<form method="post" action="/payu/orders/{order.order_id}/retry"><div class="actions">'
                '<button type="submit" class="primary" id="payu-retry">Reintentar el pago</button></div></form>')
    if current.state != "PENDING":
        return (f"<h1>PayU · transacción {escape(current.state)}</h1>{details}"
                "<p>Esta transacción ya fue procesada.</p>")
    return (
        f"<h1>PayU Latam · pagar{test}</h1>"
        "<p>Sandbox local de PayU WebCheckout: elija el resultado del pago.</p>"
        f"{details}"
        f'<form method="post" action="/payu/orders/{order.order_id}/decision">'
        '<fieldset><legend>Medio de pago</legend>'
        '<p><input type="radio" id="payu-method-card" name="method" value="CARD" checked> '
        '<label for="payu-method-card">Tarjeta de crédito</label></p>'
        '<p><input type="radio" id="payu-method-pse" name="method" value="PSE"> '
        '<label for="payu-method-pse">PSE (débito bancario)</label></p>'
        '<p><input type="radio" id="payu-method-cash" name="method" value="CASH"> '
        '<label for="payu-method-cash">Efectivo (Efecty): «Dejar pendiente» genera el recibo</label></p>'
        f'{_bank_select("payu-pse-bank")}</fieldset>'
        '<div class="actions">'
        '<button type="submit" class="primary" id="payu-approve" name="decision" value="APPROVED">Aprobar</button>'
        '<button type="submit" class="danger" id="payu-decline" name="decision" value="DECLINED">Rechazar</button>'
        '<button type="submit" id="payu-pending" name="decision" value="PENDING">Dejar pendiente</button>'
        "</div></form>")


def _zv_page(payment: ZVPayment) -> str:
    info = payment.info
    customer = " ".join(str(info.get(k) or "") for k in ("str_nombre_cliente", "str_apellido_cliente")).strip()
    details = _details([
        ("Comercio", f"{payment.commerce.name} ({payment.commerce.commerce_id})"), ("Pago", payment.id_pago),
        ("Descripción", str(info.get("str_descripcion_pago") or "")), ("Valor", _money(payment.total, "COP")),
        ("IVA", _money(payment.iva, "COP")), ("Cliente", f"{customer} <{info.get('str_email') or ''}>".strip())])
    if payment.approved():
        return f"<h1>Zona Pagos · pago aprobado</h1>{details}<p>Este pago ya fue aprobado.</p>"
    email = "" if info.get("str_email") else (
        '<p><label for="zv-email">Correo electrónico del pagador</label> '
        '<input type="email" id="zv-email" name="email" required maxlength="70" autocomplete="email"></p>')
    return (
        "<h1>Zona Pagos · pagar</h1><p>Sandbox local de Zona Virtual: elija el resultado del intento de pago.</p>"
        f'{details}<form method="post" action="/zonavirtual/pay/{escape(payment.token)}">{email}'
        f'{_bank_select("zv-pse-bank")}<div class="actions">'
        '<button type="submit" class="primary" id="zv-approve" name="outcome" value="approve">Aprobar (tarjeta)'
        "</button>"
        '<button type="submit" class="primary" id="zv-pse-approve" name="outcome" value="pse-approve">PSE aprobado'
        "</button>"
        '<button type="submit" id="zv-pse-pending" name="outcome" value="pse-pending">PSE pendiente</button>'
        '<button type="submit" class="danger" id="zv-decline" name="outcome" value="decline">Rechazar</button>'
        "</div></form>")


def landing_section(sandbox: GatewaySandbox, base: str) -> str:
    """The gateway part of the sandbox's index page: endpoints and demo credentials."""
    settings = sandbox.settings
    payu = sandbox.merchants[PAYU_PUBLIC_SANDBOX.merchant_id]
    commerces = "".join(
        f"<li>comercio <code>{c.commerce_id}</code>, usuario <code>{escape(c.user)}</code>, clave "
        f"<code>{escape(c.password)}</code>; URL de retorno <code>{escape(c.return_url or '(ninguna)')}</code></li>"
        for c in sandbox.commerces.values())
    endpoints = [
        ("POST", "/payu/checkout", "formulario WebCheckout"),
        ("POST", "/payu/reports-api/4.0/service.cgi", "Reports API"),
        ("POST", "/zonavirtual/Apis_CicloPago/api/InicioPago", "inicio de pago"),
        ("POST", "/zonavirtual/Apis_CicloPago/api/VerificacionPago", "verificación"),
        ("POST", "/sandbox/payu/<referencia>/resolve", "resolver una orden PayU; sobre una final, un nuevo intento "
                                                        "(JSON)"),
        ("POST", "/sandbox/zonavirtual/<id_pago>/resolve", "agregar un intento Zona Virtual (JSON)"),
        ("GET|POST", "/sandbox/switches", "interruptores de fallas (JSON)"),
        ("POST", "/sandbox/reset", "borrar órdenes e interruptores"), ("POST", "/sandbox/flush", "enviar lo retenido"),
        ("GET", "/sandbox/state", "estado: lo recibido, intentos, rechazos (JSON)")]
    if settings.clock is not None:
        endpoints += [("GET|POST", "/sandbox/clock", "adelantar el reloj del stack {\"advance_minutes\": N} (JSON)"),
                      ("POST", "/sandbox/reconcile", "correr el conciliador ya")]
    rows = "".join(f"<li><code>{m} {escape(base + p)}</code> — {d}</li>" for m, p, d in endpoints)
    api = f"<p>API: <code>{escape(settings.api_base)}</code></p>" if settings.api_base else ""
    return (
        "<section aria-labelledby=\"gateways\"><h2 id=\"gateways\">Pasarelas de pago</h2>"
        f"{api}<ul>{rows}</ul>"
        f"<h3>PayU Latam</h3><p>merchantId <code>{payu.merchant_id}</code>, accountId "
        f"<code>{', '.join(payu.account_ids)}</code>, apiKey <code>{payu.api_key}</code>, apiLogin "
        f"<code>{payu.api_login}</code></p><h3>Zona Virtual</h3><ul>{commerces}</ul></section>")


# --- the blueprint ------------------------------------------------------------------------------------------


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), status=status, mimetype="application/json")


def _failure(sandbox: GatewaySandbox, mode: int | str) -> Response | None:
    """Applies a ``reports_fail``/``verification_fail`` switch: a 500 to answer, a long sleep, or nothing."""
    if mode == "timeout":
        sandbox.sleep_for_timeout()
    elif mode:
        return Response("Internal Server Error", status=int(mode), mimetype="text/plain")
    return None


class _Views:
    """The gateway routes over one :class:`GatewaySandbox` (one method a route)."""

    ROUTES = (
        ("/payu/checkout", "payu_checkout", ("POST",)),
        ("/payu/orders/<int:order_id>", "payu_order_page", ("GET",)),
        ("/payu/orders/<int:order_id>/decision", "payu_decision", ("POST",)),
        ("/payu/orders/<int:order_id>/retry", "payu_retry", ("POST",)),
        ("/payu/reports-api/4.0/service.cgi", "payu_reports", ("POST",)),
        ("/zonavirtual/Apis_CicloPago/api/InicioPago", "zv_start", ("POST",)),
        ("/zonavirtual/Apis_CicloPago/api/VerificacionPago", "zv_verify", ("POST",)),
        ("/zonavirtual/pay/<token>", "zv_pay_page", ("GET",)),
        ("/zonavirtual/pay/<token>", "zv_pay", ("POST",)),
        ("/sandbox/payu/<reference>/resolve", "control_payu_resolve", ("POST",)),
        ("/sandbox/payu/<reference>/redeliver", "control_payu_redeliver", ("POST",)),
        ("/sandbox/zonavirtual/<id_pago>/resolve", "control_zv_resolve", ("POST",)),
        ("/sandbox/switches", "control_switches", ("GET", "POST")),
        ("/sandbox/reset", "control_reset", ("POST",)),
        ("/sandbox/flush", "control_flush", ("POST",)),
        ("/sandbox/state", "control_state", ("GET",)),
        ("/sandbox/clock", "control_clock", ("GET", "POST")),
        ("/sandbox/reconcile", "control_reconcile", ("POST",)),
    )

    def __init__(self, sandbox: GatewaySandbox):
        self.sandbox = sandbox

    def public_url(self) -> str:
        return (self.sandbox.settings.public_url or request.host_url).rstrip("/")

    @staticmethod
    def body_json() -> dict[str, Any] | None:
        body = request.get_json(silent=True, force=True)
        return body if isinstance(body, dict) else None

    # -- PayU --

    def payu_checkout(self) -> Response:
        try:
            order = self.sandbox.payu_checkout(request.form.to_dict())
        except CheckoutRefused as refused:
            return _page(refused.title, f"<h1>{escape(refused.title)}</h1>"
                         f'<p class="error" id="payu-error" data-check="{refused.check}">{escape(refused.message)}</p>',
                         400)
        return _page("PayU · pagar", _payu_page(order))

    def payu_order_page(self, order_id: int) -> Response:
        order = self.sandbox.payu_order(order_id)
        if order is None:
            return _page("Orden no encontrada", "<h1>Orden no encontrada</h1>", 404)
        return _page("PayU · pagar", _payu_page(order))

    def payu_decision(self, order_id: int) -> Response:
        order = self.sandbox.payu_order(order_id)
        decision, method = request.form.get("decision", ""), request.form.get("method", "CARD")
        if order is None:
            return _page("Orden no encontrada", "<h1>Orden no encontrada</h1>", 404)
        if decision not in ("APPROVED", "DECLINED", "PENDING") or method not in PAYU_METHODS:
            return _page("Solicitud inválida", "<h1>Solicitud inválida</h1><p>Elija un resultado.</p>", 400)
        outcome = self.sandbox.payu_resolve(order, decision, method, request.form.get("pse_bank", ""),
                                            only_pending=True)
        if outcome is None:
            return _page("Transacción ya procesada", "<h1>Transacción ya procesada</h1>"
                         f"<p>La transacción ya está en estado {escape(order.current.state)}.</p>", 409)
        params = response_params(order, outcome[0])
        if order.form.get("responseUrl"):
            return redirect(_with_query(order.form["responseUrl"], params), code=302)
        return _page("PayU · resultado", f"<h1>Resultado: {escape(params['lapTransactionState'])}</h1>"
                     + _details(params.items()))

    def payu_retry(self, order_id: int) -> Response:
        order = self.sandbox.payu_order(order_id)
        if order is None:
            return _page("Orden no encontrada", "<h1>Orden no encontrada</h1>", 404)
        if not self.sandbox.payu_retry(order):
            return _page("Transacción ya procesada", "<h1>No se puede reintentar</h1>"
                         f"<p>La transacción está en estado {escape(order.current.state)}.</p>", 409)
        return _page("PayU · pagar", _payu_page(order))

    def payu_reports(self) -> Response:
        failed = _failure(self.sandbox, self.sandbox.switches.reports_fail)
        if failed is not None:
            return failed
        return _json(self.sandbox.payu_report(self.body_json()))

    # -- Zona Virtual --

    def zv_start(self) -> Response:
        return _json(self.sandbox.zv_start(self.body_json(), self.public_url()))

    def zv_verify(self) -> Response:
        failed = _failure(self.sandbox, self.sandbox.switches.verification_fail)
        if failed is not None:
            return failed
        return _json(self.sandbox.zv_verify(self.body_json()))

    def zv_pay_page(self, token: str) -> Response:
        payment = self.sandbox.zv_payment(token=token)
        if payment is None:
            return _page("Pago no encontrado", "<h1>Pago no encontrado</h1>", 404)
        return _page("Zona Pagos · pagar", _zv_page(payment))

    def zv_pay(self, token: str) -> Response:
        payment = self.sandbox.zv_payment(token=token)
        outcome = ZV_BUTTONS.get(request.form.get("outcome", ""))
        if payment is None:
            return _page("Pago no encontrado", "<h1>Pago no encontrado</h1>", 404)
        email = request.form.get("email", "").strip()
        if outcome is None or payment.approved() or (not payment.info.get("str_email") and not email):
            return _page("Solicitud inválida", "<h1>Solicitud inválida</h1>"
                         "<p>El pago ya fue aprobado, no eligió un resultado o falta el correo.</p>", 400)
        self.sandbox.zv_attempt(payment, *outcome, bank=request.form.get("pse_bank", ""), email=email)
        callback = payment.callback_url()
        if callback:
            return redirect(callback, code=302)
        return _page("Zona Pagos · intento registrado", "<h1>Intento registrado</h1><p>El comercio "
                     f"{payment.commerce.commerce_id} no tiene URL de retorno configurada en el sandbox.</p>")

    # -- control API --

    def control_payu_resolve(self, reference: str) -> Response:
        body = self.body_json() or {}
        state, method = body.get("state"), body.get("method")
        if state not in PAYU_STATES or method not in (None, *PAYU_METHODS):
            return _json({"error": "state must be APPROVED, DECLINED, EXPIRED, ERROR or PENDING; "
                                   "method CARD, PSE or CASH"}, 400)
        order = self.sandbox.find_order(reference)
        if order is None:
            return _json({"error": f"no checkout for reference {reference}"}, 404)
        outcome = self.sandbox.payu_resolve(order, state, method, str(body.get("bank") or ""))
        assert outcome is not None
        tx, confirmation = outcome
        return _json({"reference": reference, "state": state, "order_id": order.order_id, "transaction_id": tx.id,
                      "confirmation": confirmation,
                      "response_url": _with_query(order.form["responseUrl"], response_params(order, tx))})

    def control_payu_redeliver(self, reference: str) -> Response:
        order = self.sandbox.find_order(reference)
        confirmation = self.sandbox.payu_redeliver(order) if order else None
        if confirmation is None:
            return _json({"error": f"no confirmation for reference {reference}"}, 404)
        return _json({"reference": reference, "confirmation": confirmation})

    def control_zv_resolve(self, id_pago: str) -> Response:
        body = self.body_json() or {}
        state, method, code = body.get("state"), body.get("method", "CARD"), body.get("code")
        amount = _decimal(body.get("amount")) if "amount" in body else None
        commerce_id = str(body.get("commerce_id") or "")
        bad_code = code is not None and (isinstance(code, bool) or not isinstance(code, int))
        if (state, method) not in ZV_CODES or bad_code or (commerce_id and not commerce_id.isdigit()):
            return _json({"error": "state must be APPROVED, DECLINED or PENDING; method CARD or PSE; "
                                   "code (optional) an int_estado_pago; commerce_id (optional) a number"}, 400)
        payment = self.sandbox.zv_payment(id_pago=id_pago, commerce_id=int(commerce_id) if commerce_id else None)
        if payment is None:
            return _json({"error": f"no payment {id_pago}"}, 404)
        attempt = self.sandbox.zv_attempt(payment, state, method, bank=str(body.get("bank") or ""), amount=amount,
                                          code=code, email=str(body.get("email") or ""))
        answer = {"id_pago": id_pago, "attempts": len(payment.attempts), "attempt": attempt,
                  "callback_url": payment.callback_url()}
        if body.get("callback") is True and answer["callback_url"]:
            answer["callback_status"] = self.sandbox.get_url(answer["callback_url"])
        return _json(answer)

    def control_switches(self) -> Response:
        if request.method == "POST":
            body = self.body_json()
            if body is None:
                return _json({"error": "send a JSON object of switches"}, 400)
            with self.sandbox.lock:
                errors = self.sandbox.switches.update(body)
            if errors:
                return _json({"error": "invalid switches", "details": errors}, 400)
        with self.sandbox.lock:
            return _json(asdict(self.sandbox.switches))

    def control_reset(self) -> Response:
        self.sandbox.reset()
        return _json({"reset": True})

    def control_flush(self) -> Response:
        return _json({"delivered": self.sandbox.flush()})

    def control_state(self) -> Response:
        return _json(self.sandbox.state())

    def control_clock(self) -> Response:
        clock = self.sandbox.settings.clock
        if clock is None:
            return _json({"error": "the clock is the local stack's: make run only"}, 404)
        if request.method == "POST":
            body = self.body_json() or {}
            try:
                clock.advance(body.get("advance_minutes"))  # type: ignore[arg-type]  # checked there
            except ValueError as problem:
                return _json({"error": str(problem)}, 400)
        return _json(self.sandbox.clock_json())

    def control_reconcile(self) -> Response:
        reconcile = self.sandbox.settings.reconcile
        if reconcile is None:
            return _json({"error": "the reconciler runs in the local stack: make run only"}, 404)
        return _json({"ran": reconcile()})


def create_blueprint(sandbox: GatewaySandbox) -> Blueprint:
    """The gateway routes over ``sandbox``'s state."""
    bp = Blueprint("gateways", __name__)
    views = _Views(sandbox)
    for rule, name, methods in _Views.ROUTES:
        bp.add_url_rule(rule, endpoint=f"{name}", view_func=getattr(views, name), methods=list(methods))
    return bp


def register(app: Any, settings: GatewaySettings | None = None) -> GatewaySandbox:
    """Adds the gateway routes to the sandbox ``app``; the state is ``app.extensions["gateways"]``."""
    sandbox = GatewaySandbox(settings)
    app.register_blueprint(create_blueprint(sandbox))
    app.extensions["gateways"] = sandbox
    return sandbox


__all__ = ["PAYU_PUBLIC_SANDBOX", "ZONAVIRTUAL_DEMO", "GatewaySandbox", "GatewaySettings", "PayUMerchant",
           "Switches", "ZonaVirtualCommerce", "confirmation_form", "create_blueprint", "landing_section",
           "register", "response_params"]


"""PayU Latam WebCheckout (DESIGN §5): signed form POST, signed confirmation, Reports API polling.

- Checkout: the browser POSTs :meth:`PayU.start_checkout`'s fields to the WebCheckout URL. The request
  signature is ``HASH("ApiKey~merchantId~referenceCode~amount~currency")`` with the tenant's algorithm
  (MD5, SHA = SHA-1, SHA256) over the amount string exactly as posted (:func:`base.amount_string`).
- Confirmation: PayU POSTs a form per transaction (a declined try and then an approved retry both
  arrive). ``sign`` is ``HASH("ApiKey~merchant_id~reference_sale~new_value~currency~state_pol")`` with the
  algorithm the payment's checkout named (``algorithmSignature``, kept in the payment's stored checkout:
  :func:`checkout_algorithm`), so a tenant that changes its algorithm still verifies the payments it started
  before; a sign of any other algorithm is refused. Compared in constant time.
- References: ``{tenant}-{yyyymmdd}-{10 random}`` (:meth:`PayU.new_reference`), at most 60 characters,
  well inside WebCheckout's ``referenceCode`` (255).
- Polling: Reports API ``ORDER_DETAIL_BY_REFERENCE_CODE``; an empty payload means PayU has no order
  with that reference (the customer never submitted the form): ``unknown``.
- The response page (browser redirect) is display only: :meth:`PayU.response_page` never changes state.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from chalicelib.domain import payments as rules
from chalicelib.payments.base import (
    ALGORITHMS,
    Checkout,
    CheckoutRequest,
    Gateway,
    GatewayError,
    GatewayStatus,
    GatewayUrls,
    InvalidSignature,
    Notification,
    NotificationMismatch,
    PayUCredentials,
    State,
    amount_string,
    parse_amount,
    post_json,
    require_url,
)

if TYPE_CHECKING:
    from datetime import datetime

NAME = "payu"
REFERENCE_LIMIT = 255  # WebCheckout's referenceCode (alphanumeric, 255)
_HASHES = {
    "MD5": hashlib.md5,  # MD5 and SHA-1 are PayU's protocol: each signature hashes the secret ApiKey in
    "SHA": hashlib.sha1,
    "SHA256": hashlib.sha256,
}
_ALGORITHM_BY_LENGTH = {32: "MD5", 40: "SHA", 64: "SHA256"}
_REFERENCE_CODE = re.compile(r"[A-Za-z0-9_.-]{1,255}")  # no "special characters" in referenceCode
_HEX = re.compile(r"[0-9a-f]{32,64}")
_VALUE = re.compile(r"[0-9]{1,30}(?:\.[0-9]{1,30})?")
_CENTS = Decimal("0.01")
_WIDE = Context(prec=80)  # 30 integer digits and 30 decimals never lose a digit

# Confirmation ``state_pol`` (PayU never posts 7, pending: the reconciler finds those).
STATE_POL: dict[str, State] = {"4": "approved", "6": "declined", "5": "expired", "104": "error"}
# Reports API ``transactionResponse.state``.
TRANSACTION_STATES: dict[str, State] = {
    "APPROVED": "approved", "DECLINED": "declined", "ERROR": "error", "EXPIRED": "expired",
    "PENDING": "pending", "SUBMITTED": "pending",
}
# Confirmation ``payment_method_type`` when ``payment_method_name`` is missing.
PAYMENT_METHOD_TYPES = {"2": "CARD", "4": "PSE", "5": "ACH", "6": "DEBIT_CARD", "7": "CASH", "8": "REFERENCED",
                        "10": "BANK_REFERENCED"}
_NOT_PAYMENTS = frozenset({"REFUND", "VOID", "PARTIAL_REFUND", "CANCELLATION"})  # transaction types
_TEXT_LIMITS = {"description": 255, "buyerFullName": 150, "buyerEmail": 255}


def _digest(text: str, algorithm: str) -> str:
    try:
        hasher = _HASHES[algorithm]
    except KeyError:
        raise ValueError(f"algorithm must be one of {', '.join(ALGORITHMS)}") from None
    return hasher(text.encode("utf-8")).hexdigest()


def request_signature(api_key: str, merchant_id: str, reference: str, amount: str, currency: str,  # noqa: PLR0917
                      algorithm: str = "SHA256") -> str:
    """Lowercase hex of ``algorithm("ApiKey~merchantId~referenceCode~amount~currency")``.

    ``amount`` is the string exactly as posted in the form (:func:`base.amount_string`). Positional
    parameters on purpose: they are the signed text, in its order.
    """
    return _digest("~".join((api_key, str(merchant_id), reference, amount, currency)), algorithm)


def new_value(value: str) -> str:
    """The confirmation's ``value`` as PayU signs it: 2 decimals (half-even), but 1 when the second is 0.

    ``150.00`` → ``150.0``, ``150.10`` → ``150.1``, ``150.26`` → ``150.26``, ``150`` → ``150.0``,
    ``0.005`` → ``0.0``, ``99.995`` → ``100.0``. Idempotent. Anything but plain digits with an optional
    decimal part is a ValueError.
    """
    text = str(value).strip()
    if not _VALUE.fullmatch(text):
        raise ValueError(f"not a PayU value: {text[:40]!r}")
    rounded = format(Decimal(text).quantize(_CENTS, rounding=ROUND_HALF_EVEN, context=_WIDE), "f")
    return rounded[:-1] if rounded.endswith("0") else rounded


def confirmation_signature(api_key: str, merchant_id: str, reference_sale: str, value: str,  # noqa: PLR0917
                           currency: str, state_pol: str, algorithm: str = "MD5") -> str:
    """Lowercase hex of ``algorithm("ApiKey~merchant_id~reference_sale~new_value~currency~state_pol")``.

    ``value`` is the confirmation's ``value`` as posted (``150.00``); :func:`new_value` is applied here
    (passing an already rounded value gives the same result). Positional, in the signed text's order.
    """
    text = "~".join((api_key, str(merchant_id), reference_sale, new_value(value), currency, str(state_pol)))
    return _digest(text, algorithm)


def checkout_algorithm(checkout: object) -> str | None:
    """The ``algorithmSignature`` a stored checkout (:meth:`Checkout.to_json`) was signed with, or None when
    it names none PayU knows."""
    fields = checkout.get("fields") if isinstance(checkout, dict) else None
    algorithm = fields.get("algorithmSignature") if isinstance(fields, dict) else None
    return algorithm if isinstance(algorithm, str) and algorithm in ALGORITHMS else None


def _clean(text: str, limit: int) -> str:
    """One line of printable text, at most ``limit`` characters (what a form field should carry)."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in (text or "")).split())[:limit]


def _money(holder: object) -> tuple[object, object] | None:
    """``(value, currency)`` of ``holder.additionalValues.TX_VALUE`` when present."""
    if not isinstance(holder, dict):
        return None
    values = holder.get("additionalValues")
    tx_value = values.get("TX_VALUE") if isinstance(values, dict) else None
    if isinstance(tx_value, dict) and tx_value.get("value") is not None:
        return tx_value.get("value"), tx_value.get("currency")
    return None


def _text(value: object) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


class PayU(Gateway[PayUCredentials]):
    """PayU Latam WebCheckout behind the common :class:`Gateway` interface."""

    name: ClassVar[str] = NAME
    reference_limit: ClassVar[int] = REFERENCE_LIMIT

    def new_reference(self, tenant: str, *, day: str, now: datetime) -> str:
        """``{tenant}-{yyyymmdd}-{10 random}`` (:func:`chalicelib.domain.payments.new_reference`): at most 60
        characters of letters, digits and ``-``, inside ``referenceCode``'s 255."""
        reference = rules.new_reference(tenant, day)
        if not _REFERENCE_CODE.fullmatch(reference):
            raise ValueError("a PayU referenceCode is 1-255 letters, digits, '_', '.' or '-'")
        return reference

    def start_checkout(self, creds: PayUCredentials, request: CheckoutRequest, urls: GatewayUrls) -> Checkout:
        """The WebCheckout form: POST these fields to ``url`` (an auto-submitted HTML form).

        ``tax`` and ``taxReturnBase`` are 0: these are receivables, and otherwise PayU Colombia adds 19 % VAT.
        """
        url = require_url(urls, "checkout_url", NAME)
        amount = amount_string(request.amount, request.currency)
        fields = {
            "merchantId": creds.merchant_id,
            "accountId": creds.account_id,
            "description": _clean(request.description, _TEXT_LIMITS["description"]) or request.reference,
            "referenceCode": request.reference,
            "amount": amount,
            "tax": "0",
            "taxReturnBase": "0",
            "currency": request.currency,
            "signature": request_signature(creds.api_key, creds.merchant_id, request.reference, amount,
                                           request.currency, creds.algorithm),
            "algorithmSignature": creds.algorithm,
            "test": "1" if creds.test else "0",
            "buyerEmail": _clean(request.buyer_email, _TEXT_LIMITS["buyerEmail"]),
            "buyerFullName": _clean(request.buyer_name, _TEXT_LIMITS["buyerFullName"]),
            "responseUrl": request.response_url,
            "confirmationUrl": request.confirmation_url,
        }
        return Checkout(method="POST", url=url, fields=fields)

    def verify_confirmation(self, creds: PayUCredentials, form: dict[str, str], *,
                            checkout: dict[str, Any] | None = None) -> Notification:
        """The confirmation POST, verified: signature first (constant time), then the merchant.

        The signature's algorithm is the one ``checkout`` (the payment's stored checkout) was signed with,
        else the tenant's (``creds.algorithm``). :class:`InvalidSignature` for a missing, malformed or wrong
        ``sign``, or one of another algorithm (uppercase hex is accepted);
        :class:`NotificationMismatch` for another merchant (``merchant``) or a form without the signed
        fields or with an unreadable amount (``malformed``). The caller compares reference, amount and
        currency with its payment.
        """
        sign = str(form.get("sign") or "").strip().lower()
        if not _HEX.fullmatch(sign):
            raise InvalidSignature("The confirmation has no valid signature.")
        signed = {name: str(form.get(name) or "").strip()
                  for name in ("merchant_id", "reference_sale", "value", "currency", "state_pol")}
        missing = sorted(name for name, text in signed.items() if not text)
        if missing:
            raise NotificationMismatch("malformed", f"The confirmation lacks {', '.join(missing)}.")
        algorithm = checkout_algorithm(checkout) or creds.algorithm
        if _ALGORITHM_BY_LENGTH.get(len(sign)) != algorithm:
            raise InvalidSignature("The confirmation is not signed with the algorithm of its checkout.")
        try:
            expected = confirmation_signature(creds.api_key, signed["merchant_id"], signed["reference_sale"],
                                              signed["value"], signed["currency"], signed["state_pol"], algorithm)
        except ValueError:
            raise NotificationMismatch("malformed", "The confirmation's value is not an amount.") from None
        if not hmac.compare_digest(expected, sign):
            raise InvalidSignature("The confirmation's signature does not match.")
        if signed["merchant_id"] != creds.merchant_id:
            raise NotificationMismatch("merchant", "The confirmation is for another PayU merchant.")
        currency = signed["currency"].upper()
        try:
            amount = parse_amount(signed["value"], currency)
        except ValueError:
            raise NotificationMismatch("malformed", "The confirmation's value is not an amount.") from None
        state_pol = signed["state_pol"]
        method = _text(form.get("payment_method_name"))
        if method is None:
            method = PAYMENT_METHOD_TYPES.get(str(form.get("payment_method_type") or "").strip())
        return Notification(
            reference=signed["reference_sale"], state=STATE_POL.get(state_pol, "pending"), amount=amount,
            currency=currency, transaction_id=_text(form.get("transaction_id")), merchant_id=signed["merchant_id"],
            raw={str(k): str(v) for k, v in form.items()}, method=method.upper() if method else None,
            cus=_text(form.get("cus")), bank=_text(form.get("pse_bank")), raw_state=state_pol,
            message=_text(form.get("response_message_pol")))

    def query_status(self, creds: PayUCredentials, reference: str, urls: GatewayUrls, *,
                     expected_amount: int | None = None) -> GatewayStatus:
        """The order with ``reference`` at PayU (Reports API). An approved transaction wins; otherwise the
        newest one decides. No order: ``unknown``. An order without transactions yet: ``pending``.
        """
        url = require_url(urls, "reports_url", NAME)
        answer = post_json(url, {
            "test": bool(creds.test),
            "language": "es",
            "command": "ORDER_DETAIL_BY_REFERENCE_CODE",
            "merchant": {"apiLogin": creds.api_login, "apiKey": creds.api_key},
            "details": {"referenceCode": reference},
        }, gateway=NAME)
        if not isinstance(answer, dict):
            raise GatewayError("PayU answered an unexpected document", gateway=NAME)
        if answer.get("code") != "SUCCESS":
            detail = _clean(str(answer.get("error") or answer.get("code") or "no code"), 200)
            raise GatewayError(f"PayU could not report the order: {detail}", gateway=NAME)
        result = answer.get("result")
        payload = result.get("payload") if isinstance(result, dict) else None
        if payload is None or payload == []:
            return GatewayStatus(state="unknown", message="PayU has no order with this reference")
        orders = [payload] if isinstance(payload, dict) else payload
        if not isinstance(orders, list) or not all(isinstance(order, dict) for order in orders):
            raise GatewayError("PayU answered an unexpected payload", gateway=NAME)
        return _status_of(orders)

    def response_page(self, params: dict[str, str]) -> dict[str, str | None]:
        """What the browser's return from PayU says, for display only: never trusted, never applied."""
        state = {"4": "approved", "6": "declined", "5": "expired", "104": "error", "7": "pending"}
        return {"reference": _text(params.get("referenceCode")),
                "state": state.get(str(params.get("transactionState") or "").strip(), "pending"),
                "message": _text(params.get("lapResponseCode") or params.get("message"))}


def _status_of(orders: list[dict[str, Any]]) -> GatewayStatus:
    payments: list[tuple[int, int, dict[str, Any], dict[str, Any]]] = []
    for order in orders:
        for transaction in order.get("transactions") or []:
            if not isinstance(transaction, dict) or str(transaction.get("type") or "").upper() in _NOT_PAYMENTS:
                continue
            response = transaction.get("transactionResponse")
            response = response if isinstance(response, dict) else {}
            when = response.get("operationDate")
            when = int(when) if isinstance(when, int | Decimal) and not isinstance(when, bool) else -1
            payments.append((when, len(payments), order, transaction))
    if not payments:
        order = orders[-1]
        amount, currency = _amount_of(order, None)
        return GatewayStatus(state="pending", amount=amount, currency=currency,
                             raw_state=str(order.get("status") or ""), message="the order has no transaction yet")
    approved = [p for p in payments if _raw_state(p[3]) == "APPROVED"]
    _, _, order, transaction = max(approved or payments, key=lambda p: (p[0], p[1]))
    raw_state = _raw_state(transaction)
    state = TRANSACTION_STATES.get(raw_state, "pending")
    amount, currency = _amount_of(order, transaction)
    if state == "approved" and amount is None:
        raise GatewayError("PayU reported an approval without a readable amount", gateway=NAME, retryable=False)
    response = transaction.get("transactionResponse") or {}
    method = _text(transaction.get("paymentMethod"))
    extra = transaction.get("extraParameters")
    extra = extra if isinstance(extra, dict) else {}
    is_pse = (method or "").upper() == "PSE"
    return GatewayStatus(
        state=state, amount=amount, currency=currency, transaction_id=_text(transaction.get("id")),
        method=method.upper() if method else None,
        cus=_text(response.get("trazabilityCode")) if is_pse else None,
        bank=_text(extra.get("FINANCIAL_INSTITUTION_NAME") or extra.get("PSE_BANK")) if is_pse else None,
        raw_state=raw_state, message=_text(response.get("responseCode")))


def _raw_state(transaction: dict[str, Any]) -> str:
    response = transaction.get("transactionResponse")
    return str(response.get("state") or "").strip().upper() if isinstance(response, dict) else ""


def _amount_of(order: dict[str, Any], transaction: dict[str, Any] | None) -> tuple[int | None, str | None]:
    money = _money(transaction) or _money(order)
    if money is None:
        return None, None
    value, currency = money
    code = str(currency or "").strip().upper() or None
    if code is None:
        return None, None
    if not isinstance(value, str | int | Decimal):  # a list, an object...: parse_amount refuses them too
        return None, code
    try:
        return parse_amount(value, code), code
    except ValueError:
        return None, code

"""Zona Virtual (Zona Pagos) "ciclo de pago" REST API (DESIGN §5): InicioPago, VerificacionPago, callback.

- Start: POST JSON to ``{base}/InicioPago`` → ``{"int_codigo": 1, "str_url": ...}``; the browser is sent to
  ``str_url``. The return URL (``AdicionalesConfiguracion`` 104) is the portal's response page.
- Verify: POST ``{base}/VerificacionPago`` → ``int_estado`` (1: the query ran), ``int_error`` (0: found),
  ``int_cantidad_pagos`` and ``str_res_pago``: every attempt at paying that reference, attempts split by
  ``|;|`` (also written `` ; ``, ``;`` and ``|;``), fields by ``|``, every field trimmed. Field order in
  :data:`FIELDS`, then :data:`PSE_FIELDS` or :data:`CARD_FIELDS` from position 21. See :func:`parse_res_pago`
  for how a ``;`` inside the payer's text is kept from shifting fields.
- The callback is a GET with ``id_comercio`` and ``id_pago`` only: no state, no signature. It only tells
  us which reference to verify (:meth:`ZonaVirtual.callback_reference`).

References (``str_id_pago``): at most 30 characters, and plain digits without a leading zero are the safe
form (the gateway's own examples; answers have been seen writing it as a JSON number). :meth:`new_reference`
makes 19 digits: the milliseconds since 1970 (13 digits) and 6 random ones — below 2**63, so even a 64-bit
integer column keeps it. The tenant is not in it: a 30-character tenant slug alone would fill the field.

Zona Pagos echoes what we send (names, description…) inside ``str_res_pago``, so ``|`` and ``;`` are
removed from every text we send, and each text is cut to its field (:data:`LIMITS`: the description and the
e-mail at 70 characters; an e-mail that does not fit is sent empty and the payer types it at the gateway).
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

from chalicelib.payments.base import (
    Checkout,
    CheckoutRequest,
    Gateway,
    GatewayError,
    GatewayStatus,
    GatewayUrls,
    NotificationMismatch,
    State,
    ZonaVirtualCredentials,
    amount_string,
    parse_amount,
    post_json,
    require_url,
)

NAME = "zonavirtual"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CURRENCY = "COP"  # Zona Pagos charges Colombian pesos only
REFERENCE_LIMIT = 30  # str_id_pago
# The most characters each InicioPago text may carry. Description and e-mail: Zona Pagos' 70. The others are
# ours, kept short on purpose (not published); the sandbox holds the same numbers.
LIMITS = {"str_descripcion_pago": 70, "str_email": 70, "str_nombre_cliente": 50, "str_apellido_cliente": 50,
          "str_id_cliente": 20, "str_telefono_cliente": 20}
# The account's tax id type → Zona Pagos' str_tipo_id (1 cédula, 2 cédula de extranjería, 3 NIT, 5 tarjeta de
# identidad, 6 pasaporte); anything else is sent empty and the payer picks it at the gateway.
ID_TYPES = {"CC": "1", "CE": "2", "NIT": "3", "RUT": "3", "TI": "5", "PA": "6"}
# Words that belong to the surname after them ("de la Cruz"), when a full name is split.
_PARTICLES = frozenset({"de", "del", "la", "las", "los", "y", "san", "da", "van", "von"})

FIELDS = (
    "int_ped_numero", "int_n_pago", "int_pago_parcial", "int_pago_terminado", "int_estado_pago",
    "dbl_valor_pagado", "dbl_total_pago", "dbl_valor_iva_pagado", "str_descripcion", "str_id_cliente",
    "str_nombre", "str_apellido", "str_telefono", "str_email", "str_campo1", "str_campo2", "str_campo3",
    "str_campo4", "str_campo5", "dat_fecha", "int_id_forma_pago",
)
PSE_FIELDS = ("str_ticketID", "int_codigo_servicio", "int_codigo_banco", "str_nombre_banco",
              "str_codigo_transaccion", "int_ciclo_transaccion")
CARD_FIELDS = ("str_ticketID", "int_numero_tarjeta", "str_franquicia", "int_cod_aprobacion", "int_num_recibo")
PSE, CARD = "29", "32"
METHODS = {PSE: "PSE", CARD: "CARD", "51": "CODENSA", "48": "BANCOLOMBIA_BUTTON"}

# int_estado_pago → state. Codes not listed (1002, 777 and 200 have been seen in the wild) are reported as
# pending with their code: never final, so staff review them rather than the payment silently expiring.
STATES: dict[int, State] = {
    1: "approved",
    888: "pending", 999: "pending", 4001: "pending",
    1000: "declined", 1001: "declined", 4000: "declined", 4003: "declined",
}
_MESSAGES = {
    888: "not started at the gateway", 999: "pending at the bank", 4001: "pending card review (up to a day)",
    1000: "rejected", 1001: "rejected: ACH-bank error", 4000: "card rejected", 4003: "card error",
}
_INTEGER = re.compile(r"-?[0-9]{1,18}")
_UNSAFE = re.compile(r"[|;\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Attempt:
    """One attempt of ``str_res_pago``. Amounts in COP minor units (None when blank or unreadable).

    ``fields`` maps each known name to its text (it includes the buyer's data: kept out of repr).
    """

    index: int
    payment_number: int | None
    state_code: int
    paid: int | None
    total: int | None
    method_code: str
    finished: str
    paid_at: str
    ticket_id: str | None = None
    cus: str | None = None
    bank: str | None = None
    card_brand: str | None = None
    fields: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def state(self) -> State:
        return STATES.get(self.state_code, "pending")

    @property
    def method(self) -> str | None:
        return METHODS.get(self.method_code) or (f"ZV-{self.method_code}" if self.method_code else None)


_DIGITS_TEXT = re.compile(r"[0-9]{1,18}")
_AMOUNT_TEXT = re.compile(r"[0-9]{1,30}(?:\.[0-9]{1,30})?")
_DATE_TEXT = re.compile(r"[0-9]{1,4}[/-][0-9]{1,2}[/-][0-9]{1,4}\b.*")
_PROFILE = (  # (position, what fits there); blank always fits
    (1, _DIGITS_TEXT.fullmatch), (2, _DIGITS_TEXT.fullmatch), (3, _DIGITS_TEXT.fullmatch), (4, _DIGITS_TEXT.fullmatch),
    (5, _AMOUNT_TEXT.fullmatch), (6, _AMOUNT_TEXT.fullmatch), (7, _AMOUNT_TEXT.fullmatch),
    (13, lambda text: "@" in text), (19, _DATE_TEXT.fullmatch), (20, lambda text: text in METHODS),
)


def _fit(values: list[str]) -> int:
    """How well ``values`` fits the field order: each position of :data:`_PROFILE` holding what belongs
    there (or nothing) counts, a known state at 4 counts more, an e-mail anywhere but 13 counts against.
    """
    score = sum(1 for i, fits in _PROFILE if i >= len(values) or not values[i] or fits(values[i]))
    if len(values) > 4 and _DIGITS_TEXT.fullmatch(values[4]) and int(values[4]) in STATES:
        score += 2
    return score - sum(1 for i, text in enumerate(values[:len(FIELDS)]) if i != 13 and "@" in text)


def _split_attempt(chunk: str, *, first: bool) -> list[str]:
    """The fields of one attempt. A leading ``|`` is either the tail of a separator or an empty
    ``int_ped_numero`` (a real answer starts that way): the reading that fits the field order better
    wins; on a tie, an empty first field at the start of the text, the separator's tail after one.
    """
    values = [value.strip() for value in chunk.split("|")]
    if not chunk.startswith("|"):
        return values
    shifted = values[1:]
    if first:
        return shifted if _fit(shifted) > _fit(values) else values
    return values if _fit(values) > _fit(shifted) else shifted


def _amount(text: str) -> int | None:
    try:
        return parse_amount(text, CURRENCY) if text else None
    except ValueError:
        return None


_PIPES = "|;|"
_SEPARATORS = re.compile(r"(\|;\||;)")
_TRAILER = " \t\r\n|;"  # what a text may end with: separators and empty fields (an attempt ends in codes)
_BLANK = "| \t\r\n"


def _starts_an_attempt(values: list[str]) -> bool:
    """Whether a piece after a ``;`` is a new attempt, not the rest of a text that held a ``;``: its numbers
    are where an attempt has them (1–3 blank or digits, a state at 4), and it is a whole attempt or its state
    is a known one. What follows a ``;`` in a payer's text has at most 19 fields (the first text is field 8)
    and a phone, an e-mail or a blank where the state would be.
    """
    if len(values) <= 4 or not _INTEGER.fullmatch(values[4]):
        return False
    if not all(not text or _DIGITS_TEXT.fullmatch(text) for text in values[1:4]):
        return False
    return len(values) >= len(FIELDS) - 1 or int(values[4]) in STATES


def _after(separator: str, piece: str) -> list[str]:
    """The fields of a piece that follows ``separator``. After ``|;|`` the pipes are the separator's, unless
    the fields fit better with an empty first field (an attempt ending in an empty field, a bare ``;``, and
    one starting with an empty ``int_ped_numero`` read the same)."""
    return _split_attempt(("|" if separator == _PIPES else "") + piece.strip(), first=False)


def _attempt_texts(text: str) -> list[list[str]]:
    """The fields of each attempt in ``text``. Attempts are split on ``|;|`` first: no field holds a ``|``, so
    a ``;`` in the payer's text cannot look like it. A bare ``;`` splits only where a new attempt visibly
    starts (:func:`_starts_an_attempt`); any other piece is glued back onto the attempt before it, ``;`` and
    all — so a ``;`` inside the payer's text never shifts fields, whichever separator the answer uses.
    """
    parts = _SEPARATORS.split(text.rstrip(_TRAILER))
    groups: list[tuple[str, str]] = []  # (separator before, text)
    if parts[0].strip(_BLANK):
        groups.append(("", parts[0]))
    for separator, piece in zip(parts[1::2], parts[2::2], strict=True):
        if groups and not _starts_an_attempt(_after(separator, piece)):
            before, glued = groups[-1]
            groups[-1] = (before, f"{glued}{separator}{piece}")
        elif piece.strip(_BLANK):
            groups.append((separator, piece))
    return [_after(separator, piece) if separator else _split_attempt(piece.strip(), first=True)
            for separator, piece in groups]


def parse_res_pago(text: str | None) -> list[Attempt]:
    """Every attempt in ``str_res_pago``, in the order given (:func:`_attempt_texts` splits them). Liberal:
    separators ``|;|``, `` ; ``, ``;``, ``|;``, trailing separators, blanks around fields and a ``;`` inside
    the payer's text are all fine.
    ValueError when an attempt has no numeric state at position 4 (the answer is not what we think it is).
    """
    if text is None or not str(text).strip():
        return []
    attempts: list[Attempt] = []
    for values in _attempt_texts(str(text)):
        if len(values) <= 4 or not _INTEGER.fullmatch(values[4]):
            raise ValueError(f"attempt {len(attempts) + 1} of str_res_pago has no payment state")
        named = dict(zip(FIELDS, values, strict=False))
        method_code = named.get("int_id_forma_pago", "")
        extra_names = PSE_FIELDS if method_code == PSE else CARD_FIELDS if method_code == CARD else ()
        named.update(zip(extra_names, values[len(FIELDS):], strict=False))
        number = named.get("int_n_pago", "")
        attempts.append(Attempt(
            index=len(attempts),
            payment_number=int(number) if _INTEGER.fullmatch(number) else None,
            state_code=int(values[4]),
            paid=_amount(named.get("dbl_valor_pagado", "")),
            total=_amount(named.get("dbl_total_pago", "")),
            method_code=method_code,
            finished=named.get("int_pago_terminado", ""),
            paid_at=named.get("dat_fecha", ""),
            ticket_id=named.get("str_ticketID") or None,
            cus=(named.get("str_codigo_transaccion") or None) if method_code == PSE else None,
            bank=(named.get("str_nombre_banco") or None) if method_code == PSE else None,
            card_brand=(named.get("str_franquicia") or None) if method_code == CARD else None,
            fields=named,
        ))
    return attempts


def _newest(attempts: list[Attempt]) -> Attempt:
    """The latest attempt: highest ``int_n_pago`` when every attempt has one, else the last listed."""
    if all(a.payment_number is not None for a in attempts):
        return max(attempts, key=lambda a: (a.payment_number, a.index))
    return attempts[-1]


def decide(attempts: list[Attempt], expected_amount_minor: int | None) -> GatewayStatus:
    """The payment's state from its attempts (DESIGN §5).

    An attempt approved for the full amount approves. Otherwise the newest attempt decides — except that
    an approved attempt for another amount is still reported as ``approved`` with the amount it paid
    (money was taken: the caller's amount check sends it to review instead of declining it). Without
    ``expected_amount_minor``, the newest approved attempt is reported. No attempts: ``unknown``.
    """
    if not attempts:
        return GatewayStatus(state="unknown", message="Zona Pagos has no attempt with this reference")
    approved = [a for a in attempts if a.state == "approved"]
    if approved:
        full = [a for a in approved if expected_amount_minor is not None and a.paid == expected_amount_minor]
        chosen = _newest(full or approved)
        if chosen.paid is None:
            raise GatewayError("Zona Pagos reported an approval without a readable amount", gateway=NAME,
                               retryable=False)
        message = None
        if not full and expected_amount_minor is not None:
            message = f"approved for {chosen.paid} of {expected_amount_minor} (minor units): not the full amount"
        return _status(chosen, "approved", chosen.paid, message)
    chosen = _newest(attempts)
    message = _MESSAGES.get(chosen.state_code) or f"unrecognised Zona Pagos state {chosen.state_code}"
    if chosen.state_code == 999 and chosen.cus:
        message = f"pending at the bank (CUS {chosen.cus})"
    return _status(chosen, chosen.state, chosen.paid, message)


def _status(attempt: Attempt, state: State, amount: int | None, message: str | None) -> GatewayStatus:
    return GatewayStatus(
        state=state, amount=amount, currency=CURRENCY,
        transaction_id=attempt.ticket_id or (str(attempt.payment_number) if attempt.payment_number else None),
        method=attempt.method, cus=attempt.cus, bank=attempt.bank, raw_state=str(attempt.state_code),
        message=message)


def _safe(text: str | None, limit: int) -> str:
    """Text Zona Pagos will echo back in ``str_res_pago``: no ``|``, ``;`` or control characters, one line,
    at most ``limit`` characters, cut on a character boundary (:func:`_cut`)."""
    cleaned = " ".join(_UNSAFE.sub(" ", unicodedata.normalize("NFC", text or "")).split())
    return _cut(cleaned, limit)


def _cut(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, never between a letter and its combining marks (NFC has already
    composed those that can be: "é" is one character), without trailing blanks."""
    if len(text) <= limit:
        return text
    end = limit
    while end > 0 and unicodedata.combining(text[end]):
        end -= 1
    return text[:end].rstrip()


def _whole(text: str | None, limit: int) -> str:
    """A number-like text (tax id, phone) sent whole or not at all: cut, it would be someone else's."""
    cleaned = _safe(text, limit + 1)
    return cleaned if len(cleaned) <= limit else ""


def _email(text: str | None) -> str:
    """The e-mail as it is, or empty when it does not fit (the payer then types it at the gateway)."""
    email = (text or "").strip()
    fits = len(email) <= LIMITS["str_email"] and not _UNSAFE.search(email) and not any(c.isspace() for c in email)
    return email if fits else ""


def split_name(name: str | None) -> tuple[str, str]:
    """A full name as (first names, last names): one word is a first name; two or three give the first word
    and the rest ("Ana" · "María Gómez"); four or more give two words and the rest. Particles stay with the
    surname after them ("Juan" · "de la Cruz"). Each part is cut to its field."""
    tokens: list[str] = []
    pending: list[str] = []
    for word in _safe(name, 1000).split():
        pending.append(word)
        if word.lower() not in _PARTICLES:
            tokens.append(" ".join(pending))
            pending = []
    if pending:
        tokens.append(" ".join(pending))
    given = 1 if len(tokens) < 4 else 2
    return (_cut(" ".join(tokens[:given]), LIMITS["str_nombre_cliente"]),
            _cut(" ".join(tokens[given:]), LIMITS["str_apellido_cliente"]))


def _number(value: object) -> int:
    """An ``int_*`` field of an answer (Zona Pagos writes some as strings, e.g. ``"00"``)."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value.strip())
    raise ValueError("not a number")


class ZonaVirtual(Gateway[ZonaVirtualCredentials]):
    """Zona Virtual (Zona Pagos) behind the common :class:`Gateway` interface."""

    name: ClassVar[str] = NAME
    currencies: ClassVar[frozenset[str] | None] = frozenset({CURRENCY})
    reference_limit: ClassVar[int] = REFERENCE_LIMIT

    def new_reference(self, tenant: str, *, day: str, now: datetime) -> str:
        """19 digits, no leading zero: the milliseconds of ``now`` since 1970, then 6 random digits.

        The tenant and the day are not in it (a long tenant slug would not fit). Unique per tenant through the
        conditional write of the reference index (a clash is refused, never overwritten); a Zona Pagos commerce
        belongs to one tenant, so that is unique per commerce too (docs/decisions.md). Later references are
        larger numbers.
        """
        millis = (now - EPOCH) // timedelta(milliseconds=1)
        reference = f"{millis}{secrets.randbelow(10**6):06d}"
        if reference.startswith("0") or len(reference) > REFERENCE_LIMIT:
            raise ValueError("a Zona Virtual reference is at most 30 digits without a leading zero")
        return reference

    def start_checkout(self, creds: ZonaVirtualCredentials, request: CheckoutRequest,
                       urls: GatewayUrls) -> Checkout:
        """Asks Zona Pagos for a payment page (``InicioPago``); the browser is redirected to it.

        Anything but ``int_codigo`` 1 with an http(s) ``str_url`` is a :class:`GatewayError` carrying the
        gateway's own message (not retryable: the same request would be refused again). A reference over
        30 characters is a ValueError: Zona Pagos would refuse it.
        """
        if request.currency != CURRENCY:
            raise ValueError("Zona Virtual charges COP only")
        if len(request.reference) > REFERENCE_LIMIT:
            raise ValueError("a Zona Virtual reference (str_id_pago) is at most 30 characters")
        base_url = require_url(urls, "base_url", NAME).rstrip("/")
        body = inicio_pago_body(creds, request)
        answer = post_json(f"{base_url}/InicioPago", body, gateway=NAME)
        if not isinstance(answer, dict):
            raise GatewayError("Zona Pagos answered an unexpected document", gateway=NAME)
        url = answer.get("str_url")
        try:
            code = _number(answer.get("int_codigo"))
        except ValueError:
            code = None
        if code != 1 or not isinstance(url, str) or not url.startswith(("https://", "http://")):
            detail = _safe(str(answer.get("str_descripcion_error") or answer.get("str_cod_error") or "no detail"),
                           200)
            raise GatewayError(f"Zona Pagos did not start the payment: {detail}", gateway=NAME, retryable=False)
        return Checkout(method="REDIRECT", url=url, fields={})

    def query_status(self, creds: ZonaVirtualCredentials, reference: str, urls: GatewayUrls, *,
                     expected_amount: int | None = None) -> GatewayStatus:
        """``VerificacionPago`` for ``reference``, decided by :func:`decide`. No attempts: ``unknown``."""
        base_url = require_url(urls, "base_url", NAME).rstrip("/")
        answer = post_json(f"{base_url}/VerificacionPago", {
            "int_id_comercio": creds.commerce_id,
            "str_usr_comercio": creds.user,
            "str_pwd_Comercio": creds.password,
            "str_id_pago": reference,
            "int_no_pago": -1,
        }, gateway=NAME)
        return status_from_answer(answer, expected_amount)

    def callback_reference(self, creds: ZonaVirtualCredentials, params: dict[str, str]) -> str:
        """The ``id_pago`` of a callback for this commerce: all the callback can do is ask for a verification."""
        commerce = str(params.get("id_comercio") or "").strip()
        reference = str(params.get("id_pago") or "").strip()
        if not commerce or not reference or len(reference) > 64 or _UNSAFE.search(reference):
            raise NotificationMismatch("malformed", "The callback lacks id_comercio or id_pago.")
        if commerce != str(creds.commerce_id):
            raise NotificationMismatch("commerce", "The callback is for another Zona Pagos commerce.")
        return reference


def inicio_pago_body(creds: ZonaVirtualCredentials, request: CheckoutRequest) -> dict[str, Any]:
    """The ``InicioPago`` JSON for ``request`` (amounts in pesos, a JSON number), every text within
    :data:`LIMITS`: the description cut, an e-mail that does not fit sent empty, the tax id and phone whole
    or empty, the tax id type in Zona Pagos' codes (:data:`ID_TYPES`), the name split (:func:`split_name`).
    """
    amount = amount_string(request.amount, CURRENCY)
    first, last = split_name(request.buyer_name)
    tax_id = _whole(request.buyer_tax_id, LIMITS["str_id_cliente"])
    configuration = [{"int_codigo": 50, "str_valor": creds.service_code}] if creds.service_code else []
    configuration.append({"int_codigo": 104, "str_valor": request.response_url})
    return {
        "InformacionPago": {
            "flt_total_con_iva": int(amount) if amount.isdigit() else float(amount),
            "flt_valor_iva": 0,
            "str_id_pago": request.reference,
            "str_descripcion_pago": _safe(request.description, LIMITS["str_descripcion_pago"]) or request.reference,
            "str_email": _email(request.buyer_email),
            "str_id_cliente": tax_id,
            "str_tipo_id": ID_TYPES.get(request.buyer_tax_id_type.strip().upper(), "") if tax_id else "",
            "str_nombre_cliente": first,
            "str_apellido_cliente": last,
            "str_telefono_cliente": _whole(request.buyer_phone, LIMITS["str_telefono_cliente"]),
            "str_opcional1": "",
            "str_opcional2": "",
            "str_opcional3": "",
            "str_opcional4": "",
            "str_opcional5": "",
        },
        "InformacionSeguridad": {
            "int_id_comercio": creds.commerce_id,
            "str_usuario": creds.user,
            "str_clave": creds.password,
            "int_modalidad": -1,
        },
        "AdicionalesPago": [],
        "AdicionalesConfiguracion": configuration,
    }


def status_from_answer(answer: object, expected_amount: int | None) -> GatewayStatus:
    """A ``VerificacionPago`` answer as a :class:`GatewayStatus` (GatewayError when it is malformed)."""
    if not isinstance(answer, dict):
        raise GatewayError("Zona Pagos answered an unexpected document", gateway=NAME)
    detail = _safe(str(answer.get("str_detalle") or ""), 200) or None
    try:
        ran = _number(answer.get("int_estado"))
        count = _number(answer.get("int_cantidad_pagos") if answer.get("int_cantidad_pagos") is not None else 0)
        error = _number(answer.get("int_error") if answer.get("int_error") is not None else 0)
    except ValueError:
        raise GatewayError("Zona Pagos answered unreadable numbers", gateway=NAME) from None
    if ran != 1:
        raise GatewayError(f"Zona Pagos could not verify the payment: {detail or 'no detail'}", gateway=NAME)
    if count <= 0:
        return GatewayStatus(state="unknown", currency=CURRENCY,
                             message=detail or "Zona Pagos has no attempt with this reference")
    if error != 0:
        raise GatewayError(f"Zona Pagos reported error {error}: {detail or 'no detail'}", gateway=NAME)
    try:
        attempts = parse_res_pago(answer.get("str_res_pago"))
    except ValueError:
        raise GatewayError("Zona Pagos answered an unreadable str_res_pago", gateway=NAME) from None
    if not attempts:
        raise GatewayError(f"Zona Pagos counted {count} attempts but listed none", gateway=NAME)
    return decide(attempts, expected_amount)

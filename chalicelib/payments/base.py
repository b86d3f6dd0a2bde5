"""The gateway interface (DESIGN §5): credentials, checkout, status, notification, base URLs and money text.

Pure of storage: a gateway receives its tenant's credentials and base URLs and talks HTTP (``requests``,
imported inside the functions that call out), nothing else. Every gateway answers in the same shapes:
:class:`Checkout` to send the browser away, :class:`GatewayStatus` for what the gateway knows of a
reference, and (PayU) :class:`Notification` for a verified confirmation.

States a gateway reports (``GatewayStatus.state``): ``approved``, ``declined``, ``expired``, ``error``
(final at the gateway), ``pending`` (the customer is paying, or the gateway reported something we do not
recognise: never final, so a human sees it rather than a silent expiry) and ``unknown`` (the gateway has
no order with that reference: the customer never submitted the gateway's form, or not yet).
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar

from chalicelib.domain.money import minor_unit_exponent
from chalicelib.payments.exceptions import (
    GatewayError,
    InvalidCredentials,
    InvalidSignature,
    NotificationMismatch,
)

if TYPE_CHECKING:
    from datetime import datetime

__all__ = [
    "ALGORITHMS", "GATEWAYS", "STATES", "TIMEOUT", "Checkout", "CheckoutRequest", "Credentials", "Gateway",
    "GatewayError", "GatewayStatus", "GatewayUrls", "InvalidCredentials", "InvalidSignature", "Notification",
    "NotificationMismatch", "PayUCredentials", "ZonaVirtualCredentials", "amount_string", "credentials_for",
    "get", "parse_amount", "post_json", "require_url", "urls_for",
]

State = Literal["approved", "declined", "expired", "error", "pending", "unknown"]
STATES: frozenset[str] = frozenset({"approved", "declined", "expired", "error", "pending", "unknown"})
ALGORITHMS = ("MD5", "SHA", "SHA256")  # PayU's names: SHA is SHA-1
TIMEOUT = (3.0, 10.0)  # seconds (connect, read) for every call to a gateway: well inside API Gateway's 29 s

# name → "module:Class"; a gateway module is imported the first time :func:`get` asks for it.
GATEWAYS: dict[str, str] = {
    "payu": "chalicelib.payments.payu:PayU",
    "zonavirtual": "chalicelib.payments.zonavirtual:ZonaVirtual",
}


# --- money as the gateways write it -----------------------------------------------------------------

_AMOUNT_RE = re.compile(r"([0-9]{1,30})(?:\.([0-9]{1,30}))?")


def amount_string(minor: int, currency: str) -> str:
    """The amount as posted to a gateway and signed: ``20000`` (2000000 COP minor units), ``20000.50``.

    Integer units when there is no fraction; otherwise every decimal of the currency's ISO exponent
    (COP and USD: 2). Exponent-0 currencies are always the integer. Negative amounts are refused.
    """
    if isinstance(minor, bool) or not isinstance(minor, int):
        raise TypeError("an amount in minor units is an int")
    if minor < 0:
        raise ValueError("a gateway amount cannot be negative")
    exponent = minor_unit_exponent(currency)
    units, fraction = divmod(minor, 10**exponent)
    return f"{units}.{fraction:0{exponent}d}" if fraction else str(units)


def parse_amount(text: str | int | Decimal, currency: str) -> int:
    """Minor units of a gateway amount (``"150.26"`` USD → 15026), exactly, or ``ValueError``.

    Accepts plain decimal text (surrounding blanks ignored), an int or a Decimal (JSON parsed with
    ``parse_float=Decimal``). Refused: signs, exponents, thousands separators, commas, empty text, and
    any non-zero digit below the currency's minor unit (``"1.005"`` USD); trailing zeros are fine
    (``"150.000"``). Inverse of :func:`amount_string` for every amount ≥ 0.
    """
    if isinstance(text, bool):
        raise ValueError("not an amount: a boolean")
    if isinstance(text, int):
        text = str(text)
    elif isinstance(text, Decimal):
        if not text.is_finite():
            raise ValueError("not an amount: not a finite number")
        text = format(text, "f")
    if not isinstance(text, str):
        raise ValueError(f"not an amount: {type(text).__name__}")
    match = _AMOUNT_RE.fullmatch(text.strip())
    if not match:
        raise ValueError(f"not an amount: {text[:40]!r}")
    units, fraction = match.group(1), (match.group(2) or "").rstrip("0")
    exponent = minor_unit_exponent(currency)
    if len(fraction) > exponent:
        raise ValueError(f"{text.strip()!r} has more decimals than {currency} has")
    scale: int = 10**exponent  # typeshed types int ** int as Any (a negative power is a float); exponent ≥ 0
    return int(units) * scale + (int(fraction.ljust(exponent, "0")) if fraction else 0)


# --- credentials ---------------------------------------------------------------------------------------

_DIGITS = re.compile(r"[0-9]{1,20}")
PAYU_PUBLIC_SANDBOX_MERCHANTS = frozenset({"508029"})  # DESIGN §5: published, shared by everyone testing
_TOKEN = re.compile(r"\S{1,200}")
_REQUIRED_TEXT = "is required (at most 200 characters)"


def _known_fields(data: object, allowed: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InvalidCredentials({"credentials": "must be an object"})
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise InvalidCredentials({name: "is not a known field" for name in map(str, unknown)})
    return data


def _digits(data: dict[str, Any], name: str, errors: dict[str, str]) -> str:
    value = data.get(name)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        value = str(value)
    if not isinstance(value, str) or not _DIGITS.fullmatch(value.strip()):
        errors[name] = "must be a number"
        return ""
    return value.strip()


def _secret(data: dict[str, Any], name: str, errors: dict[str, str]) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not _TOKEN.fullmatch(value):
        errors[name] = "is required (no blanks, at most 200 characters)"
        return ""
    return value


def _flag(data: dict[str, Any], name: str, errors: dict[str, str]) -> bool:
    value = data.get(name, False)
    if not isinstance(value, bool):
        errors[name] = "must be true or false"
        return False
    return value


@dataclass(frozen=True, slots=True, repr=False)
class PayUCredentials:
    """A tenant's PayU Latam account. ``api_key`` and ``api_login`` are secrets: see :meth:`redacted`."""

    gateway: ClassVar[str] = "payu"
    FIELDS: ClassVar[tuple[str, ...]] = ("merchant_id", "account_id", "api_key", "api_login", "algorithm", "test")

    merchant_id: str
    account_id: str
    api_key: str
    api_login: str
    algorithm: str = "SHA256"
    test: bool = False

    @classmethod
    def from_json(cls, data: object) -> PayUCredentials:
        """Validates stored or submitted credentials; :class:`InvalidCredentials` lists every bad field."""
        data = _known_fields(data, cls.FIELDS)
        errors: dict[str, str] = {}
        merchant_id = _digits(data, "merchant_id", errors)
        account_id = _digits(data, "account_id", errors)
        api_key = _secret(data, "api_key", errors)
        api_login = _secret(data, "api_login", errors)
        algorithm = data.get("algorithm", "SHA256")
        algorithm = algorithm.strip().upper() if isinstance(algorithm, str) else ""
        algorithm = "SHA" if algorithm == "SHA1" else algorithm
        if algorithm not in ALGORITHMS:
            errors["algorithm"] = "must be MD5, SHA or SHA256"
        test = _flag(data, "test", errors)
        if errors:
            raise InvalidCredentials(errors)
        return cls(merchant_id=merchant_id, account_id=account_id, api_key=api_key, api_login=api_login,
                   algorithm=algorithm, test=test)

    @property
    def test_mode(self) -> bool:
        """Test credentials: the test flag, or PayU's public sandbox merchant (which takes no real money)."""
        return self.test or self.merchant_id in PAYU_PUBLIC_SANDBOX_MERCHANTS

    def to_json(self) -> dict[str, Any]:
        """Everything, secrets included: only for the secret store (SSM SecureString)."""
        return {"merchant_id": self.merchant_id, "account_id": self.account_id, "api_key": self.api_key,
                "api_login": self.api_login, "algorithm": self.algorithm, "test": self.test}

    def redacted(self) -> dict[str, Any]:
        """What may be shown or logged: no ``api_key``, no ``api_login``."""
        return {"gateway": self.gateway, "merchant_id": self.merchant_id, "account_id": self.account_id,
                "algorithm": self.algorithm, "test": self.test}

    def __repr__(self) -> str:
        return f"PayUCredentials({self.redacted()!r})"

    __str__ = __repr__


@dataclass(frozen=True, slots=True, repr=False)
class ZonaVirtualCredentials:
    """A tenant's Zona Virtual (Zona Pagos) commerce. ``password`` is a secret: see :meth:`redacted`."""

    gateway: ClassVar[str] = "zonavirtual"
    FIELDS: ClassVar[tuple[str, ...]] = ("commerce_id", "user", "password", "service_code", "test")

    commerce_id: int
    user: str
    password: str
    service_code: str | None = None  # Zona Pagos' "código de servicio" (AdicionalesConfiguracion 50)
    test: bool = False

    @classmethod
    def from_json(cls, data: object) -> ZonaVirtualCredentials:
        """Validates stored or submitted credentials; :class:`InvalidCredentials` lists every bad field."""
        data = _known_fields(data, cls.FIELDS)
        errors: dict[str, str] = {}
        commerce_id = _digits(data, "commerce_id", errors)
        user = data.get("user")
        if not isinstance(user, str) or not user.strip() or len(user) > 200:
            errors["user"] = _REQUIRED_TEXT
        password = data.get("password")
        if not isinstance(password, str) or not password or len(password) > 200:
            errors["password"] = _REQUIRED_TEXT
        service_code = data.get("service_code")
        if isinstance(service_code, int) and not isinstance(service_code, bool):
            service_code = str(service_code)
        if service_code in (None, ""):
            service_code = None
        elif not isinstance(service_code, str) or not _DIGITS.fullmatch(service_code.strip()):
            errors["service_code"] = "must be a number"
        test = _flag(data, "test", errors)
        if errors:
            raise InvalidCredentials(errors)
        assert isinstance(user, str) and isinstance(password, str)
        assert service_code is None or isinstance(service_code, str)
        return cls(commerce_id=int(commerce_id), user=user.strip(), password=password,
                   service_code=service_code.strip() if service_code else None, test=test)

    @property
    def test_mode(self) -> bool:
        """Test credentials: a commerce in Zona Pagos' test mode."""
        return self.test

    def to_json(self) -> dict[str, Any]:
        """Everything, secrets included: only for the secret store (SSM SecureString)."""
        return {"commerce_id": self.commerce_id, "user": self.user, "password": self.password,
                "service_code": self.service_code, "test": self.test}

    def redacted(self) -> dict[str, Any]:
        """What may be shown or logged: no ``password``."""
        return {"gateway": self.gateway, "commerce_id": self.commerce_id, "user": self.user,
                "service_code": self.service_code, "test": self.test}

    def __repr__(self) -> str:
        return f"ZonaVirtualCredentials({self.redacted()!r})"

    __str__ = __repr__


Credentials = PayUCredentials | ZonaVirtualCredentials
# The credentials one gateway takes: PayU is a Gateway[PayUCredentials].
CredentialsT = TypeVar("CredentialsT", bound=Credentials)
CREDENTIALS: dict[str, type[PayUCredentials] | type[ZonaVirtualCredentials]] = {
    "payu": PayUCredentials,
    "zonavirtual": ZonaVirtualCredentials,
}


def credentials_for(gateway: str, data: object) -> Credentials:
    """Parses ``data`` as ``gateway``'s credentials (:class:`InvalidCredentials`, a ValueError, when bad)."""
    kind = CREDENTIALS.get(gateway)
    if kind is None:
        raise InvalidCredentials({"gateway": f"must be one of {', '.join(sorted(CREDENTIALS))}"})
    return kind.from_json(data)


# --- what goes in and comes out ----------------------------------------------------------------------

_REFERENCE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


@dataclass(frozen=True, slots=True)
class CheckoutRequest:
    """One payment to start at a gateway. ``amount`` is in minor units of ``currency``.

    ``buyer_tax_id``/``buyer_tax_id_type``/``buyer_phone`` are optional: Zona Pagos shows them on its
    page (PayU WebCheckout asks the buyer itself).
    """

    reference: str
    amount: int
    currency: str
    description: str
    buyer_email: str
    buyer_name: str
    response_url: str
    confirmation_url: str
    buyer_tax_id: str = ""
    buyer_tax_id_type: str = ""
    buyer_phone: str = ""

    def __post_init__(self) -> None:
        if not _REFERENCE.fullmatch(self.reference or ""):
            raise ValueError("a reference is 1-64 letters, digits or _.:-")
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount <= 0:
            raise ValueError("a checkout amount is a positive number of minor units")
        if not re.fullmatch(r"[A-Z]{3}", self.currency or ""):
            raise ValueError("currency is an ISO 4217 code")
        for name in ("response_url", "confirmation_url"):
            if not str(getattr(self, name) or "").startswith(("https://", "http://")):
                raise ValueError(f"{name} must be an http(s) URL")


@dataclass(frozen=True, slots=True)
class Checkout:
    """Where the browser goes: ``POST`` an auto-submitted form of ``fields`` to ``url`` (PayU), or
    ``REDIRECT``/``GET`` to ``url`` (Zona Virtual). ``gateway_id`` is the gateway's own id, when it gives one.
    """

    method: Literal["POST", "GET", "REDIRECT"]
    url: str
    fields: dict[str, str] = field(default_factory=dict)
    gateway_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "url": self.url, "fields": dict(self.fields)}


@dataclass(frozen=True, slots=True)
class GatewayStatus:
    """What the gateway says of a reference. ``amount`` is in minor units; ``raw_state`` is the gateway's
    own code (``4``, ``APPROVED``, ``999``…) for the timeline; ``cus`` is PSE's transaction code.
    """

    state: State
    amount: int | None = None
    currency: str | None = None
    transaction_id: str | None = None
    method: str | None = None
    cus: str | None = None
    bank: str | None = None
    raw_state: str = ""
    message: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"state": self.state, "amount": self.amount, "currency": self.currency,
                "transaction_id": self.transaction_id, "method": self.method, "cus": self.cus, "bank": self.bank,
                "raw_state": self.raw_state, "message": self.message}


@dataclass(frozen=True, slots=True)
class Notification:
    """A PayU confirmation whose signature and merchant checked out. The caller still compares
    ``reference``, ``amount`` and ``currency`` with its payment. ``raw`` is the form as posted (it has
    the buyer's personal data: kept out of repr, never logged whole).
    """

    reference: str
    state: State
    amount: int | None
    currency: str
    transaction_id: str | None
    merchant_id: str
    raw: dict[str, str] = field(repr=False, default_factory=dict)
    method: str | None = None
    cus: str | None = None
    bank: str | None = None
    raw_state: str = ""
    message: str | None = None

    def status(self) -> GatewayStatus:
        """The same report as a :class:`GatewayStatus`, so confirmations and polling share one code path."""
        return GatewayStatus(state=self.state, amount=self.amount, currency=self.currency,
                             transaction_id=self.transaction_id, method=self.method, cus=self.cus, bank=self.bank,
                             raw_state=self.raw_state, message=self.message)


# --- where the gateways are ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GatewayUrls:
    """Base URLs of one gateway. PayU: ``checkout_url`` (WebCheckout form) and ``reports_url`` (Reports
    API). Zona Virtual: ``base_url`` (``…/Apis_CicloPago/api``; ``/InicioPago`` and ``/VerificacionPago``
    are appended).
    """

    checkout_url: str | None = None
    reports_url: str | None = None
    base_url: str | None = None


# Zona Pagos serves test and production commerces from the same host (the commerce decides).
_DEFAULT_URLS: dict[tuple[str, bool], GatewayUrls] = {
    ("payu", True): GatewayUrls(
        checkout_url="https://sandbox.checkout.payulatam.com/ppp-web-gateway-payu/",
        reports_url="https://sandbox.api.payulatam.com/reports-api/4.0/service.cgi"),
    ("payu", False): GatewayUrls(
        checkout_url="https://checkout.payulatam.com/ppp-web-gateway-payu/",
        reports_url="https://api.payulatam.com/reports-api/4.0/service.cgi"),
    ("zonavirtual", True): GatewayUrls(base_url="https://www.zonapagos.com/Apis_CicloPago/api"),
    ("zonavirtual", False): GatewayUrls(base_url="https://www.zonapagos.com/Apis_CicloPago/api"),
}
# override key → (gateway, GatewayUrls field)
_OVERRIDES = {
    "payu_checkout_url": ("payu", "checkout_url"),
    "payu_reports_url": ("payu", "reports_url"),
    "zonavirtual_url": ("zonavirtual", "base_url"),
}


def urls_for(gateway: str, test: bool, overrides: dict[str, str] | None = None) -> GatewayUrls:
    """The gateway's real sandbox (``test``) or production URLs, each replaced by ``overrides`` when it has
    ``payu_checkout_url``, ``payu_reports_url`` or ``zonavirtual_url`` (the local sandbox; other keys are
    ignored). An override that is not an http(s) URL is a ValueError.
    """
    try:
        urls = _DEFAULT_URLS[(gateway, bool(test))]
    except KeyError:
        raise ValueError(f"unknown gateway {gateway!r}") from None
    replace: dict[str, str] = {}
    for key, value in (overrides or {}).items():
        target = _OVERRIDES.get(key)
        if not target or target[0] != gateway or not value:
            continue
        if not value.startswith(("https://", "http://")):
            raise ValueError(f"{key} must be an http(s) URL")
        replace[target[1]] = value
    if not replace:
        return urls
    return GatewayUrls(**{**{name: getattr(urls, name) for name in ("checkout_url", "reports_url", "base_url")},
                          **replace})


def require_url(urls: GatewayUrls, name: str, gateway: str) -> str:
    value = getattr(urls, name)
    if not value:
        raise GatewayError(f"{gateway}: no {name} configured", gateway=gateway, retryable=False)
    return str(value)


# --- the interface ---------------------------------------------------------------------------------


class Gateway(ABC, Generic[CredentialsT]):
    """One payment gateway. Stateless: every call gets the tenant's credentials and the base URLs.

    Network failures, timeouts, HTTP errors and malformed answers raise :class:`GatewayError`.
    """

    name: ClassVar[str]
    # The currencies the gateway charges (None: any); checked before a payment is created.
    currencies: ClassVar[frozenset[str] | None] = None
    # The longest reference the gateway takes (PayU's referenceCode 255, Zona Virtual's str_id_pago 30).
    reference_limit: ClassVar[int]

    @abstractmethod
    def new_reference(self, tenant: str, *, day: str, now: datetime) -> str:
        """A fresh reference in this gateway's own form and limits, never reused: ``day`` is the tenant's
        today (``YYYY-MM-DD``), ``now`` the instant. Uniqueness is the caller's conditional write of the
        reference index (tenant-wide); each adapter says why its form rarely collides."""

    @abstractmethod
    def start_checkout(self, creds: CredentialsT, request: CheckoutRequest, urls: GatewayUrls) -> Checkout:
        """Where to send the browser to pay ``request``."""

    @abstractmethod
    def query_status(self, creds: CredentialsT, reference: str, urls: GatewayUrls, *,
                     expected_amount: int | None = None) -> GatewayStatus:
        """What the gateway knows of ``reference`` now (``unknown`` when it has no order with it).

        ``expected_amount`` (minor units) lets a gateway that lists several attempts pick the one approved
        for the whole payment (Zona Virtual); the caller still compares the reported amount itself.
        """

    def verify_confirmation(self, creds: CredentialsT, form: dict[str, str], *,
                            checkout: dict[str, Any] | None = None) -> Notification:
        """A server-to-server confirmation, verified (:class:`InvalidSignature`, :class:`NotificationMismatch`).

        ``checkout`` is the payment's stored checkout (:meth:`Checkout.to_json`): it says how the payment was
        signed when it started (PayU's ``algorithmSignature``)."""
        raise NotImplementedError(f"{self.name} sends no signed confirmation")

    def callback_reference(self, creds: CredentialsT, params: dict[str, str]) -> str:
        """The reference an unsigned callback asks us to verify (:class:`NotificationMismatch` if not ours)."""
        raise NotImplementedError(f"{self.name} has no verification callback")

    def parse_credentials(self, data: object) -> Credentials:
        return credentials_for(self.name, data)


@cache
def get(name: str) -> Gateway[Any]:
    """The gateway called ``name`` (``payu``, ``zonavirtual``); imports its module on first use.

    Which credentials it takes depends on ``name``: they come from :func:`credentials_for` with the same name.
    """
    path = GATEWAYS.get(name)
    if path is None:
        raise ValueError(f"unknown gateway {name!r}")
    module, _, attribute = path.partition(":")
    gateway: Gateway[Any] = getattr(import_module(module), attribute)()
    return gateway


# --- HTTP --------------------------------------------------------------------------------------------


def post_json(url: str, body: dict[str, Any], *, gateway: str) -> object:
    """POSTs ``body`` as JSON and returns the JSON answer (decimals as :class:`Decimal`, never float).

    Timeouts :data:`TIMEOUT`; no redirects followed. Anything but a 2xx JSON answer is a
    :class:`GatewayError` (retryable unless the gateway refused the request itself, 4xx but 408/429).
    Messages name the gateway and the HTTP status only: bodies and credentials stay out of them.
    """
    import requests  # lazy: keeps import app fast

    try:
        response = requests.post(url, json=body, timeout=TIMEOUT, allow_redirects=False,
                                 headers={"Accept": "application/json"})
    except requests.Timeout:
        raise GatewayError(f"{gateway} did not answer in time", gateway=gateway) from None
    except requests.RequestException as exc:
        raise GatewayError(f"{gateway} is unreachable ({type(exc).__name__})", gateway=gateway) from None
    status = int(response.status_code)
    if not 200 <= status < 300:
        retryable = status >= 500 or status in (408, 429)
        raise GatewayError(f"{gateway} answered HTTP {status}", gateway=gateway, retryable=retryable)
    try:
        return json.loads(response.text, parse_float=Decimal)
    except ValueError:
        raise GatewayError(f"{gateway} answered something that is not JSON", gateway=gateway) from None

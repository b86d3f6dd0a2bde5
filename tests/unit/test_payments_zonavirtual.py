"""Zona Virtual (Zona Pagos): str_res_pago parsing, the state rule, InicioPago, VerificacionPago, callback."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.payments import base, zonavirtual
from chalicelib.payments.base import (
    CheckoutRequest,
    GatewayError,
    InvalidCredentials,
    NotificationMismatch,
    ZonaVirtualCredentials,
    urls_for,
)
from chalicelib.payments.zonavirtual import decide, parse_res_pago

if TYPE_CHECKING:
    from tests.unit.fakes import FakeHttp

CREDS = ZonaVirtualCredentials.from_json({"commerce_id": 32870, "user": "Global32870", "password": "s3cret-Clave*",
                                          "service_code": "2701", "test": True})
URLS = urls_for("zonavirtual", True, {"zonavirtual_url": "http://127.0.0.1:8002/zonavirtual/Apis_CicloPago/api"})
PSE_TAIL = ("18092100031", "2701", "1022", "BANCO UNION COLOMBIANO", "1468228", "3")
CARD_TAIL = ("TK-77", "************1111", "VISA", "123456", "998877")

# A real answer (two attempts), as published in a public integration: note the leading "|" (an empty
# int_ped_numero), the " ; " separator and the trailing "|;".
REAL = ("|3772 | | 200 | 1002 | | 12500 | | | 123456789 | Cristina | Vargas | 319632555648 | soporte9@zonavirtual.com"
        " | opcion 11 | opcion 12 | opcion 13 | | | | | ; 31 | 3773 | 1 | 1 | 1 | 12500 | 12500 | 13 | camisa | "
        "123456789 | Cristina | Vargas | 319632555648 | soporte9@zonavirtual.com | opcion 11 | opcion 12 | opcion 13"
        " | | | 9/11/2018 12:58:41 PM | 29 | 18092100031 | 2701 | 1022 | BANCO UNION COLOMBIANO | 1468228 | 3 |;")


def attempt(number: int, state: int, *, paid: str = "12500", method: str = "", tail: tuple[str, ...] = (),
            order: str = "31") -> str:
    fields = [order, str(number), "1", "1", str(state), paid, "12500", "0", "Pago facturas", "900123456", "Ana",
              "Gómez", "3001234567", "ana@example.com", "", "", "", "", "", "9/11/2018 12:58:41 PM", method, *tail]
    return "|".join(fields)


def pse(number: int, state: int, **kwargs: Any) -> str:
    return attempt(number, state, method="29", tail=PSE_TAIL, **kwargs)


def card(number: int, state: int, **kwargs: Any) -> str:
    return attempt(number, state, method="32", tail=CARD_TAIL, **kwargs)


# --- parsing ---------------------------------------------------------------------------------------


def test_the_real_answer_parses() -> None:
    first, second = parse_res_pago(REAL)
    assert (first.payment_number, first.state_code, first.paid, first.total) == (3772, 1002, None, 1250000)
    assert (second.payment_number, second.state_code, second.paid, second.total) == (3773, 1, 1250000, 1250000)
    assert (second.method, second.ticket_id, second.bank, second.cus) == (
        "PSE", "18092100031", "BANCO UNION COLOMBIANO", "1468228")
    assert second.paid_at == "9/11/2018 12:58:41 PM"
    assert decide([first, second], 1250000).state == "approved"


@pytest.mark.parametrize("separator", ["|;|", " ; ", ";", "| ; ", "|;", " ;|", "\n;\n"])
@pytest.mark.parametrize("trailer", ["", ";", "|;|", "|;", " ; ", "|"])
def test_every_separator_style(separator: str, trailer: str) -> None:
    text = separator.join([attempt(1, 1000), card(2, 4000), pse(3, 999)]) + trailer
    attempts = parse_res_pago(text)
    assert [(a.payment_number, a.state_code, a.method) for a in attempts] == [
        (1, 1000, None), (2, 4000, "CARD"), (3, 999, "PSE")]
    assert attempts[2].cus == "1468228" and attempts[2].bank == "BANCO UNION COLOMBIANO"
    assert attempts[1].ticket_id == "TK-77" and attempts[1].card_brand == "VISA"


def test_fields_are_trimmed() -> None:
    [only] = parse_res_pago(" | ".join(pse(7, 1).split("|")))
    assert only.fields["str_email"] == "ana@example.com" and only.cus == "1468228" and only.paid == 1250000


def test_an_empty_order_number_after_a_separator_is_not_lost() -> None:
    # "|;|" then an attempt whose int_ped_numero is blank: the fields must not shift
    text = attempt(1, 1000) + "|;|" + attempt(2, 1, order="")
    assert [(a.payment_number, a.state_code, a.paid) for a in parse_res_pago(text)] == [
        (1, 1000, 1250000), (2, 1, 1250000)]
    text = attempt(1, 1000, order="") + " ; " + "|" + attempt(2, 1, order="")
    assert [(a.payment_number, a.state_code) for a in parse_res_pago(text)] == [(1, 1000), (2, 1)]


def test_a_paid_amount_that_looks_like_a_state_does_not_shift_the_fields() -> None:
    [only] = parse_res_pago("|" + "|".join(attempt(4, 999, paid="1000").split("|")[1:]))
    assert (only.payment_number, only.state_code, only.paid) == (4, 999, 100000)


def test_pse_and_card_fields() -> None:
    [bank, cards] = parse_res_pago(pse(1, 999) + ";" + card(2, 1))
    assert bank.fields["int_codigo_banco"] == "1022" and bank.fields["int_ciclo_transaccion"] == "3"
    assert cards.fields["int_numero_tarjeta"] == "************1111" and cards.cus is None and cards.bank is None
    assert cards.fields["int_num_recibo"] == "998877"


@pytest.mark.parametrize("text", [None, "", "   ", ";", "|;|", " ; ; "])
def test_no_attempts(text: str | None) -> None:
    assert parse_res_pago(text) == []
    assert decide(parse_res_pago(text), 1250000).state == "unknown"


@pytest.mark.parametrize("text", ["garbage", "1|2|3", "31|3773|1|1|approved|12500", "x|y;" + attempt(1, 1),
                                  "x|y|;|" + attempt(1, 1)])
def test_malformed_answers_raise(text: str) -> None:
    with pytest.raises(ValueError, match="state"):
        parse_res_pago(text)


@given(
    rows=st.lists(st.tuples(st.sampled_from([1, 888, 999, 4001, 1000, 1001, 4000, 4003]),
                            st.integers(min_value=1, max_value=10**9),
                            st.sampled_from(["", "29", "32"]), st.sampled_from(["31", ""])),
                  min_size=1, max_size=5),
    separator=st.sampled_from(["|;|", " ; ", ";", "| ; ", "|;"]),
    trailer=st.sampled_from(["", ";", "|;|", "|;"]),
)
def test_parsing_round_trips(rows: list[tuple[int, int, str, str]], separator: str, trailer: str) -> None:
    tails = {"": (), "29": PSE_TAIL, "32": CARD_TAIL}
    texts = [attempt(n, state, paid=str(pesos), method=method, tail=tails[method], order=order)
             for n, (state, pesos, method, order) in enumerate(rows, start=1)]
    parsed = parse_res_pago(separator.join(texts) + trailer)
    assert [(a.payment_number, a.state_code, a.paid, a.method_code) for a in parsed] == [
        (n, state, pesos * 100, method) for n, (state, pesos, method, _) in enumerate(rows, start=1)]
    assert [a.cus for a in parsed] == [("1468228" if method == "29" else None) for _, _, method, _ in rows]


def with_texts(number: int, state: int, *, description: str = "Pago facturas", name: str = "Ana",
               surname: str = "Gómez", email: str = "ana@example.com", method: str = "29") -> str:
    """An attempt whose payer texts are given (Zona Pagos echoes them, ``;`` included)."""
    tail = {"29": PSE_TAIL, "32": CARD_TAIL}.get(method, ())
    fields = ["31", str(number), "1", "1", str(state), "12500", "12500", "0", description, "900123456", name,
              surname, "3001234567", email, "", "", "", "", "", "9/11/2018 12:58:41 PM", method, *tail]
    return "|".join(fields)


def texts_of(found: zonavirtual.Attempt) -> tuple[str, str, str, str]:
    named = found.fields
    return named["str_descripcion"], named["str_nombre"], named["str_apellido"], named["str_email"]


def test_a_semicolon_in_the_payers_text_does_not_shift_fields_when_attempts_are_split_by_pipes() -> None:
    # Given attempts written "|;|" whose texts hold ";" (the payer typed them at the gateway)
    text = "|;|".join([with_texts(1, 1000, description="Pago; facturas ; FV-1", email="ana;b@example.com"),
                       with_texts(2, 1, name="Ana;María", surname="; Gómez")])
    # When it is parsed, Then each attempt keeps its fields
    first, second = parse_res_pago(text)
    assert texts_of(first) == ("Pago; facturas ; FV-1", "Ana", "Gómez", "ana;b@example.com")
    assert texts_of(second) == ("Pago facturas", "Ana;María", "; Gómez", "ana@example.com")
    assert [(a.payment_number, a.state_code, a.paid, a.cus) for a in (first, second)] == [
        (1, 1000, 1250000, "1468228"), (2, 1, 1250000, "1468228")]


@pytest.mark.parametrize("separator", [" ; ", ";", "|;"])
def test_with_bare_semicolons_a_piece_that_cannot_start_an_attempt_belongs_to_the_one_before(separator: str) -> None:
    text = separator.join([with_texts(1, 1000, email="ana;b@example.com"), with_texts(2, 1, name="Ana;María"),
                           with_texts(3, 999, description="Pago; FV-1")])
    attempts = parse_res_pago(text)
    assert [(a.payment_number, a.state_code) for a in attempts] == [(1, 1000), (2, 1), (3, 999)]
    assert [texts_of(a) for a in attempts] == [("Pago facturas", "Ana", "Gómez", "ana;b@example.com"),
                                              ("Pago facturas", "Ana;María", "Gómez", "ana@example.com"),
                                              ("Pago; FV-1", "Ana", "Gómez", "ana@example.com")]
    # one attempt alone, with nothing to split on but its own text
    [only] = parse_res_pago(with_texts(7, 1, description="a;b;c", surname="Gómez;Pérez"))
    assert (only.payment_number, texts_of(only)[0], texts_of(only)[2], only.cus) == (7, "a;b;c", "Gómez;Pérez",
                                                                                     "1468228")


_PAYER_TEXT = st.text(alphabet=st.sampled_from(list("abcñáé ;@.-09")), max_size=12).map(str.strip)


@given(rows=st.lists(st.tuples(st.sampled_from([1, 888, 999, 4001, 1000, 4000]), _PAYER_TEXT, _PAYER_TEXT,
                               _PAYER_TEXT, _PAYER_TEXT, st.sampled_from(["29", "32", ""])), min_size=1, max_size=4),
       separator=st.sampled_from(["|;|", ";", " ; "]), trailer=st.sampled_from(["", "|;|", ";"]))
def test_payer_texts_with_semicolons_never_shift_fields(rows: list[tuple[int, str, str, str, str, str]],
                                                        separator: str, trailer: str) -> None:
    texts = [with_texts(n, state, description=d, name=na, surname=su, email=em, method=m)
             for n, (state, d, na, su, em, m) in enumerate(rows, start=1)]
    attempts = parse_res_pago(separator.join(texts) + trailer)
    assert [(a.payment_number, a.state_code, a.method_code) for a in attempts] == [
        (n, state, m) for n, (state, *_, m) in enumerate(rows, start=1)]
    assert [texts_of(a) for a in attempts] == [(d, na, su, em) for _, d, na, su, em, _ in rows]
    assert [a.cus for a in attempts] == [("1468228" if m == "29" else None) for *_, m in rows]


# --- the state rule --------------------------------------------------------------------------------


def decided(text: str, expected: int | None = 1250000) -> base.GatewayStatus:
    return decide(parse_res_pago(text), expected)


@pytest.mark.parametrize(("code", "state"), [
    (1, "approved"), (888, "pending"), (999, "pending"), (4001, "pending"), (1000, "declined"), (1001, "declined"),
    (4000, "declined"), (4003, "declined"), (1002, "pending"), (777, "pending"),
])
def test_state_codes(code: int, state: str) -> None:
    status = decided(attempt(1, code))
    assert (status.state, status.raw_state, status.currency) == (state, str(code), "COP")


def test_unrecognised_codes_say_so() -> None:
    assert decided(attempt(1, 1002)).message == "unrecognised Zona Pagos state 1002"


def test_approved_after_declined_approves() -> None:
    status = decided(";".join([card(1, 4000), pse(2, 1)]))
    assert (status.state, status.amount, status.method, status.cus, status.transaction_id) == (
        "approved", 1250000, "PSE", "1468228", "18092100031")


def test_an_approval_is_not_undone_by_a_later_attempt() -> None:
    assert decided(";".join([pse(1, 1), card(2, 4000)])).state == "approved"


def test_otherwise_the_newest_attempt_decides() -> None:
    assert decided(";".join([card(1, 4000), pse(2, 999)])).state == "pending"
    assert decided(";".join([pse(1, 999), card(2, 4000)])).state == "declined"
    # newest by int_n_pago, whatever the order of the text
    assert decided(";".join([pse(5, 999), card(2, 4000)])).state == "pending"


def test_pending_at_the_bank_shows_the_cus() -> None:
    status = decided(pse(1, 999))
    assert (status.state, status.cus, status.bank) == ("pending", "1468228", "BANCO UNION COLOMBIANO")
    assert status.message == "pending at the bank (CUS 1468228)"
    assert decided(card(1, 4001)).message == "pending card review (up to a day)"


def test_full_versus_partial_amount() -> None:
    # the attempt for the full amount approves, even when a partial approval is newer
    status = decided(";".join([pse(1, 1), card(2, 1, paid="5000")]))
    assert (status.state, status.amount, status.transaction_id, status.message) == (
        "approved", 1250000, "18092100031", None)
    # only a partial approval: reported as approved *for what it paid*, so the caller's amount check sends
    # the payment to review (money was taken: it must not read as declined)
    status = decided(";".join([card(1, 1, paid="5000"), pse(2, 1000)]))
    assert (status.state, status.amount) == ("approved", 500000)
    assert "not the full amount" in (status.message or "")
    # without an expected amount, the newest approval is reported as it is
    assert decided(card(1, 1, paid="5000"), None).amount == 500000


def test_an_approval_without_a_readable_amount_is_a_gateway_error() -> None:
    with pytest.raises(GatewayError, match="amount"):
        decided(attempt(1, 1, paid="12.500,00"))


# --- InicioPago ------------------------------------------------------------------------------------


def checkout_request(**changes: Any) -> CheckoutRequest:
    values: dict[str, Any] = {
        "reference": "1767225600000123456", "amount": 2000050, "currency": "COP",
        "description": "Pago | facturas; FV-1001", "buyer_email": "ana@example.com", "buyer_name": "Ana María Gómez",
        "response_url": "https://portal.example.com/pagos/resultado",
        "confirmation_url": "https://api.example.com/v1/gateways/zonavirtual/demo/callback",
        "buyer_tax_id": "900123456", "buyer_tax_id_type": "NIT", "buyer_phone": "300 123 4567",
    }
    return CheckoutRequest(**{**values, **changes})


def test_inicio_pago_sends_the_payment_and_redirects(http: FakeHttp) -> None:
    http.answer(200, {"int_codigo": 1, "str_cod_error": "", "str_descripcion_error": "",
                      "str_url": "https://www.zonapagos.com/t_Global32870/pago.asp?estado_pago=iniciar_pago&id=7804"})
    checkout = base.get("zonavirtual").start_checkout(CREDS, checkout_request(), URLS)
    assert checkout.method == "REDIRECT" and checkout.fields == {}
    assert checkout.url == "https://www.zonapagos.com/t_Global32870/pago.asp?estado_pago=iniciar_pago&id=7804"
    [(url, kwargs)] = http.calls
    assert url == "http://127.0.0.1:8002/zonavirtual/Apis_CicloPago/api/InicioPago"
    assert kwargs["timeout"] == (3.0, 10.0)
    body = kwargs["json"]
    assert body["InformacionPago"] == {
        "flt_total_con_iva": 20000.5, "flt_valor_iva": 0, "str_id_pago": "1767225600000123456",
        "str_descripcion_pago": "Pago facturas FV-1001", "str_email": "ana@example.com",
        "str_id_cliente": "900123456", "str_tipo_id": "3", "str_nombre_cliente": "Ana",
        "str_apellido_cliente": "María Gómez", "str_telefono_cliente": "300 123 4567", "str_opcional1": "",
        "str_opcional2": "", "str_opcional3": "", "str_opcional4": "", "str_opcional5": "",
    }
    assert body["InformacionSeguridad"] == {"int_id_comercio": 32870, "str_usuario": "Global32870",
                                            "str_clave": "s3cret-Clave*", "int_modalidad": -1}
    assert body["AdicionalesPago"] == []
    assert body["AdicionalesConfiguracion"] == [
        {"int_codigo": 50, "str_valor": "2701"},
        {"int_codigo": 104, "str_valor": "https://portal.example.com/pagos/resultado"}]


def test_whole_pesos_are_sent_as_an_integer_and_no_service_code_is_left_out(http: FakeHttp) -> None:
    http.answer(200, {"int_codigo": 1, "str_url": "http://127.0.0.1:8002/zonavirtual/pay/1"})
    creds = ZonaVirtualCredentials.from_json({"commerce_id": "32870", "user": "u", "password": "p"})
    base.get("zonavirtual").start_checkout(creds, checkout_request(amount=2000000, buyer_name="Acme"), URLS)
    body = http.calls[0][1]["json"]
    assert body["InformacionPago"]["flt_total_con_iva"] == 20000
    assert isinstance(body["InformacionPago"]["flt_total_con_iva"], int)
    assert (body["InformacionPago"]["str_nombre_cliente"], body["InformacionPago"]["str_apellido_cliente"]) == (
        "Acme", "")
    assert [item["int_codigo"] for item in body["AdicionalesConfiguracion"]] == [104]


@pytest.mark.parametrize("answer", [
    {"int_codigo": 2, "str_cod_error": "-1", "str_descripcion_error": "El id de pago ya existe", "str_url": ""},
    {"int_codigo": "2", "str_descripcion_error": "El id de pago ya existe"},
])
def test_a_refused_start_carries_the_gateways_message(http: FakeHttp, answer: dict[str, Any]) -> None:
    http.answer(200, answer)
    with pytest.raises(GatewayError, match="El id de pago ya existe") as caught:
        base.get("zonavirtual").start_checkout(CREDS, checkout_request(), URLS)
    assert not caught.value.retryable


@pytest.mark.parametrize("answer", [{"int_codigo": 1}, {"int_codigo": 1, "str_url": "7804C9E8E4736207"},
                                    {"int_codigo": "uno", "str_url": "https://x"}, ["not", "an", "object"]])
def test_an_answer_without_a_payment_url_is_a_gateway_error(http: FakeHttp, answer: Any) -> None:
    http.answer(200, answer)
    with pytest.raises(GatewayError):
        base.get("zonavirtual").start_checkout(CREDS, checkout_request(), URLS)


def test_http_failures_and_other_currencies(http: FakeHttp) -> None:
    http.answer(502, "Bad gateway")
    with pytest.raises(GatewayError, match="HTTP 502") as caught:
        base.get("zonavirtual").start_checkout(CREDS, checkout_request(), URLS)
    assert caught.value.retryable and "s3cret" not in str(caught.value)
    http.answers.append(requests.ReadTimeout("slow"))
    with pytest.raises(GatewayError, match="in time"):
        base.get("zonavirtual").start_checkout(CREDS, checkout_request(), URLS)
    with pytest.raises(ValueError, match="COP"):
        base.get("zonavirtual").start_checkout(CREDS, checkout_request(currency="USD"), URLS)


# --- references (issue 11: str_id_pago is short, plain digits) ----------------------------------------------


@given(slug=st.from_regex(r"[a-z0-9][a-z0-9-]{2,39}", fullmatch=True),
       moment=st.datetimes(min_value=datetime(2001, 9, 10), max_value=datetime(2250, 1, 1), timezones=st.just(UTC)))
def test_references_are_short_plain_digits_whatever_the_tenant(slug: str, moment: datetime) -> None:
    reference = base.get("zonavirtual").new_reference(slug, day=moment.date().isoformat(), now=moment)
    assert re.fullmatch(r"[1-9][0-9]{18}", reference), reference  # 19 digits, no leading zero
    assert len(reference) <= zonavirtual.ZonaVirtual.reference_limit == 30
    assert int(reference) < 2**63  # a signed 64-bit number, should Zona Pagos store it as one
    assert reference[:13] == str((moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1))
    checkout_request(reference=reference)  # a valid CheckoutRequest


def test_later_references_are_larger_and_two_at_one_instant_differ_by_their_random_digits() -> None:
    gateway, moment = base.get("zonavirtual"), datetime(2026, 1, 5, 15, 30, tzinfo=UTC)
    now = {gateway.new_reference("acme", day="2026-01-05", now=moment) for _ in range(50)}
    later = gateway.new_reference("acme", day="2026-01-05", now=moment + timedelta(milliseconds=1))
    assert len(now) > 1 and all(int(later) > int(reference) for reference in now)


def test_a_reference_over_thirty_characters_is_never_sent(http: FakeHttp) -> None:
    with pytest.raises(ValueError, match="30"):
        base.get("zonavirtual").start_checkout(CREDS, checkout_request(reference="9" * 31), URLS)
    assert http.calls == []


# --- InicioPago field limits (issue 11) ------------------------------------------------------------------


def inicio(**changes: Any) -> dict[str, Any]:
    info: dict[str, Any] = zonavirtual.inicio_pago_body(CREDS, checkout_request(**changes))["InformacionPago"]
    return info


def test_the_description_is_cut_to_seventy_characters_on_a_character_boundary() -> None:
    assert inicio(description="x" * 70)["str_descripcion_pago"] == "x" * 70
    assert inicio(description="Á" * 80)["str_descripcion_pago"] == "Á" * 70
    # a letter and its combining accent stay together: NFC composes "é", and a mark with no composed form
    # is never left behind alone
    assert inicio(description="x" * 69 + "e\u0301" + "y")["str_descripcion_pago"] == "x" * 69 + "é"
    assert inicio(description="x" * 69 + "q\u0301\u0302")["str_descripcion_pago"] == "x" * 69
    assert inicio(description="  ")["str_descripcion_pago"] == "1767225600000123456"  # never empty


@given(st.text(max_size=120))
def test_any_description_fits(text: str) -> None:
    sent = inicio(description=text)["str_descripcion_pago"]
    assert 1 <= len(sent) <= 70
    assert not set(sent) & set("|;\r\n\t") and sent == sent.strip()
    cleaned = " ".join(re.sub(r"[|;\x00-\x1f\x7f]", " ", unicodedata.normalize("NFC", text)).split())
    if sent != "1767225600000123456":  # the reference stands in for a description with nothing printable
        assert cleaned.startswith(sent)
        rest = cleaned[len(sent):]
        assert not rest or not unicodedata.combining(rest[0])


def test_an_email_over_seventy_characters_is_sent_empty_for_the_payer_to_type() -> None:
    fits = "a" * 58 + "@example.com"  # 70
    assert inicio(buyer_email=fits)["str_email"] == fits
    assert inicio(buyer_email="a" + fits)["str_email"] == ""
    assert inicio(buyer_email="ana;b@example.com")["str_email"] == ""  # not sendable as it is
    assert inicio(buyer_email="")["str_email"] == ""


@pytest.mark.parametrize(("kind", "code"), [("CC", "1"), ("CE", "2"), ("NIT", "3"), ("RUT", "3"), ("TI", "5"),
                                            ("PA", "6"), ("OTHER", ""), ("", "")])
def test_the_payers_tax_id_and_its_zona_pagos_type(kind: str, code: str) -> None:
    sent = inicio(buyer_tax_id="900123456-8", buyer_tax_id_type=kind)
    assert (sent["str_id_cliente"], sent["str_tipo_id"]) == ("900123456-8", code)
    assert inicio(buyer_tax_id="", buyer_tax_id_type="NIT")["str_tipo_id"] == ""  # no number, no type


@pytest.mark.parametrize(("name", "first", "last"), [
    ("Ana", "Ana", ""), ("Ana Gómez", "Ana", "Gómez"), ("Ana María Gómez", "Ana", "María Gómez"),
    ("Ana María Gómez Pérez", "Ana María", "Gómez Pérez"), ("  Juan   de la  Cruz ", "Juan", "de la Cruz"),
    ("María José de los Ríos Vélez", "María José", "de los Ríos Vélez"),
    ("Ana|María; Gómez", "Ana", "María Gómez"), ("", "", ""),
])
def test_names_are_split_into_first_and_last(name: str, first: str, last: str) -> None:
    sent = inicio(buyer_name=name)
    assert (sent["str_nombre_cliente"], sent["str_apellido_cliente"]) == (first, last)


def test_names_are_cut_to_their_fields_and_numbers_are_never_cut() -> None:
    sent = inicio(buyer_name=f"{'N' * 60} {'A' * 60}", buyer_phone="3" * 21, buyer_tax_id="9" * 21)
    assert (len(sent["str_nombre_cliente"]), len(sent["str_apellido_cliente"])) == (50, 50)
    # a cut phone or id would be someone else's: sent empty, the payer types it at the gateway
    assert (sent["str_telefono_cliente"], sent["str_id_cliente"], sent["str_tipo_id"]) == ("", "", "")
    assert inicio(buyer_phone="+57 300 123 4567")["str_telefono_cliente"] == "+57 300 123 4567"


# --- VerificacionPago ------------------------------------------------------------------------------


def verification(http: FakeHttp, answer: Any, expected: int | None = 1250000) -> base.GatewayStatus:
    http.answer(200, answer)
    return base.get("zonavirtual").query_status(CREDS, "demo-20250101-abcdefghij", URLS, expected_amount=expected)


def test_verification_posts_the_query(http: FakeHttp) -> None:
    status = verification(http, {"int_estado": 1, "int_error": 0, "str_detalle": "Pago(s) encontrado(s)",
                                 "int_cantidad_pagos": 2, "str_res_pago": REAL})
    assert (status.state, status.amount, status.cus) == ("approved", 1250000, "1468228")
    [(url, kwargs)] = http.calls
    assert url == "http://127.0.0.1:8002/zonavirtual/Apis_CicloPago/api/VerificacionPago"
    assert kwargs["json"] == {"int_id_comercio": 32870, "str_usr_comercio": "Global32870",
                              "str_pwd_Comercio": "s3cret-Clave*", "str_id_pago": "demo-20250101-abcdefghij",
                              "int_no_pago": -1}


def test_numbers_written_as_strings_are_read(http: FakeHttp) -> None:
    status = verification(http, {"int_estado": "1", "int_error": "00", "int_cantidad_pagos": "1",
                                 "str_res_pago": pse(1, 999)})
    assert (status.state, status.cus) == ("pending", "1468228")


@pytest.mark.parametrize("answer", [
    {"int_estado": 1, "int_error": 1, "str_detalle": "No se encontraron pagos", "int_cantidad_pagos": 0,
     "str_res_pago": ""},
    {"int_estado": 1, "int_error": 0, "int_cantidad_pagos": 0, "str_res_pago": None},
    {"int_estado": 1, "int_error": 0},
])
def test_zero_attempts_is_unknown(http: FakeHttp, answer: dict[str, Any]) -> None:
    status = verification(http, answer)
    assert status.state == "unknown" and status.amount is None


@pytest.mark.parametrize(("answer", "match"), [
    ({"int_estado": 0, "str_detalle": "Usuario o clave inválidos"}, "Usuario o clave"),
    ({"int_estado": 1, "int_error": 0, "int_cantidad_pagos": 1, "str_res_pago": "garbage"}, "str_res_pago"),
    ({"int_estado": 1, "int_error": 0, "int_cantidad_pagos": 2, "str_res_pago": ";"}, "listed none"),
    ({"int_estado": 1, "int_error": 3, "int_cantidad_pagos": 1, "str_res_pago": pse(1, 1)}, "error 3"),
    ({"int_estado": "yes"}, "unreadable"),
    ("text", "not JSON"),
])
def test_malformed_verifications_are_gateway_errors(http: FakeHttp, answer: Any, match: str) -> None:
    with pytest.raises(GatewayError, match=match):
        verification(http, answer)


# --- callback ----------------------------------------------------------------------------------------


def test_the_callback_only_names_a_reference() -> None:
    gateway = base.get("zonavirtual")
    assert gateway.callback_reference(CREDS, {"id_comercio": "32870", "id_pago": "demo-20250101-abcdefghij"}) == (
        "demo-20250101-abcdefghij")
    with pytest.raises(NotificationMismatch) as caught:
        gateway.callback_reference(CREDS, {"id_comercio": "11111", "id_pago": "demo-1"})
    assert caught.value.reason == "commerce"
    for params in ({"id_pago": "demo-1"}, {"id_comercio": "32870"}, {"id_comercio": "32870", "id_pago": "a|b"}):
        with pytest.raises(NotificationMismatch) as caught:
            gateway.callback_reference(CREDS, params)
        assert caught.value.reason == "malformed"
    with pytest.raises(NotImplementedError):
        gateway.verify_confirmation(CREDS, {})


# --- credentials and URLs --------------------------------------------------------------------------


def test_credentials_round_trip_and_never_show_the_password() -> None:
    assert ZonaVirtualCredentials.from_json(CREDS.to_json()) == CREDS
    assert CREDS.commerce_id == 32870 and CREDS.service_code == "2701"
    for shown in (repr(CREDS), str(CREDS), json.dumps(CREDS.redacted()), repr({"c": CREDS})):
        assert "s3cret-Clave*" not in shown
    assert "password" not in CREDS.redacted()


def test_bad_credentials_list_every_field() -> None:
    with pytest.raises(InvalidCredentials) as caught:
        ZonaVirtualCredentials.from_json({"commerce_id": "abc", "user": " ", "service_code": "x", "test": 1})
    assert set(caught.value.fields) == {"commerce_id", "user", "password", "service_code", "test"}
    assert ZonaVirtualCredentials.from_json({"commerce_id": 1, "user": "u", "password": "p",
                                             "service_code": ""}).service_code is None


def test_urls_default_to_zona_pagos() -> None:
    for test in (True, False):
        assert urls_for("zonavirtual", test, {}).base_url == "https://www.zonapagos.com/Apis_CicloPago/api"
    assert urls_for("zonavirtual", False, {"payu_checkout_url": "http://x"}).checkout_url is None
    assert zonavirtual.ZonaVirtual.name == "zonavirtual"

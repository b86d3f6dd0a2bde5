"""The JSON Reader: every problem collected by field path, unknown fields flagged, strict integers."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.records import read_account, read_document
from chalicelib.domain.validation import MAX_MINOR_UNITS, Reader, check_id


def fields_of(reader: Reader) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        reader.finish()
    assert caught.value.status == 422
    assert caught.value.code == "validation_failed"
    assert caught.value.details == {"fields": caught.value.fields}
    return caught.value.fields


# --- unknown fields ---------------------------------------------------------------------------------------------


def test_unknown_top_level_field_is_flagged() -> None:
    r = Reader({"name": "Ana", "nmae": "Ana"})
    assert r.text("name") == "Ana"
    assert fields_of(r) == {"nmae": "is not a known field"}


def test_unknown_nested_fields_are_flagged_by_path() -> None:
    r = Reader({"exec": {"name": "Eva", "nick": "E"}, "lines": [{"total": 1}, {"total": 2, "colour": "red"}]})
    executive = r.obj("exec")
    assert executive is not None
    executive.text("name")
    for line in r.items("lines"):
        line.integer("total")
    assert fields_of(r) == {"exec.nick": "is not a known field", "lines[1].colour": "is not a known field"}


def test_fields_read_but_absent_or_null_are_not_unknown() -> None:
    r = Reader({"name": None})
    assert r.text("name") is None
    assert r.text("phone") is None
    r.finish()


def test_non_strict_reader_ignores_unknown_fields() -> None:
    r = Reader({"name": "Ana", "extra": 1}, strict=False)
    r.text("name")
    r.finish()


def test_a_clean_reader_finishes_quietly() -> None:
    r = Reader({"name": "Ana", "total": 5})
    assert r.text("name") == "Ana"
    assert r.integer("total") == 5
    r.finish()


# --- paths and accumulation -------------------------------------------------------------------------------------


def test_nested_list_paths_name_the_item() -> None:
    r = Reader({"lines": [{"total": 10}, {"total": 10.5}, {"total": "x"}]})
    for line in r.items("lines"):
        line.integer("total", required=True)
    fields = fields_of(r)
    assert set(fields) == {"lines[1].total", "lines[2].total"}


def test_every_problem_is_reported_at_once() -> None:
    r = Reader({"name": 5, "total": 1.5, "due": "tomorrow", "extra": True})
    r.text("name", required=True)
    r.integer("total")
    r.date("due")
    r.text("missing", required=True)
    fields = fields_of(r)
    assert set(fields) == {"name", "total", "due", "missing", "extra"}
    assert fields["missing"] == "is required"


def test_first_problem_of_a_field_wins() -> None:
    r = Reader({})
    r.fail("name", "first")
    r.fail("name", "second")
    assert fields_of(r) == {"name": "first"}


def test_body_that_is_not_an_object() -> None:
    for body in ([1, 2], "text", 3, None):
        assert fields_of(Reader(body)) == {"body": "must be a JSON object"}


def test_nested_value_that_is_not_an_object_is_named() -> None:
    r = Reader({"address": "Calle 1"})
    r.obj("address")
    assert fields_of(r) == {"address": "must be a JSON object"}


def test_list_items_that_are_not_objects_are_named() -> None:
    r = Reader({"lines": [{"total": 1}, 7]})
    for line in r.items("lines"):
        line.integer("total")
    assert fields_of(r) == {"lines[1]": "must be a JSON object"}


def test_nested_finish_does_not_raise_only_the_root_does() -> None:
    r = Reader({"exec": {"bad": 1}})
    child = r.obj("exec")
    assert child is not None
    child.finish()  # no raise at a nested level
    assert fields_of(r) == {"exec.bad": "is not a known field"}


# --- integers ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1.0, 1.5, True, False, "10", [1], {"v": 1}])
def test_integers_reject_floats_bools_and_strings(value: Any) -> None:
    r = Reader({"total": value})
    assert r.integer("total") is None
    assert set(fields_of(r)) == {"total"}


@pytest.mark.parametrize("value", [0, 1, 123456789, MAX_MINOR_UNITS])
def test_integers_accept_whole_numbers(value: int) -> None:
    r = Reader({"total": value})
    assert r.integer("total", minimum=0) == value
    r.finish()


def test_integer_bounds() -> None:
    r = Reader({"a": -1, "b": MAX_MINOR_UNITS + 1, "c": 0})
    r.integer("a", minimum=0)
    r.integer("b")
    r.integer("c", minimum=1)
    fields = fields_of(r)
    assert set(fields) == {"a", "b", "c"}
    assert "at least 0" in fields["a"]


# --- other types ------------------------------------------------------------------------------------------------


def test_text_is_trimmed_and_blank_counts_as_missing() -> None:
    r = Reader({"name": "  Ana  ", "city": "   ", "required": "  "})
    assert r.text("name") == "Ana"
    assert r.text("city") is None
    assert r.text("required", required=True) is None
    assert fields_of(r) == {"required": "is required"}


def test_text_type_and_length() -> None:
    r = Reader({"a": 5, "b": "x" * 11})
    r.text("a")
    r.text("b", max_len=10)
    fields = fields_of(r)
    assert fields["a"] == "must be a string"
    assert "at most 10" in fields["b"]


def test_email_is_lowercased_and_checked() -> None:
    r = Reader({"ok": " Ana.Rojas@Cliente.TEST ", "bad": "ana@", "worse": "no at sign"})
    assert r.email("ok") == "ana.rojas@cliente.test"
    assert r.email("bad") is None
    assert r.email("worse") is None
    assert set(fields_of(r)) == {"bad", "worse"}


@pytest.mark.parametrize("value", ["2026-02-30", "2026-2-3", "03/02/2026", "2026-02-03T00:00:00", 20260203, True])
def test_dates_must_be_real_iso_dates(value: Any) -> None:
    r = Reader({"d": value})
    assert r.date("d") is None
    assert set(fields_of(r)) == {"d"}


def test_date_is_parsed() -> None:
    assert Reader({"d": "2026-02-28"}).date("d") == date(2026, 2, 28)


@pytest.mark.parametrize("value", ["true", 1, 0, None])
def test_booleans_are_only_true_or_false(value: Any) -> None:
    r = Reader({"flag": value})
    r.boolean("flag", required=True)
    assert set(fields_of(r)) == {"flag"}


def test_choice() -> None:
    r = Reader({"a": "NIT", "b": "nit"})
    assert r.choice("a", ("NIT", "CC")) == "NIT"
    assert r.choice("b", ("NIT", "CC")) is None
    assert r.choice("c", ("NIT", "CC"), default="CC") == "CC"
    assert set(fields_of(r)) == {"b"}


def test_items_must_be_a_bounded_list() -> None:
    r = Reader({"a": {"x": 1}, "b": [{}] * 3})
    assert r.items("a") == []
    assert r.items("b", max_items=2) == []
    fields = fields_of(r)
    assert fields["a"] == "must be a list"
    assert "at most 2" in fields["b"]


@pytest.mark.parametrize("value", ["acc-1", "A", "inv_2026.001", "x" * 64])
def test_ids_accepted(value: str) -> None:
    assert check_id(value) == value


@pytest.mark.parametrize("value", ["", "-acc", ".acc", "acc 1", "acc/1", "x" * 65, "acc#1", "ácc"])
def test_ids_refused_naming_the_field(value: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_id(value, "account_id")
    assert set(caught.value.fields) == {"account_id"}


# --- the records built on the reader ----------------------------------------------------------------------------


def invoice(**overrides: Any) -> dict[str, Any]:
    body = {"account_id": "acc-1", "number": "FV-1", "issue_date": "2026-03-01", "due_date": "2026-03-31",
            "currency": "COP", "total": 119000, "balance": 119000, "tax": 19000,
            "lines": [{"description": "Servicio", "quantity": 1, "unit_price": 100000, "total": 100000}]}
    body.update(overrides)
    return body


def test_invoice_line_total_is_named_by_path() -> None:
    lines = [{"description": "A", "quantity": 1, "unit_price": 100, "total": 100},
             {"description": "B", "quantity": 1.5, "unit_price": 100, "total": 150.0}]
    with pytest.raises(ValidationFailed) as caught:
        read_document("invoice", invoice(lines=lines))
    assert set(caught.value.fields) == {"lines[1].total"}


def test_invoice_rules() -> None:
    with pytest.raises(ValidationFailed) as caught:
        read_document("invoice", invoice(balance=119001, due_date="2026-02-28", total=119000))
    assert set(caught.value.fields) == {"balance", "due_date"}


def test_credit_note_applied_to_paths() -> None:
    body = {"account_id": "acc-1", "number": "NC-1", "issue_date": "2026-03-01", "currency": "COP", "total": 100,
            "applied_to": [{"invoice_id": "inv-1", "amount": 50}, {"invoice_id": "inv-2", "amount": 0.5},
                           {"invoice_id": "inv 3", "amount": 10, "note": "x"}]}
    with pytest.raises(ValidationFailed) as caught:
        read_document("credit_note", body)
    assert set(caught.value.fields) == {"applied_to[1].amount", "applied_to[2].invoice_id", "applied_to[2].note"}


def test_account_nit_is_checked_only_for_nits() -> None:
    base = {"name": "Cliente", "tax_id": "900123456-7"}
    with pytest.raises(ValidationFailed) as caught:
        read_account({**base, "tax_id_type": "NIT"}, default_currency="COP")
    assert set(caught.value.fields) == {"tax_id"}
    with pytest.raises(ValidationFailed):
        read_account(base, default_currency="COP")  # NIT is the default type
    account = read_account({**base, "tax_id_type": "CC"}, default_currency="COP")
    assert account["tax_id"] == "900123456-7"
    assert account["currency"] == "COP"


def test_display_filenames_lose_controls_quotes_and_slashes_and_keep_their_extension() -> None:
    from chalicelib.domain.attachments import MAX_FILENAME, display_filename

    assert display_filename('a"b/c\\d\x00e\r\n\u2028f.pdf') == "a_b_c_d_e_f.pdf"
    assert display_filename("comprobante ñandú.pdf") == "comprobante ñandú.pdf"
    long = display_filename("x" * 300 + ".jpeg")
    assert len(long) == MAX_FILENAME and long.endswith("x.jpeg")
    assert display_filename("../../") == "_.._"  # no separators survive
    assert display_filename("\x00") == "_"


def test_content_disposition_names_the_file_in_utf8_with_an_ascii_fallback() -> None:
    from chalicelib.store.files import content_disposition

    value = content_disposition('pago "ñ";.pdf')
    assert value == "attachment; filename=\"pago ____.pdf\"; filename*=UTF-8''pago%20%22%C3%B1%22%3B.pdf"

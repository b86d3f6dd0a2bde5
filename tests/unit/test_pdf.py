"""PDF renderings: a multi-page statement, the invoice representation, logos, determinism, and money written by
the set rule (tests/unit/test_money_format.py has the vectors themselves)."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from chalicelib.domain.money import format_money
from chalicelib.domain.pdf import render_invoice, render_statement

ROOT = Path(__file__).resolve().parents[2]
GENERATED_AT = "2026-11-23T14:00:00Z"
ACCOUNT = {
    "id": "eltornillo", "name": "Ferretería El Tornillo S.A.S.", "tax_id": "900123456-8", "tax_id_type": "NIT",
    "address": "Calle 15 # 10-20", "city": "Bogotá", "email": "contabilidad@eltornillo.example.com",
    "phone": "+57 601 555 0199",
    "account_executive": {"name": "Laura Restrepo", "email": "laura.restrepo@andina.example.com"},
}
TYPES = ("invoice", "credit_note", "debit_note", "receipt", "portal_payment")


# --- helpers -----------------------------------------------------------------------------------------


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    """A valid RGB PNG written by hand (no Pillow needed to make it)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes((11, 83, 148)) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def statement(movement_count: int = 120) -> dict[str, Any]:
    balance = opening = 1_000_000_00
    movements, debit_total, credit_total = [], 0, 0
    for index in range(movement_count):
        doc_type = TYPES[index % len(TYPES)]
        amount = (index * 7919 % 5_000_000 + 1) * 100 + (50 if index % 3 else 0)
        debit, credit = (amount, 0) if doc_type in ("invoice", "debit_note") else (0, amount)
        balance += debit - credit
        debit_total += debit
        credit_total += credit
        movements.append({
            "date": f"2026-{index // 12 + 1:02d}-{index % 28 + 1:02d}", "type": doc_type, "id": f"D-{index}",
            "number": f"DOC-{1000 + index}", "debit": debit, "credit": credit, "balance": balance,
            "description": "Pedido de ferretería" + (" con una descripción larga que ocupa varias líneas" * 2
                                                     if index % 9 == 0 else ""),
        })
    return {
        "account": ACCOUNT, "period": {"from": "2026-01-01", "to": "2026-10-31"}, "currency": "COP",
        "opening_balance": opening, "movements": movements, "totals": {"debit": debit_total, "credit": credit_total},
        "closing_balance": balance,
        "pending_documents": [
            {"id": "FV-1002", "number": "FV-1002", "issue_date": "2026-08-10", "due_date": "2026-09-09",
             "days_overdue": 52, "total": 175005000, "balance": 175005000},
        ],
        "generated_at": GENERATED_AT,
    }


INVOICE = {
    "id": "FV-1002", "number": "FV-1002", "issue_date": "2026-08-10", "due_date": "2026-09-09", "currency": "COP",
    "total": 175005000, "tax": 27942000, "balance": 75005000, "status": "pending", "days_overdue": 52,
    "description": "Pedido consolidado de agosto",
    "lines": [
        {"description": "Tornillo drywall 6x1 (caja × 1000)", "quantity": 12, "unit_price": 4_500_000,
         "total": 54_000_000},
        {"description": "Cinta métrica 5 m", "quantity": 2.5, "unit_price": 1_200_000, "total": 3_000_000},
    ],
    "salesperson": {"name": "Mateo Vélez"},
    "allocations": [{"type": "receipt", "id": "RC-501", "number": "RC-501", "date": "2026-09-01",
                     "amount": 100000000}],
}


def pages_text(pdf: bytes) -> list[str]:
    """Each page's text, with the no-break space between a currency sign and its number as a plain space."""
    return [page.extract_text().replace("\u00a0", " ") for page in PdfReader(io.BytesIO(pdf)).pages]


def image_count(pdf: bytes) -> int:
    count = 0
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources = page.get("/Resources") or {}
        xobjects = resources.get("/XObject") or {}
        count += sum(1 for ref in xobjects.values() if ref.get_object().get("/Subtype") == "/Image")
    return count


def shown(minor: int, *, cents: bool | None = None) -> str:
    """An amount as the PDF text reads (plain spaces, see pages_text)."""
    return format_money(minor, "COP", cents=cents).replace("\u00a0", " ")


def render(data: dict[str, Any], **overrides: Any) -> bytes:
    arguments = {"tenant_name": "Distribuidora Andina S.A.S.", "logo": None, "generated_at": GENERATED_AT}
    return render_statement(data, **{**arguments, **overrides})


# --- statement ---------------------------------------------------------------------------------------


def test_long_statement_spans_pages_with_numbers_headings_and_totals() -> None:
    data = statement(120)

    pdf = render(data)

    assert pdf.startswith(b"%PDF-")
    pages = pages_text(pdf)
    count = len(pages)
    assert count > 2
    text = "\n".join(pages)
    assert "Estado de cuenta" in pages[0]
    assert "Ferretería El Tornillo S.A.S." in pages[0]
    assert "900123456-8" in pages[0] and "Laura Restrepo" in pages[0]
    assert "1 ene 2026 – 31 oct 2026" in pages[0]
    # Its movements have cents, so every amount of the document shows two decimals.
    assert f"Saldo final: {shown(data['closing_balance'], cents=True)}" in text
    assert shown(data["totals"]["debit"], cents=True) in text
    assert shown(data["opening_balance"], cents=True) == "$ 1.000.000,00"
    assert "$ 1.000.000,00" in text
    assert "FV-1002" in text and "52" in text
    assert "DOC-1000" in pages[0] and "DOC-1119" in text
    for word in ("Factura", "Nota crédito", "Nota débito", "Recibo", "Pago en línea"):
        assert word in text
    for number, page in enumerate(pages, start=1):
        assert f"Página {number} de {count}" in page
        assert "Generado el 23 nov 2026, 14:00 UTC" in page
    # The movements table's heading comes back on every page that continues it.
    for page in pages[1:]:
        if "DOC-1" in page:
            assert "Fecha Tipo Número Descripción Débito Crédito Saldo" in page


def test_statement_in_english() -> None:
    pdf = render(statement(12), language="en")

    text = "\n".join(pages_text(pdf))
    assert "Account statement" in text
    assert "Page 1 of 1" in text
    assert "Closing balance" in text and "Online payment" in text and "Credit note" in text
    assert "Jan 1, 2026 – Oct 31, 2026" in text
    assert "COP 1,000,000.00" in text


def test_empty_statement_says_so() -> None:
    data = {**statement(0), "pending_documents": [], "opening_balance": 0, "closing_balance": 0,
            "totals": {"debit": 0, "credit": 0}}

    text = "\n".join(pages_text(render(data)))

    assert "Sin movimientos en el periodo." in text
    assert "No hay documentos pendientes." in text
    assert "Saldo final: $ 0" in text and ",00" not in text


def test_text_outside_the_core_fonts_is_replaced_not_fatal() -> None:
    data = statement(3)
    data["movements"][0]["description"] = "Łódź 🚚 “urgente” — ok\x00 {nb} " + "X" * 300
    data["account"] = {**ACCOUNT, "name": "Café Ñandú 中文"}

    text = "\n".join(pages_text(render(data)))

    assert "Café Ñandú ??" in text
    assert "?ódz ? “urgente” — ok {nb}" in text


def test_same_input_gives_the_same_bytes() -> None:
    data = statement(30)

    first = render(data, logo=tiny_png())
    second = render(data, logo=tiny_png())
    later = render(data, logo=tiny_png(), generated_at="2026-11-24T08:00:00-05:00")

    assert first == second
    assert later != first
    assert PdfReader(io.BytesIO(later)).metadata["/CreationDate"].startswith("D:20261124080000")


# --- logos -------------------------------------------------------------------------------------------


def test_png_logo_is_embedded() -> None:
    pdf = render(statement(3), logo=tiny_png())

    assert image_count(pdf) == 1


def test_jpeg_logo_is_embedded() -> None:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 10), (11, 83, 148)).save(buffer, "JPEG")

    assert image_count(render(statement(3), logo=buffer.getvalue())) == 1


@pytest.mark.parametrize("logo", [
    b"not an image at all",
    tiny_png()[:40],  # truncated
    b"<svg xmlns='http://www.w3.org/2000/svg'/>",  # fpdf2 would take this for an SVG
    b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",  # not PNG/JPEG
    b"",
])
def test_unreadable_logo_is_skipped(logo: bytes) -> None:
    pdf = render(statement(3), logo=logo)

    assert pdf.startswith(b"%PDF-")
    assert image_count(pdf) == 0
    assert "Distribuidora Andina S.A.S." in pages_text(pdf)[0]


# --- invoice -----------------------------------------------------------------------------------------


def test_invoice_representation_is_marked_and_has_its_lines() -> None:
    pdf = render_invoice(INVOICE, ACCOUNT, tenant_name="Distribuidora Andina S.A.S.", logo=tiny_png(),
                         generated_at=GENERATED_AT)

    assert pdf.startswith(b"%PDF-")
    text = "\n".join(pages_text(pdf))
    assert "Representación generada por el portal — no es la factura electrónica original" in text
    assert "Factura FV-1002" in text
    assert "Tornillo drywall 6x1 (caja × 1000)" in text and "Cinta métrica 5 m" in text
    # No amount of this invoice has cents: none shows decimals.
    assert "2,5" in text and "$ 540.000" in text and ",00" not in text
    assert "Total $ 1.750.050" in text and "$ 750.050" in text
    assert "Vencida hace 52 días" in text and "Mateo Vélez" in text
    assert "RC-501" in text and "Recibo" in text
    assert "Ferretería El Tornillo S.A.S." in text
    assert "Página 1 de 1" in text and "Generado el 23 nov 2026, 14:00 UTC" in text
    assert image_count(pdf) == 1


def test_an_invoice_whose_subtotal_has_cents_shows_cents_on_every_amount() -> None:
    # 3.120.000 with 19 % VAT included: subtotal 2.621.848,74 and tax 498.151,26 beside a whole total.
    invoice = {**INVOICE, "total": 312000000, "tax": 49815126, "balance": 312000000, "allocations": [],
               "lines": [{"description": "Pedido", "quantity": 1, "unit_price": 262184874, "total": 262184874}]}

    text = "\n".join(pages_text(render_invoice(invoice, ACCOUNT, tenant_name="Andina", logo=None,
                                               generated_at=GENERATED_AT)))

    assert "Subtotal $ 2.621.848,74" in text
    assert "$ 498.151,26" in text
    assert "Total $ 3.120.000,00" in text


def test_invoice_marker_on_every_page_and_in_english() -> None:
    many_lines = {**INVOICE, "lines": [{"description": f"Line {i}", "quantity": 1, "unit_price": 100, "total": 100}
                                       for i in range(150)]}

    pdf = render_invoice(many_lines, ACCOUNT, tenant_name="Andina", logo=None, generated_at=GENERATED_AT,
                         language="en")

    pages = pages_text(pdf)
    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        assert "Representation generated by the portal — not the original e-invoice" in page
        assert f"Page {number} of {len(pages)}" in page
    assert "Line 149" in pages[-1]


def test_minimal_invoice_renders() -> None:
    pdf = render_invoice({"number": "FV-1", "currency": "USD", "total": 12345, "balance": 0}, {"name": "Acme"},
                         tenant_name="Andina", logo=None, generated_at="not a date")

    text = "\n".join(pages_text(pdf))
    assert "USD 123,45" in text and "Pagada" in text and "Generado el not a date" in text


# --- import cost -------------------------------------------------------------------------------------


HEAVY = "{'fpdf', 'PIL', 'fontTools', 'chalicelib.domain.pdf'}"


def loaded_after(statement: str) -> str:
    probe = f"import sys; {statement}; print(sorted({HEAVY} & set(sys.modules)))"
    env = {**os.environ, "PORTICO_STAGE": "prod", "AWS_DEFAULT_REGION": "us-east-1"}
    run = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, check=True,  # noqa: S603  - our probe
                         capture_output=True, text=True)
    return run.stdout.strip().splitlines()[-1]


def test_module_does_not_import_fpdf_or_pillow() -> None:
    # fpdf2 costs ≈ 425 ms to import (DESIGN §8): only rendering may load it.
    assert loaded_after("import chalicelib.domain.pdf") == "['chalicelib.domain.pdf']"


def test_app_does_not_load_the_pdf_module_at_import() -> None:
    # A handler that renders PDFs imports chalicelib.domain.pdf inside its function, never at module level.
    assert loaded_after("import app") == "[]"


@pytest.mark.parametrize(("language", "method", "word"), [
    ("es-CO", "card", "Tarjeta"), ("es-CO", "pse", "PSE"), ("es-CO", "cash", "Efectivo"),
    ("es-CO", "bancolombia_button", "Botón Bancolombia"), ("es-CO", "zv-77", "Otro medio de pago"),
    ("en", "card", "Card"), ("en", "cash", "Cash"), ("en", "zv-77", "Other payment method"),
])
def test_the_receipt_names_the_payment_method_in_the_readers_language(language: str, method: str, word: str) -> None:
    """Issue 11, 16: no raw gateway words on the receipt ("Medio de pago CARD")."""
    from chalicelib.domain.pdf import render_receipt

    payment = {"id": "pay_1", "reference": "demo-20261123-k3j9x2ab7q", "gateway": "payu", "method": method,
               "amount": 150000, "currency": "COP", "items": [{"invoice_id": "FV-1", "number": "FV-1",
                                                                "amount": 150000}],
               "transaction_id": "tx-1", "cus": None, "bank": None, "final_at": "2026-11-23T15:00:00Z"}
    text = " ".join(pages_text(render_receipt(payment, ACCOUNT, tenant_name="Andina S.A.S.", logo=None,
                                         generated_at=GENERATED_AT, language=language)))
    label = "Medio de pago" if language == "es-CO" else "Payment method"
    assert f"{label} {word}" in " ".join(text.split())
    assert word == "PSE" or method.upper() not in text

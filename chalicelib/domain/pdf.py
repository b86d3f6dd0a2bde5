"""PDF renderings of the account statement and of an invoice: data in, bytes out, no I/O.

fpdf2 costs ≈ 425 ms to import (DESIGN §8), so it (and Pillow) is imported inside the render functions
only, and nothing that ``app.py`` imports at module level may import this module either: the handler that
renders a PDF imports it inside its function. The helpers are plain Python.

Amounts are written by :func:`chalicelib.domain.money.format_money`, and a document is one set: when any of
its amounts has cents, all of them show decimals (docs/decisions.md, "Money on screen, PDF and mail").

Output is deterministic for the same input (the PDF creation date comes from ``generated_at``), so a PDF
can be cached by the data it was made from. Text uses the PDF core fonts (Helvetica, WinAnsi/cp1252),
so it stays extractable; characters cp1252 lacks are replaced (accents dropped, else ``?``), never fatal.
"""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import UTC, date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from chalicelib.domain.money import ES_SEPARATORS, format_money, shows_cents

if TYPE_CHECKING:
    from fpdf import FPDF
    from fpdf.fonts import CoreFont
    from PIL.Image import Image

    class _Document(FPDF):
        """What :func:`_document_class` builds, as the type checker sees it (fpdf2 itself loads lazily)."""

        running_head: str
        marker: str
        stamp: str
        page_label: str
        body_top: float


# Part of every cached PDF's name (store/pdfs.py): raise it when the same data would print differently, so no
# file rendered by an older layout is served again. 2: money by the set rule instead of always with decimals.
# 3: the receipt names the payment method in the reader's words ("Tarjeta", not "CARD").
LAYOUT_VERSION = 3  # quotes and price lists (issue 13) print with the same layout version

_ENCODING = "cp1252"  # what fpdf2 declares for core fonts (WinAnsiEncoding); a superset of latin-1's letters
# Stands for the page count until the document is closed; fpdf2 reserves the width of as many digits as it
# has characters, so two. User text never contains it: _text() drops control characters, so a description
# cannot turn into a page number.
_PAGES_ALIAS = "\x7f\x7f"
_ISO_DATE = re.compile(r"\A([0-9]{4})-([0-9]{2})-([0-9]{2})\Z")
_FALLBACK_DATE = datetime(2000, 1, 1, tzinfo=UTC)  # creation date when generated_at cannot be read
_LOGO_MAX_PIXELS = 16_000_000  # a logo larger than this is refused before it is decoded
_LOGO_MAX_SIDE = 800  # px kept of a logo (≈ 45 mm at 450 dpi); larger ones are scaled down
_LOGO_BOX = (45.0, 16.0)  # mm: the most a logo takes on the page

_MONTHS = {
    "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}

_WORDS: dict[str, dict[str, str]] = {
    "es": {
        "statement": "Estado de cuenta",
        "invoice": "Factura",
        "marker": "Representación generada por el portal — no es la factura electrónica original",
        "customer": "Cliente",
        "tax_id": "{kind}",
        "tax_id_other": "Identificación",
        "address": "Dirección",
        "city": "Ciudad",
        "email": "Correo",
        "phone": "Teléfono",
        "executive": "Ejecutivo de cuenta",
        "summary": "Resumen",
        "period": "Periodo",
        "currency": "Moneda",
        "opening": "Saldo inicial",
        "total_debit": "Total débitos",
        "total_credit": "Total créditos",
        "closing": "Saldo final",
        "totals": "Totales",
        "movements": "Movimientos",
        "date": "Fecha",
        "type": "Tipo",
        "number": "Número",
        "description": "Descripción",
        "debit": "Débito",
        "credit": "Crédito",
        "balance": "Saldo",
        "no_movements": "Sin movimientos en el periodo.",
        "pending": "Documentos pendientes",
        "issue": "Emisión",
        "due": "Vencimiento",
        "days_overdue": "Días vencidos",
        "amount": "Valor",
        "no_pending": "No hay documentos pendientes.",
        "pending_total": "Total pendiente",
        "issue_date": "Fecha de emisión",
        "due_date": "Fecha de vencimiento",
        "salesperson": "Vendedor",
        "status": "Estado",
        "paid": "Pagada",
        "open": "Pendiente",
        "overdue": "Vencida hace {days} días",
        "overdue_one": "Vencida hace 1 día",
        "lines": "Detalle",
        "quantity": "Cantidad",
        "unit_price": "Valor unitario",
        "subtotal": "Subtotal",
        "tax": "Impuestos",
        "total": "Total",
        "balance_due": "Saldo pendiente",
        "case_report": "Informe de casos",
        "case_period": "Periodo",
        "case_total": "Casos abiertos en el periodo",
        "case_open": "Siguen abiertos",
        "case_closed": "Resueltos o cerrados",
        "case_rating": "Calificación promedio",
        "case_times": "Tiempos (horas)",
        "case_measure": "Medida",
        "case_average": "Promedio",
        "case_median": "Mediana",
        "case_first_response": "Primera respuesta",
        "case_resolution": "Resolución",
        "case_oldest": "Caso abierto más antiguo",
        "case_oldest_value": "{number}, hace {days} días",
        "case_by_status": "Por estado",
        "case_by_category": "Por categoría",
        "case_by_month": "Por mes",
        "case_month": "Mes",
        "case_opened": "Abiertos",
        "case_closed_month": "Cerrados",
        "case_count": "Casos",
        "case_status_new": "Nuevo",
        "case_status_assigned": "Asignado",
        "case_status_in_progress": "En proceso",
        "case_status_waiting_customer": "Esperando al cliente",
        "case_status_resolved": "Resuelto",
        "case_status_closed": "Cerrado",
        "receipt": "Comprobante de pago",
        "reference": "Referencia",
        "gateway": "Pasarela",
        "method": "Medio de pago",
        "method_card": "Tarjeta",
        "method_pse": "PSE",
        "method_cash": "Efectivo",
        "method_bancolombia_button": "Botón Bancolombia",
        "method_other": "Otro medio de pago",
        "transaction": "Transacción",
        "cus": "CUS (PSE)",
        "bank": "Banco",
        "approved_at": "Aprobado el",
        "paid_invoices": "Facturas pagadas",
        "amount_paid": "Valor pagado",
        "allocations": "Pagos y notas aplicados",
        "page": "Página {page} de {pages}",
        "generated": "Generado el {when}",
        "invoice_type": "Factura",
        "credit_note_type": "Nota crédito",
        "debit_note_type": "Nota débito",
        "receipt_type": "Recibo",
        "portal_payment_type": "Pago en línea",
        "quote": "Cotización",
        "quote_marker": "Representación generada por el portal — la cotización original es la que envió {tenant}",
        "valid_until": "Válida hasta",
        "tax_rate": "IVA",
        "discount": "Descuento",
        "notes": "Notas",
        "terms": "Condiciones",
        "accepted_by": "Aceptada por {name} el {when} (IP {ip})",
        "rejected_by": "Rechazada por {name} el {when}: {reason}",
        "price_list": "Lista de precios",
        "price_list_lists": "Listas",
        "sku": "Referencia",
        "product": "Producto",
        "unit": "Unidad",
        "from_qty": "Desde",
        "prices_before_tax": "Precios antes de impuestos, en {currency}.",
        "no_prices": "No hay productos con precio para tu cuenta.",
        "status_sent": "Vigente",
        "status_accepted": "Aceptada",
        "status_rejected": "Rechazada",
        "status_expired": "Vencida",
        "status_cancelled": "Anulada",
    },
    "en": {
        "statement": "Account statement",
        "invoice": "Invoice",
        "marker": "Representation generated by the portal — not the original e-invoice",
        "customer": "Customer",
        "tax_id": "Tax ID ({kind})",
        "tax_id_other": "Tax ID",
        "address": "Address",
        "city": "City",
        "email": "Email",
        "phone": "Phone",
        "executive": "Account executive",
        "summary": "Summary",
        "period": "Period",
        "currency": "Currency",
        "opening": "Opening balance",
        "total_debit": "Total debits",
        "total_credit": "Total credits",
        "closing": "Closing balance",
        "totals": "Totals",
        "movements": "Movements",
        "date": "Date",
        "type": "Type",
        "number": "Number",
        "description": "Description",
        "debit": "Debit",
        "credit": "Credit",
        "balance": "Balance",
        "no_movements": "No movements in the period.",
        "pending": "Pending documents",
        "issue": "Issued",
        "due": "Due",
        "days_overdue": "Days overdue",
        "amount": "Amount",
        "no_pending": "No pending documents.",
        "pending_total": "Total pending",
        "issue_date": "Issue date",
        "due_date": "Due date",
        "salesperson": "Salesperson",
        "status": "Status",
        "paid": "Paid",
        "open": "Pending",
        "overdue": "Overdue by {days} days",
        "overdue_one": "Overdue by 1 day",
        "lines": "Lines",
        "quantity": "Quantity",
        "unit_price": "Unit price",
        "subtotal": "Subtotal",
        "tax": "Tax",
        "total": "Total",
        "balance_due": "Balance due",
        "case_report": "Case report",
        "case_period": "Period",
        "case_total": "Cases opened in the period",
        "case_open": "Still open",
        "case_closed": "Resolved or closed",
        "case_rating": "Average rating",
        "case_times": "Times (hours)",
        "case_measure": "Measure",
        "case_average": "Average",
        "case_median": "Median",
        "case_first_response": "First response",
        "case_resolution": "Resolution",
        "case_oldest": "Oldest open case",
        "case_oldest_value": "{number}, {days} days ago",
        "case_by_status": "By status",
        "case_by_category": "By category",
        "case_by_month": "By month",
        "case_month": "Month",
        "case_opened": "Opened",
        "case_closed_month": "Closed",
        "case_count": "Cases",
        "case_status_new": "New",
        "case_status_assigned": "Assigned",
        "case_status_in_progress": "In progress",
        "case_status_waiting_customer": "Waiting for the customer",
        "case_status_resolved": "Resolved",
        "case_status_closed": "Closed",
        "receipt": "Payment receipt",
        "reference": "Reference",
        "gateway": "Gateway",
        "method": "Payment method",
        "method_card": "Card",
        "method_pse": "PSE",
        "method_cash": "Cash",
        "method_bancolombia_button": "Bancolombia button",
        "method_other": "Other payment method",
        "transaction": "Transaction",
        "cus": "CUS (PSE)",
        "bank": "Bank",
        "approved_at": "Approved on",
        "paid_invoices": "Invoices paid",
        "amount_paid": "Amount paid",
        "allocations": "Payments and notes applied",
        "page": "Page {page} of {pages}",
        "generated": "Generated on {when}",
        "invoice_type": "Invoice",
        "credit_note_type": "Credit note",
        "debit_note_type": "Debit note",
        "receipt_type": "Receipt",
        "portal_payment_type": "Online payment",
        "quote": "Quote",
        "quote_marker": "Representation generated by the portal — the original quote is the one {tenant} sent",
        "valid_until": "Valid until",
        "tax_rate": "VAT",
        "discount": "Discount",
        "notes": "Notes",
        "terms": "Terms",
        "accepted_by": "Accepted by {name} on {when} (IP {ip})",
        "rejected_by": "Rejected by {name} on {when}: {reason}",
        "price_list": "Price list",
        "price_list_lists": "Lists",
        "sku": "SKU",
        "product": "Product",
        "unit": "Unit",
        "from_qty": "From",
        "prices_before_tax": "Prices before tax, in {currency}.",
        "no_prices": "No products have a price for your account.",
        "status_sent": "Open",
        "status_accepted": "Accepted",
        "status_rejected": "Rejected",
        "status_expired": "Expired",
        "status_cancelled": "Cancelled",
    },
}

# Colours (RGB): text, muted text, rules, table headings, alternate rows, the representation marker.
_INK = (33, 37, 41)
_MUTED = (108, 117, 125)
_RULE = (190, 197, 204)
_HEADING_FILL = (226, 232, 240)
_ZEBRA = (246, 248, 250)
_MARKER = (156, 39, 6)


# --- words and numbers -------------------------------------------------------------------------------


def _lang(language: str) -> str:
    return "en" if (language or "").lower().startswith("en") else "es"


def _money(value: object, currency: str, language: str, *, cents: bool, blank_zero: bool = False) -> str:
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    if blank_zero and value == 0:
        return ""
    return format_money(int(value), currency, language=language, cents=cents)


def _quantity(value: object, language: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _text(value)
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.4f}".rstrip("0").rstrip(".")
    return text if _lang(language) == "en" else text.translate(ES_SEPARATORS)


def _date(value: object, language: str) -> str:
    """``2026-11-23`` → ``23 nov 2026`` / ``Nov 23, 2026`` (UI.md); anything else as it came."""
    text = _text(value)
    match = _ISO_DATE.fullmatch(text)
    try:
        day = date(*map(int, match.groups())) if match else None
    except ValueError:  # 2026-02-30
        day = None
    if day is None:
        return text
    month = _MONTHS[_lang(language)][day.month - 1]
    return f"{month} {day.day}, {day.year}" if _lang(language) == "en" else f"{day.day} {month} {day.year}"


def _instant(generated_at: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(generated_at.strip())
    except (AttributeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _generated_stamp(generated_at: str, language: str) -> str:
    """``2026-11-23T14:00:00Z`` → ``23 nov 2026, 14:00 UTC``, in the offset the caller gave."""
    moment = _instant(generated_at)
    if moment is None:
        return _text(generated_at)
    offset = moment.utcoffset()
    zone = "UTC"
    if offset:
        minutes = int(offset.total_seconds()) // 60
        zone += f"{'+' if minutes > 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return f"{_date(moment.date().isoformat(), language)}, {moment:%H:%M} {zone}"


def _text(value: object) -> str:
    """Any value as text the core fonts can show: cp1252, no control characters."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value)).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    try:
        text.encode(_ENCODING)
    except UnicodeEncodeError:
        pass
    else:
        if text.replace("\n", "").isprintable():
            return text
    return "".join(_safe_char(c) for c in text)


def _safe_char(char: str) -> str:
    if char == "\n":
        return char
    if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn"):
        return ""
    try:
        char.encode(_ENCODING)
    except UnicodeEncodeError:
        pass
    else:
        return char
    # "ő" → "o", "ﬁ" → "fi", "２" → "2"; what still does not fit becomes "?".
    kept = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    try:
        kept.encode(_ENCODING)
    except UnicodeEncodeError:
        return "?"
    return kept or "?"


def _creation_date(generated_at: str) -> datetime:
    moment = _instant(generated_at)
    return (moment or _FALLBACK_DATE).replace(microsecond=0)


def _person_name(person: object) -> str:
    """A person's name, and their email on a second line when known."""
    if isinstance(person, dict):
        return "\n".join(_text(p) for p in (person.get("name"), person.get("email")) if p)
    return _text(person)


def _name_of(person: object) -> str:
    return _text(person.get("name")) if isinstance(person, dict) else _text(person)


def _type_word(doc_type: object, words: dict[str, str]) -> str:
    return words.get(f"{doc_type}_type", _text(doc_type))


# --- images ------------------------------------------------------------------------------------------


def _logo_image(logo: bytes | None) -> tuple[io.BytesIO | Image, int, int] | None:
    """The logo as something fpdf2 can place, with its pixel size; None when absent or unreadable.

    Only PNG and JPEG, decoded here first, so that fpdf2 never sees anything it could choke on (it would
    take bytes starting with ``<svg`` for an SVG, for example).
    """
    if not logo:
        return None
    from PIL import Image, UnidentifiedImageError  # lazy: keeps import app fast

    try:
        image = Image.open(io.BytesIO(logo), formats=("PNG", "JPEG"))
        width, height = image.size
        if width < 1 or height < 1 or width * height > _LOGO_MAX_PIXELS:
            return None
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
        return None
    if image.format == "JPEG" and image.mode in ("RGB", "L", "CMYK") and max(width, height) <= _LOGO_MAX_SIDE:
        return io.BytesIO(logo), width, height  # fpdf2 embeds the JPEG as it is
    normalized = _normalized(image)
    return normalized, *normalized.size


def _normalized(image: Image) -> Image:
    """A Pillow image in a mode fpdf2 handles, at most _LOGO_MAX_SIDE pixels a side."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    image = image.convert("RGBA" if has_alpha else "RGB")
    if max(image.size) > _LOGO_MAX_SIDE:
        image.thumbnail((_LOGO_MAX_SIDE, _LOGO_MAX_SIDE))
    return image


# --- the document ------------------------------------------------------------------------------------


@cache
def _document_class() -> type[_Document]:
    from fpdf import FPDF  # lazy: keeps import app fast

    class Document(FPDF):
        """A4 portrait with a running head from the second page on, page numbers and the generated stamp."""

        running_head = ""
        marker = ""
        stamp = ""
        page_label = ""
        body_top = 0.0  # where the page's content starts, below the header

        def header(self) -> None:
            if self.marker:
                _marker_box(self, self.marker)
            if self.page_no() > 1 and self.running_head:
                self.set_font("helvetica", "", 7.5)
                self.set_text_color(*_MUTED)
                self.cell(0, 4, self.running_head, new_x="LMARGIN", new_y="NEXT")
                self.set_draw_color(*_RULE)
                self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
                self.ln(3)
            self.set_text_color(*_INK)
            self.body_top = self.get_y()

        def footer(self) -> None:
            self.set_y(-12)
            self.set_draw_color(*_RULE)
            self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
            self.ln(1.5)
            self.set_font("helvetica", "", 7.5)
            self.set_text_color(*_MUTED)
            half = self.epw / 2
            self.cell(half, 4, self.stamp)
            self.cell(half, 4, self.page_label.format(page=self.page_no(), pages=_PAGES_ALIAS), align="R")
            self.set_text_color(*_INK)

    # The same class as _Document declares; a cast because that declaration exists for the type checker only.
    return cast("type[_Document]", Document)


def _new_document(*, title: str, tenant_name: str, generated_at: str, language: str,
                  words: dict[str, str]) -> _Document:
    pdf = _document_class()(orientation="P", unit="mm", format="A4")
    pdf.core_fonts_encoding = _ENCODING
    pdf.set_creation_date(_creation_date(generated_at))
    pdf.set_title(title)
    pdf.set_author(_text(tenant_name))
    pdf.set_lang("en" if _lang(language) == "en" else "es-CO")
    pdf.set_margins(15, 14, 15)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.alias_nb_pages(_PAGES_ALIAS)
    pdf.stamp = words["generated"].format(when=_generated_stamp(generated_at, language))
    pdf.page_label = words["page"]
    return pdf


def _marker_box(pdf: FPDF, text: str) -> None:
    pdf.set_font("helvetica", "B", 8.5)
    pdf.set_text_color(*_MARKER)
    pdf.set_draw_color(*_MARKER)
    pdf.multi_cell(0, 5, text, border=1, align="C", new_x="LMARGIN", new_y="NEXT", padding=(1, 2))
    pdf.ln(2)
    pdf.set_text_color(*_INK)


def _letterhead(pdf: FPDF, *, tenant_name: str, logo: bytes | None, title: str) -> None:
    """Logo and tenant name, then the document's title."""
    top = pdf.get_y()
    placed = _logo_image(logo)
    text_x = pdf.l_margin
    if placed is not None:
        image, width_px, height_px = placed
        box_w, box_h = _LOGO_BOX
        scale = min(box_w / width_px, box_h / height_px)
        width, height = width_px * scale, height_px * scale
        pdf.image(image, x=pdf.l_margin, y=top, w=width, h=height)
        text_x += width + 4
        bottom = top + height
    else:
        bottom = top
    pdf.set_xy(text_x, top)
    pdf.set_font("helvetica", "B", 13)
    pdf.multi_cell(pdf.w - pdf.r_margin - text_x, 6, _text(tenant_name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(pdf.get_y(), bottom) + 3)
    pdf.set_font("helvetica", "B", 16)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _section_title(pdf: FPDF, text: str) -> None:
    if pdf.will_page_break(20):  # keep a title with at least the first rows of what it introduces
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font("helvetica", "B", 10.5)
    pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


# A cell of a grid: its text, how many columns it spans, and its style ("" plain, "B" bold, "label").
_Cell = tuple[str, int, str]
_FONT_SIZE = 7.5  # pt, tables
_LINE = 3.6  # mm a text line takes in a table
_PAD_X, _PAD_Y = 1.2, 0.9  # mm inside each cell


def _plain(texts: list[str], style: str = "") -> list[_Cell]:
    return [(text, 1, style) for text in texts]


def _set_style(pdf: FPDF, style: str, size: float = _FONT_SIZE) -> None:
    pdf.set_font("helvetica", "B" if style in ("B", "label") else "", size)
    pdf.set_text_color(*(_MUTED if style == "label" else _INK))


def _width(pdf: FPDF, text: str) -> float:
    """Width in mm of text in the current core font: what get_string_width gives, without its per-call
    fragment machinery, which dominated the time of a long statement."""
    # Only core fonts are ever set (helvetica), so the current font is a CoreFont: its widths are by character.
    widths = cast("CoreFont", pdf.current_font).cw
    return sum(widths[c] for c in pdf.normalize_text(text)) * pdf.font_size_pt * 0.001 / pdf.k


def _wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """Greedy word wrap; a word wider than the column is cut where it must be."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if _width(pdf, candidate) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            *pieces, line = _cut(pdf, word, width)
            lines += pieces
        lines.append(line)
    return lines


def _cut(pdf: FPDF, word: str, width: float) -> list[str]:
    """A word in pieces that each fit ``width`` (at least one character a piece)."""
    pieces = []
    while len(word) > 1 and _width(pdf, word) > width:
        cut = len(word) - 1
        while cut > 1 and _width(pdf, word[:cut]) > width:
            cut -= 1
        pieces.append(word[:cut])
        word = word[cut:]
    return [*pieces, word]


_Placed = tuple[float, float, str, list[str], str]  # x, width, alignment, wrapped lines, style


class _Grid:
    """A table drawn directly (fpdf2's own tables break lines character by character: ≈ 5 ms a row).

    Rows never split across pages; the heading row, if any, goes on top of every page the grid has rows
    on. ``widths`` are in mm; ``aligns`` "L" or "R" per column.
    """

    def __init__(self, pdf: _Document, widths: list[float], aligns: tuple[str, ...], *,
                 heading: list[str] | None = None, zebra: bool = False, size: float = _FONT_SIZE) -> None:
        self.pdf, self.widths, self.aligns = pdf, widths, aligns
        self.zebra, self.size, self.count = zebra, size, 0
        self.line = _LINE * size / _FONT_SIZE
        self.heading = self._layout(_plain(heading, "B")) if heading else None
        self.heading_page = 0

    def row(self, cells: list[_Cell], *, fill: tuple[int, int, int] | None = None) -> None:
        pdf = self.pdf
        self.count += 1
        if fill is None and self.zebra and self.count % 2 == 0:
            fill = _ZEBRA
        placed = self._layout(cells)
        needed = self._height(placed)
        if self.heading and self.heading_page != pdf.page:
            needed += self._height(self.heading)
        # A row taller than a page goes where it is rather than after blank pages.
        if pdf.y + needed > pdf.page_break_trigger and pdf.y > pdf.body_top + 0.01:
            pdf.add_page()
        if self.heading and self.heading_page != pdf.page:
            self._paint(self.heading, fill=_HEADING_FILL, rule=True)
            self.heading_page = pdf.page
        self._paint(placed, fill=fill)

    def _layout(self, cells: list[_Cell]) -> list[_Placed]:
        placed, x, column = [], self.pdf.l_margin, 0
        for text, span, style in cells:
            width = sum(self.widths[column:column + span])
            _set_style(self.pdf, style, self.size)
            lines = _wrap(self.pdf, text, width - 2 * _PAD_X) if text else []
            placed.append((x, width, self.aligns[column] if span == 1 else "L", lines, style))
            x += width
            column += span
        return placed

    def _height(self, placed: list[_Placed]) -> float:
        return max(1, *(len(lines) for *_, lines, _ in placed)) * self.line + 2 * _PAD_Y

    def _paint(self, placed: list[_Placed], *, fill: tuple[int, int, int] | None, rule: bool = False) -> None:
        pdf = self.pdf
        top, height, width = pdf.y, self._height(placed), sum(self.widths)
        if fill:
            pdf.set_fill_color(*fill)
            pdf.rect(pdf.l_margin, top, width, height, style="F")
        font_mm = self.size / pdf.k
        for x, cell_width, align, lines, style in placed:
            _set_style(pdf, style, self.size)
            for index, line in enumerate(lines):
                offset = _PAD_X if align == "L" else cell_width - _PAD_X - _width(pdf, line)
                baseline = top + _PAD_Y + index * self.line + (self.line + font_mm * 0.7) / 2
                pdf.text(x + offset, baseline, line)
        if rule:
            pdf.set_draw_color(*_RULE)
            pdf.line(pdf.l_margin, top + height, pdf.l_margin + width, top + height)
        pdf.set_text_color(*_INK)
        pdf.set_xy(pdf.l_margin, top + height)


def _key_values(pdf: _Document, pairs: list[tuple[str, str]], *, bold_last: bool = False) -> None:
    """Label/value pairs, two pairs a line; empty values are left out."""
    pairs = [(label, value) for label, value in pairs if value]
    tenth = pdf.epw / 10
    grid = _Grid(pdf, [tenth * 1.7, tenth * 3.3, tenth * 1.7, tenth * 3.3], ("L",) * 4, size=8.5)
    for start in range(0, len(pairs), 2):
        cells: list[_Cell] = []
        for label, value in pairs[start:start + 2]:
            last = bold_last and (label, value) == pairs[-1]
            cells += [(label, 1, "label"), (value, 1, "B" if last else "")]
        grid.row(cells)


def _data_table(pdf: _Document, headings: list[str], rows: list[list[str]], *, aligns: tuple[str, ...],
                flexible: int, footer: list[tuple[str, int]] | None = None) -> None:
    """A zebra table whose columns fit their widest content, except column ``flexible``, which takes the
    rest of the page width; ``footer`` is a bold last row of (text, columns spanned)."""
    widths = []
    footer_by_column: dict[int, str] = {}
    column = 0
    for text, span in footer or []:
        if span == 1:
            footer_by_column[column] = text
        column += span
    for index, heading in enumerate(headings):
        _set_style(pdf, "B")
        widest = max(_width(pdf, heading), _width(pdf, footer_by_column.get(index, "")))
        _set_style(pdf, "")
        for row in rows:
            widest = max(widest, *(_width(pdf, line) for line in row[index].split("\n")))
        widths.append(widest + 2 * _PAD_X + 0.3)
    widths[flexible] = max(pdf.epw - (sum(widths) - widths[flexible]), 25.0)
    grid = _Grid(pdf, widths, aligns, heading=headings, zebra=True)
    for row in rows:
        grid.row(_plain(row))
    if footer:
        grid.row([(text, span, "B") for text, span in footer], fill=_HEADING_FILL)


# --- statement ---------------------------------------------------------------------------------------


def render_statement(statement: dict[str, Any], *, tenant_name: str, logo: bytes | None, generated_at: str,
                     language: str = "es-CO") -> bytes:
    """The account statement PDF from the JSON of ``GET /v1/portal/statement`` (docs/api.md, Billing)."""
    words = _WORDS[_lang(language)]
    account = statement.get("account") or {}
    currency = _text(statement.get("currency"))
    period = statement.get("period") or {}
    title = words["statement"]
    pdf = _new_document(title=f"{title} — {_text(account.get('name'))}", tenant_name=tenant_name,
                        generated_at=generated_at, language=language, words=words)
    pdf.running_head = " · ".join(t for t in (_text(tenant_name), title, _text(account.get("name"))) if t)
    pdf.add_page()
    _letterhead(pdf, tenant_name=tenant_name, logo=logo, title=title)
    _account_block(pdf, account, words)

    totals = statement.get("totals") or {}
    movements = statement.get("movements") or []
    pending = statement.get("pending_documents") or []
    cents = shows_cents([statement.get("opening_balance"), statement.get("closing_balance"), *totals.values(),
                         *(m.get(k) for m in movements for k in ("debit", "credit", "balance")),
                         *(d.get(k) for d in pending for k in ("total", "balance"))], currency)

    def money(value: object, *, blank_zero: bool = False) -> str:
        return _money(value, currency, language, cents=cents, blank_zero=blank_zero)

    _section_title(pdf, words["summary"])
    _key_values(pdf, [
        (words["period"], f"{_date(period.get('from'), language)} – {_date(period.get('to'), language)}"),
        (words["currency"], currency),
        (words["opening"], money(statement.get("opening_balance"))),
        (words["total_debit"], money(totals.get("debit"))),
        (words["total_credit"], money(totals.get("credit"))),
        (words["closing"], money(statement.get("closing_balance"))),
    ], bold_last=True)

    _section_title(pdf, words["movements"])
    rows = [[_date(period.get("from"), language), "", "", words["opening"], "", "",
             money(statement.get("opening_balance"))]]
    rows += [[_date(m.get("date"), language), _type_word(m.get("type"), words), _text(m.get("number")),
              _text(m.get("description")), money(m.get("debit"), blank_zero=True),
              money(m.get("credit"), blank_zero=True), money(m.get("balance"))] for m in movements]
    if not movements:
        rows.append(["", "", "", words["no_movements"], "", "", ""])
    _data_table(
        pdf,
        [words["date"], words["type"], words["number"], words["description"], words["debit"], words["credit"],
         words["balance"]],
        rows,
        aligns=("L", "L", "L", "L", "R", "R", "R"),
        flexible=3,
        footer=[(words["totals"], 4), (money(totals.get("debit")), 1), (money(totals.get("credit")), 1),
                (money(statement.get("closing_balance")), 1)],
    )
    pdf.ln(2)
    pdf.set_font("helvetica", "B", 10)
    pdf.cell(0, 6, f"{words['closing']}: {money(statement.get('closing_balance'))}", align="R",
             new_x="LMARGIN", new_y="NEXT")

    _section_title(pdf, words["pending"])
    if pending:
        _data_table(
            pdf,
            [words["number"], words["issue"], words["due"], words["days_overdue"], words["amount"], words["balance"]],
            [[_text(d.get("number")), _date(d.get("issue_date"), language), _date(d.get("due_date"), language),
              _text(d.get("days_overdue")), money(d.get("total")), money(d.get("balance"))] for d in pending],
            aligns=("L", "L", "L", "R", "R", "R"),
            flexible=0,
            footer=[(words["pending_total"], 5),
                    (money(sum(d["balance"] for d in pending if isinstance(d.get("balance"), int))), 1)],
        )
    else:
        pdf.set_font("helvetica", "", 8.5)
        pdf.cell(0, 5, words["no_pending"], new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _account_block(pdf: _Document, account: dict[str, Any], words: dict[str, str]) -> None:
    kind = _text(account.get("tax_id_type")) or "NIT"
    pdf.set_font("helvetica", "B", 11)
    pdf.multi_cell(0, 6, _text(account.get("name")), new_x="LMARGIN", new_y="NEXT")
    _key_values(pdf, [
        (words["tax_id_other"] if kind == "OTHER" else words["tax_id"].format(kind=kind), _text(account.get("tax_id"))),
        (words["address"], _text(account.get("address"))),
        (words["city"], _text(account.get("city"))),
        (words["email"], _text(account.get("email"))),
        (words["phone"], _text(account.get("phone"))),
        (words["executive"], _person_name(account.get("account_executive"))),
    ])


# --- invoice -----------------------------------------------------------------------------------------


def render_invoice(invoice: dict[str, Any], account: dict[str, Any], *, tenant_name: str, logo: bytes | None,
                   generated_at: str, language: str = "es-CO") -> bytes:
    """A PDF representation of an invoice from its data (the JSON of ``GET /v1/portal/invoices/{id}``).

    Every page says, at the top, that it is the portal's representation and not the original e-invoice.
    """
    words = _WORDS[_lang(language)]
    currency = _text(invoice.get("currency"))
    number = _text(invoice.get("number"))
    title = f"{words['invoice']} {number}".strip()
    pdf = _new_document(title=title, tenant_name=tenant_name, generated_at=generated_at, language=language,
                        words=words)
    pdf.marker = words["marker"]
    pdf.running_head = " · ".join(t for t in (_text(tenant_name), title, _text(account.get("name"))) if t)
    pdf.add_page()
    _letterhead(pdf, tenant_name=tenant_name, logo=logo, title=title)

    lines = invoice.get("lines") or []
    allocations = invoice.get("allocations") or []
    cents = shows_cents([invoice.get("total"), invoice.get("tax"), invoice.get("balance"),
                         *(line.get(k) for line in lines for k in ("unit_price", "total")),
                         *(a.get("amount") for a in allocations)], currency)

    def money(value: object) -> str:
        return _money(value, currency, language, cents=cents)

    _key_values(pdf, [
        (words["issue_date"], _date(invoice.get("issue_date"), language)),
        (words["due_date"], _date(invoice.get("due_date"), language)),
        (words["currency"], currency),
        (words["status"], _status(invoice, words)),
        (words["salesperson"], _name_of(invoice.get("salesperson"))),
    ])
    _section_title(pdf, words["customer"])
    _account_block(pdf, account, words)
    if invoice.get("description"):
        _section_title(pdf, words["description"])
        pdf.set_font("helvetica", "", 8.5)
        pdf.multi_cell(0, 4.5, _text(invoice.get("description")), new_x="LMARGIN", new_y="NEXT")

    if lines:
        _section_title(pdf, words["lines"])
        _data_table(
            pdf,
            [words["description"], words["quantity"], words["unit_price"], words["total"]],
            [[_text(line.get("description")), _quantity(line.get("quantity"), language),
              money(line.get("unit_price")), money(line.get("total"))] for line in lines],
            aligns=("L", "R", "R", "R"),
            flexible=0,
        )
    pdf.ln(2)
    total, tax = invoice.get("total"), invoice.get("tax")
    summary = []
    if isinstance(total, int) and isinstance(tax, int):
        summary += [(words["subtotal"], money(total - tax)), (words["tax"], money(tax))]
    summary += [(words["total"], money(total)), (words["balance_due"], money(invoice.get("balance")))]
    _key_values(pdf, summary, bold_last=True)

    if allocations:
        _section_title(pdf, words["allocations"])
        _data_table(
            pdf,
            [words["date"], words["type"], words["number"], words["amount"]],
            [[_date(a.get("date"), language), _type_word(a.get("type"), words), _text(a.get("number")),
              money(a.get("amount"))] for a in allocations],
            aligns=("L", "L", "L", "R"),
            flexible=2,
        )
    return bytes(pdf.output())


def render_receipt(payment: dict[str, Any], account: dict[str, Any], *, tenant_name: str, logo: bytes | None,
                   generated_at: str, language: str = "es-CO") -> bytes:
    """The receipt of an approved online payment (the JSON of ``GET /v1/portal/payments/{id}``)."""
    words = _WORDS[_lang(language)]
    currency = _text(payment.get("currency"))
    title = words["receipt"]
    pdf = _new_document(title=title, tenant_name=tenant_name, generated_at=generated_at, language=language,
                        words=words)
    pdf.running_head = " · ".join(t for t in (_text(tenant_name), title, _text(payment.get("reference"))) if t)
    pdf.add_page()
    _letterhead(pdf, tenant_name=tenant_name, logo=logo, title=title)
    approved = _instant(_text(payment.get("final_at")))
    _key_values(pdf, [
        (words["reference"], _text(payment.get("reference"))),
        (words["gateway"], {"payu": "PayU", "zonavirtual": "Zona Virtual"}.get(_text(payment.get("gateway")), "")),
        (words["method"], _method_word(payment.get("method"), words)),
        (words["transaction"], _text(payment.get("transaction_id"))),
        *([(words["cus"], _text(payment.get("cus")))] if payment.get("cus") else []),
        *([(words["bank"], _text(payment.get("bank")))] if payment.get("bank") else []),
        (words["approved_at"], _date(approved.date().isoformat(), language) if approved else ""),
    ])
    _section_title(pdf, words["customer"])
    _account_block(pdf, account, words)
    items = payment.get("items") or []
    cents = shows_cents([payment.get("amount"), *(line.get("amount") for line in items)], currency)
    _section_title(pdf, words["paid_invoices"])
    _data_table(
        pdf,
        [words["number"], words["amount"]],
        [[_text(line.get("number")), _money(line.get("amount"), currency, language, cents=cents)] for line in items],
        aligns=("L", "R"),
        flexible=0,
    )
    pdf.ln(2)
    _key_values(pdf, [(words["amount_paid"], _money(payment.get("amount"), currency, language, cents=cents))],
                bold_last=True)
    return bytes(pdf.output())


def _method_word(method: object, words: dict[str, str]) -> str:
    """How the customer paid, in the reader's words (never the gateway's own code)."""
    if not method:
        return ""
    return words.get(f"method_{method}", words["method_other"])


def _status(invoice: dict[str, Any], words: dict[str, str]) -> str:
    if invoice.get("status") == "paid" or invoice.get("balance") == 0:
        return words["paid"]
    days = invoice.get("days_overdue")
    if isinstance(days, int) and days > 0:
        return words["overdue_one"] if days == 1 else words["overdue"].format(days=days)
    return words["open"]


# --- sales (issue 13) --------------------------------------------------------------------------------


def _rate(bp: object, language: str) -> str:
    """Basis points as a percentage: 1900 → ``19 %`` (``19,5 %`` for 1950)."""
    if not isinstance(bp, int):
        return ""
    whole, part = divmod(bp, 100)
    text = f"{whole}" if not part else f"{whole}.{part:02d}".rstrip("0")
    return (text if _lang(language) == "en" else text.replace(".", ",")) + " %"


def render_quote(quote: dict[str, Any], account: dict[str, Any], *, tenant_name: str, logo: bytes | None,
                 generated_at: str, language: str = "es-CO") -> bytes:
    """A representation of a quote the ERP sent no PDF for (the JSON of ``GET /v1/portal/quotes/{id}``), with its
    acceptance or rejection record when it has one."""
    words = _WORDS[_lang(language)]
    currency = _text(quote.get("currency"))
    title = f"{words['quote']} {_text(quote.get('number'))}".strip()
    pdf = _new_document(title=title, tenant_name=tenant_name, generated_at=generated_at, language=language,
                        words=words)
    pdf.marker = words["quote_marker"].format(tenant=_text(tenant_name))
    pdf.running_head = " · ".join(t for t in (_text(tenant_name), title, _text(account.get("name"))) if t)
    pdf.add_page()
    _letterhead(pdf, tenant_name=tenant_name, logo=logo, title=title)
    lines = quote.get("lines") or []
    cents = shows_cents([quote.get("subtotal"), quote.get("tax"), quote.get("total"),
                         *(line.get(k) for line in lines for k in ("unit_price", "subtotal", "discount"))], currency)

    def money(value: object) -> str:
        return _money(value, currency, language, cents=cents)

    _key_values(pdf, [
        (words["issue_date"], _date(quote.get("issue_date"), language)),
        (words["valid_until"], _date(quote.get("valid_until"), language)),
        (words["currency"], currency),
        (words["status"], words.get(f"status_{quote.get('status')}", "")),
        (words["salesperson"], _name_of(quote.get("salesperson"))),
    ])
    _section_title(pdf, words["customer"])
    _account_block(pdf, account, words)
    _section_title(pdf, words["lines"])
    _data_table(
        pdf,
        [words["description"], words["quantity"], words["unit_price"], words["tax_rate"], words["subtotal"]],
        [[_text(line.get("description")), _quantity(line.get("qty"), language), money(line.get("unit_price")),
          _rate(line.get("tax_rate"), language), money(line.get("subtotal"))] for line in lines],
        aligns=("L", "R", "R", "R", "R"),
        flexible=0,
    )
    pdf.ln(2)
    _key_values(pdf, [(words["subtotal"], money(quote.get("subtotal"))), (words["tax"], money(quote.get("tax"))),
                      (words["total"], money(quote.get("total")))], bold_last=True)
    for key in ("notes", "terms"):
        if quote.get(key):
            _section_title(pdf, words[key])
            pdf.set_font("helvetica", "", 8.5)
            pdf.multi_cell(0, 4.5, _text(quote.get(key)), new_x="LMARGIN", new_y="NEXT")
    accepted, rejected = quote.get("acceptance") or {}, quote.get("rejection") or {}
    if accepted or rejected:
        record = accepted or rejected
        when = _instant(_text(record.get("at")))
        pdf.ln(2)
        pdf.set_font("helvetica", "B", 9)
        text = (words["accepted_by"] if accepted else words["rejected_by"]).format(
            name=_text(record.get("name") or record.get("contact_name")),
            when=_date(when.date().isoformat(), language) if when else "", ip=_text(record.get("ip")) or "—",
            reason=_text(record.get("reason")))
        pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def render_price_list(header: dict[str, Any], rows: list[dict[str, Any]], account: dict[str, Any], *,
                      tenant_name: str, logo: bytes | None, generated_at: str, language: str = "es-CO") -> bytes:
    """The customer's price list: every SKU they have a price for, each quantity break a row, before tax."""
    words = _WORDS[_lang(language)]
    currency = _text(header.get("currency"))
    title = words["price_list"]
    pdf = _new_document(title=f"{title} — {_text(account.get('name'))}", tenant_name=tenant_name,
                        generated_at=generated_at, language=language, words=words)
    pdf.running_head = " · ".join(t for t in (_text(tenant_name), title, _text(account.get("name"))) if t)
    pdf.add_page()
    _letterhead(pdf, tenant_name=tenant_name, logo=logo, title=title)
    _account_block(pdf, account, words)
    lists = header.get("lists") or []
    _key_values(pdf, [(words["price_list_lists"], ", ".join(_text(item.get("name")) for item in lists)),
                      (words["currency"], currency)])
    pdf.set_font("helvetica", "", 8.5)
    pdf.multi_cell(0, 4.5, words["prices_before_tax"].format(currency=currency), new_x="LMARGIN", new_y="NEXT")
    cents = shows_cents([t[1] for row in rows for t in row.get("tiers") or []], currency)
    table = [[_text(row.get("sku")), _text(row.get("name")), _text(row.get("unit")),
              _quantity(tier[0], language), _money(tier[1], currency, language, cents=cents),
              _rate(row.get("tax_rate"), language)]
             for row in rows for tier in row.get("tiers") or []]
    if table:
        _data_table(pdf, [words["sku"], words["product"], words["unit"], words["from_qty"], words["unit_price"],
                          words["tax_rate"]], table, aligns=("L", "L", "L", "R", "R", "R"), flexible=1)
    else:
        pdf.multi_cell(0, 5, words["no_prices"], new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


# --- case report (issue 14) ------------------------------------------------------------------------------


def render_case_report(report: dict[str, Any], *, tenant_name: str, account_name: str, logo: bytes | None,
                       generated_at: str, language: str = "es-CO") -> bytes:
    """The case report (the JSON of ``GET /v1/portal/cases/report``) as a PDF."""
    words = _WORDS[_lang(language)]
    title = words["case_report"]
    pdf = _new_document(title=title, tenant_name=tenant_name, generated_at=generated_at, language=language,
                        words=words)
    pdf.running_head = " · ".join(t for t in (_text(tenant_name), title, _text(account_name)) if t)
    pdf.add_page()
    _letterhead(pdf, tenant_name=tenant_name, logo=logo, title=title)
    period = report.get("period") or {}
    oldest = report.get("oldest_open")
    rating = (report.get("rating") or {}).get("average")
    _key_values(pdf, [
        (words["customer"], _text(account_name)),
        (words["case_period"], f"{_date(period.get('from'), language)} - {_date(period.get('to'), language)}"),
        (words["case_total"], str(report.get("total", 0))),
        (words["case_open"], str(report.get("open", 0))),
        (words["case_closed"], str(report.get("closed", 0))),
        (words["case_rating"], f"{rating}" if rating is not None else "-"),
        (words["case_oldest"], words["case_oldest_value"].format(number=_text(oldest["number"]),
                                                                 days=oldest["age_days"]) if oldest else "-"),
    ])

    def hours(value: object) -> str:
        return "-" if value is None else _quantity(value, language)

    first, resolution = report.get("first_response") or {}, report.get("resolution") or {}
    _section_title(pdf, words["case_times"])
    _data_table(pdf, [words["case_measure"], words["case_average"], words["case_median"]], [
        [words["case_first_response"], hours(first.get("average_hours")), hours(first.get("median_hours"))],
        [words["case_resolution"], hours(resolution.get("average_hours")), hours(resolution.get("median_hours"))],
    ], aligns=("L", "R", "R"), flexible=0)
    _section_title(pdf, words["case_by_status"])
    _data_table(pdf, [words["case_by_status"], words["case_count"]],
                [[words.get(f"case_status_{status}", _text(status)), str(count)]
                 for status, count in (report.get("by_status") or {}).items()], aligns=("L", "R"), flexible=0)
    if report.get("by_category"):
        _section_title(pdf, words["case_by_category"])
        _data_table(pdf, [words["case_by_category"], words["case_count"]],
                    [[_text(category), str(count)] for category, count in report["by_category"].items()],
                    aligns=("L", "R"), flexible=0)
    _section_title(pdf, words["case_by_month"])
    _data_table(pdf, [words["case_month"], words["case_opened"], words["case_closed_month"]],
                [[_text(m.get("month")), str(m.get("opened", 0)), str(m.get("closed", 0))]
                 for m in report.get("by_month") or []], aligns=("L", "R", "R"), flexible=0)
    return bytes(pdf.output())

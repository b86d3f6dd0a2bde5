"""PDFs handed to the portal as presigned URLs: statements rendered on demand (by :mod:`chalicelib.domain.pdf`),
invoice representations when the ERP sent no PDF, payment receipts.

Rendered files are cached in S3 under a name that carries a digest of everything printed on them and of the
layout's version (``pdf.LAYOUT_VERSION``), so an unchanged statement or invoice is rendered once and a changed
one, or one the layout now prints differently, never serves a stale file.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from chalicelib.domain import clock
from chalicelib.domain import sales as sales_rules
from chalicelib.domain.money import minor_unit_exponent
from chalicelib.store import accounts, files

if TYPE_CHECKING:
    from chalicelib.store.sessions import Context

PDF = "application/pdf"


def _digest(*parts: Any) -> str:
    from chalicelib.domain.pdf import LAYOUT_VERSION  # lazy: keeps import app fast (the PDF layouts)

    canonical = json.dumps([LAYOUT_VERSION, *parts], sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                           default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:24]


def _logo(context: Context) -> bytes | None:
    key = context.tenant.branding.get("logo_key")
    return files.read_bytes(key) if key else None


def _local(context: Context, instant: str) -> str:
    """An instant in the tenant's time zone, so the PDF's "generated at" reads as local time."""
    return clock.parse_iso(instant).astimezone(clock.zone(context.tenant.timezone)).isoformat(timespec="seconds")


def _language(context: Context) -> str:
    return context.contact.language or "es-CO"


def _cached(key: str, filename: str, render: Any) -> dict[str, Any]:
    if not files.exists(key):
        files.put_bytes(key, render(), content_type=PDF)
    return {**files.presign_get(key, filename=filename), "filename": filename}


def statement_pdf(context: Context, statement: dict[str, Any]) -> dict[str, Any]:
    from chalicelib.domain import pdf  # lazy: keeps import app fast (the PDF layouts)

    principal, tenant = context.principal, context.tenant
    printed = {k: v for k, v in statement.items() if k != "generated_at"}
    language = _language(context)
    digest = _digest(printed, tenant.name, tenant.branding.get("logo_key"), language)
    period = statement["period"]
    key = files.object_key(principal.tenant, principal.account_id, "statements",
                           f"{period['from']}_{period['to']}_{statement['currency']}_{digest}.pdf")
    filename = f"estado-de-cuenta_{period['from']}_{period['to']}.pdf"
    return _cached(key, filename, lambda: pdf.render_statement(
        statement, tenant_name=tenant.name, logo=_logo(context),
        generated_at=_local(context, statement["generated_at"]), language=language))


def invoice_pdf(context: Context, detail: dict[str, Any], account: dict[str, Any]) -> dict[str, Any]:
    """The representation of an invoice the ERP sent no PDF for, from its ``detail`` (as the portal shows it)."""
    from chalicelib.domain import pdf  # lazy: keeps import app fast (the PDF layouts)

    principal, tenant = context.principal, context.tenant
    printed = {k: v for k, v in detail.items() if k not in ("comments", "days_overdue")}
    language = _language(context)
    digest = _digest(printed, account, tenant.name, tenant.branding.get("logo_key"), language)
    key = files.object_key(principal.tenant, principal.account_id, "rendered", f"{detail['id']}_{digest}.pdf")
    result = _cached(key, f"factura_{detail['number']}_representacion.pdf", lambda: pdf.render_invoice(
        detail, account, tenant_name=tenant.name, logo=_logo(context),
        generated_at=_local(context, clock.iso(clock.now())), language=language))
    return {**result, "representation": True}


def payment_receipt_pdf(context: Context, payment: dict[str, Any], account: dict[str, Any]) -> dict[str, Any]:
    from chalicelib.domain import pdf  # lazy: keeps import app fast (the PDF layouts)

    principal, tenant = context.principal, context.tenant
    language = _language(context)
    digest = _digest(payment, account, tenant.name, tenant.branding.get("logo_key"), language)
    key = files.object_key(principal.tenant, principal.account_id, "receipts", f"{payment['id']}_{digest}.pdf")
    return _cached(key, f"comprobante_{payment['reference']}.pdf", lambda: pdf.render_receipt(
        payment, account, tenant_name=tenant.name, logo=_logo(context),
        generated_at=_local(context, payment["final_at"]), language=language))


def quote_pdf(context: Context, quote: dict[str, Any], account: dict[str, Any]) -> dict[str, Any]:
    """The representation of a quote the ERP sent no PDF for (cached by what it prints)."""
    from chalicelib.domain import pdf  # lazy: keeps import app fast (the PDF layouts)

    principal, tenant = context.principal, context.tenant
    language = _language(context)
    digest = _digest(quote, account, tenant.name, tenant.branding.get("logo_key"), language)
    key = files.object_key(principal.tenant, principal.account_id, "rendered", f"quote_{quote['id']}_{digest}.pdf")
    result = _cached(key, f"cotizacion_{quote['number']}_representacion.pdf", lambda: pdf.render_quote(
        quote, account, tenant_name=tenant.name, logo=_logo(context),
        generated_at=_local(context, clock.iso(clock.now())), language=language))
    return {**result, "representation": True}


def price_list_file(context: Context, header: dict[str, Any], rows: list[dict[str, Any]], fmt: str
                    ) -> dict[str, Any]:
    """The caller's price list as ``csv`` or ``pdf``, cached under a digest of what it holds."""
    principal, tenant = context.principal, context.tenant
    language = _language(context)
    account = accounts.get(principal.tenant, principal.account_id)
    digest = _digest(header, rows, account.get("name"), tenant.name, tenant.branding.get("logo_key"), language, fmt)
    day = clock.today(tenant.timezone).isoformat()
    key = files.object_key(principal.tenant, principal.account_id, "price-lists", f"{digest}.{fmt}")
    filename = f"lista-de-precios_{day}.{fmt}"
    if fmt == "csv":
        if not files.exists(key):
            text = sales_rules.price_list_csv(rows, currency=header["currency"],
                                              exponent=minor_unit_exponent(header["currency"]))
            files.put_bytes(key, ("\ufeff" + text).encode(), content_type="text/csv; charset=utf-8")
        return {**files.presign_get(key, filename=filename, content_type="text/csv; charset=utf-8"),
                "filename": filename}

    def render() -> bytes:
        from chalicelib.domain import pdf  # lazy: keeps import app fast (the PDF layouts)

        return pdf.render_price_list(header, rows, account, tenant_name=tenant.name, logo=_logo(context),
                                     generated_at=_local(context, clock.iso(clock.now())), language=language)

    return _cached(key, filename, render)
def case_report_pdf(context: Context, report: dict[str, Any], account_name: str) -> dict[str, Any]:
    """The case report as a PDF, cached by what it prints."""
    from chalicelib.domain import pdf  # lazy: keeps import app fast (the PDF layouts)

    principal, tenant = context.principal, context.tenant
    printed = {k: v for k, v in report.items() if k != "generated_at"}
    language = _language(context)
    mine = principal.contact_id if (principal.modules.get("cases") and principal.modules["cases"].scope == "own") \
        else "account"
    digest = _digest(printed, account_name, mine, tenant.name, tenant.branding.get("logo_key"), language)
    period = report["period"]
    key = files.object_key(principal.tenant, principal.account_id, "reports", f"cases_{mine}_{digest}.pdf")
    return _cached(key, f"informe-casos_{period['from']}_{period['to']}.pdf", lambda: pdf.render_case_report(
        report, tenant_name=tenant.name, account_name=account_name, logo=_logo(context),
        generated_at=_local(context, report["generated_at"]), language=language))

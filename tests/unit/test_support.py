"""Pure parts of issue 14: case rules, the knowledge-base tokeniser and ranking, the markdown sanitiser and the
case report's statistics and CSV."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain import case_report, knowledge, markdown
from chalicelib.domain import cases as rules
from chalicelib.domain.errors import Conflict, ValidationFailed


def test_case_numbers_are_zero_padded_and_grow() -> None:
    assert rules.case_number(123) == "CAS-000123"
    assert rules.case_number(1_234_567) == "CAS-1234567"


@pytest.mark.parametrize(("current", "wanted"), [("closed", "in_progress"), ("resolved", "assigned"),
                                                  ("in_progress", "new")])
def test_staff_moves_the_table_refuses(current: str, wanted: str) -> None:
    with pytest.raises(Conflict) as refused:
        rules.staff_move(current, wanted)
    assert refused.value.code == "case_status_conflict"


def test_staff_moves_allowed_and_same_status() -> None:
    rules.staff_move("new", "assigned")
    rules.staff_move("resolved", "in_progress")
    rules.staff_move("closed", "closed")


def test_reopen_window() -> None:
    closed = "2026-03-01T10:00:00Z"
    inside = datetime(2026, 3, 8, 9, 59, tzinfo=UTC)
    rules.customer_reopen("closed", finished_at=closed, days=7, now=inside)
    with pytest.raises(Conflict) as late:
        rules.customer_reopen("closed", finished_at=closed, days=7, now=inside + timedelta(minutes=2))
    assert late.value.code == "reopen_window_passed"
    with pytest.raises(Conflict) as still_open:
        rules.customer_reopen("in_progress", finished_at=None, days=7, now=inside)
    assert still_open.value.code == "case_not_closed"


def test_new_case_reader_names_every_bad_field() -> None:
    with pytest.raises(ValidationFailed) as bad:
        rules.read_new_case({"subject": "a\nb", "category": "x", "attachment_ids": ["u", "u"], "extra": 1},
                            categories=("technical",))
    assert set(bad.value.fields) == {"subject", "description", "category", "attachment_ids", "extra"}


def test_tokens_fold_accents_case_and_plurals() -> None:
    assert knowledge.tokens("Facturación ELECTRÓNICA de las facturas") == ["facturacion", "electronica", "factura"]
    assert knowledge.tokens("clientes cliente órdenes orden envíos") == ["client", "client", "orden", "orden",
                                                                        "envio"]
    assert knowledge.tokens("The policies and a policy of boxes") == ["policy", "policy", "box"]
    assert knowledge.tokens("año 2026") == ["ano", "2026"]


def test_rank_prefers_title_and_rarer_terms() -> None:
    docs = [knowledge.Indexed(i, knowledge.index_terms(title=t, tags=(), body=b)) for i, t, b in (
        ("a", "Pagos con PSE", "Pague sus facturas en línea"),
        ("b", "Facturas vencidas", "Qué hacer con una factura vencida"),
        ("c", "Envíos", "Seguimiento del pedido"),
    )]
    assert [i for i, _ in knowledge.rank(docs, "factura", limit=10)] == ["b", "a"]
    assert [i for i, _ in knowledge.rank(docs, "seguim", limit=10)] == ["c"]  # prefix while typing
    assert knowledge.rank(docs, "seguim ", limit=10) == []  # a finished word must match whole
    assert knowledge.rank(docs, "de la", limit=10) == []  # stop words only


def test_index_terms_are_bounded_and_round_trip() -> None:
    body = " ".join(f"palabra{i}" for i in range(500))
    terms = knowledge.index_terms(title="Título único", tags=("etiqueta",), body=body)
    assert len(terms) <= knowledge.MAX_INDEX_TERMS and {"titulo", "unico", "etiqueta"} <= set(terms)
    assert knowledge.decode_terms(knowledge.encode_terms(terms)) == terms


@pytest.mark.parametrize("source", [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "[x](//evil.example.com)",
    '[x](https://ok.example.com" onmouseover="alert(1))',
    "**<b onclick=alert(1)>bold</b>**",
    "```\n<script>alert(1)</script>\n```",
])
def test_markdown_never_emits_active_content(source: str) -> None:
    html = markdown.render(source)
    assert "<script" not in html and "<img" not in html and "<b " not in html
    assert 'href="javascript' not in html.lower() and 'href="data:' not in html and 'href="//' not in html
    assert "onmouseover=\"" not in html and "onclick=" not in html.replace("onclick=alert", "")


def test_markdown_renders_the_supported_subset() -> None:
    html = markdown.render("## Pasos\n\n1. Entra\n2. Pulsa **Descargar**\n\n- `código`\n\n> nota\n\n---\n"
                           "[ayuda](https://a.example.com) y [casos](#/cases)")
    assert "<h3>Pasos</h3>" in html and "<ol><li>Entra</li><li>Pulsa <strong>Descargar</strong></li></ol>" in html
    assert "<ul><li><code>código</code></li></ul>" in html and "<blockquote><p>nota</p></blockquote>" in html
    assert "<hr>" in html and '<a href="#/cases">casos</a>' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def _row(number: str, created: str, *, status: str = "new", first: str | None = None, resolved: str | None = None,
         closed: str | None = None, rating: int | None = None, category: str = "technical") -> case_report.CaseRow:
    return case_report.CaseRow(number=number, subject=number, category=category, priority="normal", status=status,
                               created_at=created, first_response_at=first, resolved_at=resolved, closed_at=closed,
                               rating=rating)


def test_report_statistics() -> None:
    rows = [
        _row("CAS-000001", "2026-01-05T15:00:00Z", status="closed", first="2026-01-05T17:00:00Z",
             resolved="2026-01-06T15:00:00Z", closed="2026-02-01T00:00:00Z", rating=5),
        _row("CAS-000002", "2026-01-31T23:30:00Z", status="resolved", first="2026-02-01T03:30:00Z",
             resolved="2026-02-02T23:30:00Z", category="billing"),
        _row("CAS-000003", "2026-02-10T12:00:00Z", status="in_progress", first="2026-02-10T20:00:00Z"),
    ]
    report = case_report.build(rows, start=date(2026, 1, 1), end=date(2026, 2, 28), zone=ZoneInfo("America/Bogota"),
                               oldest_open=rows[2], now=datetime(2026, 2, 20, 12, tzinfo=UTC), generated_at="x")
    assert (report["total"], report["open"], report["closed"]) == (3, 1, 2)
    # 23:30 UTC on 31 Jan is 18:30 in Bogotá: January; the closing at 00:00 UTC on 1 Feb is 31 Jan there.
    assert report["by_month"] == [{"month": "2026-01", "opened": 2, "closed": 1},
                                  {"month": "2026-02", "opened": 1, "closed": 0}]
    assert report["first_response"] == {"count": 3, "average_hours": 4.7, "median_hours": 4.0}
    assert report["resolution"] == {"count": 2, "average_hours": 36.0, "median_hours": 36.0}
    assert report["by_category"] == {"technical": 2, "billing": 1}
    assert report["oldest_open"]["age_days"] == 10
    assert report["rating"] == {"count": 1, "average": 5.0}


def test_report_period_defaults_to_twelve_months() -> None:
    assert case_report.period(None, None, today=date(2026, 3, 15)) == (date(2025, 4, 1), date(2026, 3, 15))
    with pytest.raises(ValidationFailed):
        case_report.period(date(2026, 3, 2), date(2026, 3, 1), today=date(2026, 3, 15))


@pytest.mark.parametrize("value", ["=1+1", "+SUM(A1)", "-2", "@cmd", "\tx"])
def test_csv_defuses_formulas(value: str) -> None:
    assert case_report.csv_cell(value) == "'" + value
    assert value in case_report.to_csv([_row(value, "2026-01-01T00:00:00Z")])


def test_case_report_pdf_prints_the_figures() -> None:
    import io

    from pypdf import PdfReader

    from chalicelib.domain import pdf

    rows = [_row("CAS-000001", "2026-01-05T15:00:00Z", status="closed", first="2026-01-05T17:00:00Z",
                 closed="2026-01-06T15:00:00Z", rating=4), _row("CAS-000002", "2026-02-10T12:00:00Z")]
    report = case_report.build(rows, start=date(2026, 1, 1), end=date(2026, 2, 28), zone=ZoneInfo("America/Bogota"),
                               oldest_open=rows[1], now=datetime(2026, 2, 20, 12, tzinfo=UTC),
                               generated_at="2026-02-20T12:00:00Z")
    data = pdf.render_case_report(report, tenant_name="Andina S.A.S.", account_name="El Tornillo", logo=None,
                                  generated_at="2026-02-20T07:00:00-05:00", language="en")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "Case report" in text and "El Tornillo" in text and "CAS-000002, 10 days ago" in text
    assert "2026-01" in text and "First response" in text and "Waiting for the customer" in text


def test_snippet_drops_markdown_marks_without_leaving_gaps() -> None:
    text = "# Título\n\n**Facturas**, pagos y _notas_ de auto-retención.\n\n- uno\n- dos\n\n---\n\n> cita `code` | x |"
    assert knowledge.snippet(text) == "Título Facturas, pagos y notas de auto-retención. uno dos cita code x"
    assert knowledge.snippet("1. paso con file_name y 2) otro") == "paso con file_name y 2) otro"
    assert knowledge.snippet("palabra " * 40, length=20) == "palabra palabra pal…"

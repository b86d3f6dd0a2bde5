"""Support end to end, as Ana on the demo data: search the knowledge base, open a case with an attachment (the
form suggests articles while the subject is typed), staff answer through the integrator API (the answer shows in
the thread and reaches the mail outbox), Ana closes the case with a rating and the report counts it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.test_billing import ANA, _png, _sign_in, _text


def _closed_in_report(stack, page) -> int:
    page.goto(f"{stack.ui}/#/cases/report")
    figure = page.locator("#report-closed .figure-value")
    expect(figure).to_be_visible()
    return int(_text(figure))


def test_kb_search_case_with_attachment_staff_reply_close_and_report(stack, page, tmp_path):
    _sign_in(stack, page)
    closed_before = _closed_in_report(stack, page)

    # The knowledge base finds the warranty article without accents or capitals
    page.goto(f"{stack.ui}/#/kb")
    page.fill("#kb-search", "GARANTIA")
    expect(page.locator("#kb-list li")).to_have_count(1)  # only the match, once the search ran
    expect(page.locator("#kb-list li[data-article-id='kb-garantia']")).to_be_visible()
    page.click("#kb-list li[data-article-id='kb-garantia'] a")
    expect(page.locator("#kb-article-body strong")).to_have_text("12 meses")
    page.click("#kb-vote-yes")
    expect(page.locator("#kb-vote-status")).to_contain_text("Gracias")

    # A new case: the subject brings suggestions; the file is uploaded straight to S3
    page.goto(f"{stack.ui}/#/cases/new")
    page.fill("#case-subject", "La pulidora no enciende, garantía")
    expect(page.locator("#case-suggestions li[data-article-id='kb-garantia']")).to_be_visible()
    page.fill("#case-description", "La pulidora de la factura FV-1003 no enciende desde el lunes.")
    page.select_option("#case-category", "warranty")
    photo = tmp_path / "pulidora.png"
    photo.write_bytes(_png())
    page.set_input_files("#case-file", str(photo))
    page.click("#case-submit")
    expect(page.locator("#case-detail h1")).to_contain_text("La pulidora no enciende")
    case_id = re.search(r"#/cases/(CAS-\d+)", page.url).group(1)
    expect(page.locator("#case-detail .attachment-link")).to_contain_text("pulidora.png")
    expect(page.locator("#case-thread-empty")).to_be_visible()
    staff_view = stack.integrator("GET", f"cases/{case_id}").json()
    assert staff_view["suggested_articles"] == ["kb-garantia"]
    assert staff_view["attachments"][0]["content_type"] == "image/png"

    # Staff answer through the integrator API: in the thread and in the outbox
    answer = stack.integrator("POST", f"cases/{case_id}/comments",
                              {"body": "Tráela a la sede de la calle 15; la cambiamos.", "author": {"name": "Camila"}})
    assert answer.status_code == 201, answer.text
    assert answer.json()["notified"] is True
    mail = [m for m in stack.outbox() if ANA in m["to"] and case_id in m["subject"]]
    assert mail and "Tráela a la sede" in mail[-1]["text"]
    page.reload()
    expect(page.locator("#case-thread li")).to_have_count(1)
    expect(page.locator("#case-thread")).to_contain_text("Tráela a la sede de la calle 15")
    expect(page.locator("#case-status")).to_contain_text("En proceso")

    # Ana closes it with five stars; it may be reopened for a week
    page.select_option("#case-close-rating", "5")
    page.fill("#case-close-feedback", "Excelente atención")
    page.click("#case-close-submit")
    expect(page.locator("#case-status")).to_contain_text("Cerrado")
    expect(page.locator("#case-rating")).to_have_text("★★★★★")
    expect(page.locator("#case-reopen")).to_be_visible()

    # The report counts it
    assert _closed_in_report(stack, page) == closed_before + 1
    expect(page.locator("#report-by-status")).to_contain_text("Cerrado")
    expect(page.locator("svg.report-chart rect")).not_to_have_count(0)

// #/quotes — "Cotizaciones": the quotes the business sent, with their state, validity and quick accept/reject.
// #/quotes/{id} — one quote: lines, totals, notes, terms, its PDF, the acceptance record once answered, and the
// accept form (who signs, purchase order, note) or the reject form (reason). Accepting places the order; the page
// links to it. #/quotes/request — ask for a quote: the cart's lines and/or a text.

import {api, ApiError, withQuery} from "../api.js";
import {announce, h, replace, skeleton} from "../dom.js";
import {formatDate} from "../format.js";
import {clearErrors, requireValues, showApiError, whileBusy} from "../forms.js";
import {t} from "../i18n.js";
import {money} from "../money.js";
import {updateHash} from "../router.js";
import {currentUser, hasAction} from "../session.js";
import {attachmentProblem, uploadFile} from "../uploads.js";
import {cell, columnHead, loadError, loadMore, openFile, tCount} from "./billing.js";
import {cartView, detailPage, loadCart, orderHref, quoteBadge, quoteHref, rateText, when} from "./sales.js";

const STATUSES = ["", "sent", "accepted", "rejected", "expired", "cancelled"];

export function renderQuotes(page, {params}) {
  const initial = STATUSES.includes(params.get("status")) ? params.get("status") : "";
  const select = h("select", {id: "quotes-filter"}, STATUSES.map((s) => h("option", {value: s, selected: s === initial},
    s ? t(`quotes.status.${s}`) : t("quotes.all"))));
  const results = h("section", {class: "card", id: "quotes-results", "aria-labelledby": "quotes-results-title"},
    h("h2", {class: "visually-hidden", id: "quotes-results-title"}, t("quotes.results")), skeleton(6));
  page.append(h("header", {class: "page-header page-header-actions"},
    h("div", {}, h("h1", {tabindex: "-1"}, t("quotes.title")), h("p", {class: "lead"}, t("quotes.lead"))),
    hasAction("quotes", "create") ? h("a", {href: "#/quotes/request", class: "button button-secondary", id: "quotes-request"},
      t("quotes.request")) : null),
  h("div", {class: "card filters"}, h("div", {class: "field filter-inline"}, h("label", {for: "quotes-filter"}, t("quotes.filter")), select)),
  results);
  const columns = ["number", "issue_date", "valid_until", "status", "total", "actions"].map((k) => t(`quotes.columns.${k}`));
  const row = (quote) => h("tr", {dataset: {quoteId: quote.id}},
    cell(columns[0], h("a", {href: quoteHref(quote.id)}, quote.number)),
    cell(columns[1], formatDate(quote.issue_date)),
    cell(columns[2], formatDate(quote.valid_until)),
    cell(columns[3], quoteBadge(quote.status)),
    cell(columns[4], money(quote.total, quote.currency), {class: "cell-number"}),
    cell(columns[5], quote.can_answer && hasAction("quotes", "create")
      ? h("div", {class: "actions"},
        h("a", {href: `${quoteHref(quote.id)}?answer=accept`, class: "button button-small", dataset: {accept: quote.id}}, t("quotes.accept")),
        h("a", {href: `${quoteHref(quote.id)}?answer=reject`, class: "button button-secondary button-small",
          dataset: {reject: quote.id}}, t("quotes.reject")))
      : quote.order_id ? h("a", {href: orderHref(quote.order_id)}, t("quotes.see_order")) : ""));
  let ticket = 0;
  const load = async () => {
    const mine = ++ticket;
    updateHash(withQuery("#/quotes", {status: select.value}));
    try {
      const data = await api.get(withQuery("/portal/quotes", {status: select.value, limit: 25}));
      if (mine !== ticket) return;
      if (!data.items.length) {
        replace(results, results.firstElementChild, h("div", {class: "empty-state", id: "quotes-empty"},
          h("p", {}, t(select.value ? "quotes.empty_filtered" : "quotes.empty"))));
        return;
      }
      const tbody = h("tbody", {}, data.items.map(row));
      replace(results, results.firstElementChild,
        h("table", {class: "table-cards", id: "quotes-table"}, h("caption", {class: "visually-hidden"}, t("quotes.results")),
          h("thead", {}, h("tr", {}, columns.slice(0, 4).map((c) => columnHead(c)), columnHead(columns[4], {number: true}),
            columnHead(columns[5], {hidden: true}))), tbody),
        ...loadMore({id: "quotes-more", keyPrefix: "quotes", cursor: data.next_cursor, tbody, stillCurrent: () => mine === ticket,
          fetchPage: (cursor) => api.get(withQuery("/portal/quotes", {status: select.value, limit: 25, cursor})), renderRow: row}));
    } catch (error) {
      if (mine === ticket) replace(results, results.firstElementChild, loadError(error, load));
    }
  };
  select.addEventListener("change", load);
  load();
  const requests = h("section", {class: "card", id: "quote-requests", "aria-labelledby": "quote-requests-title"},
    h("h2", {class: "card-title", id: "quote-requests-title"}, t("quotes.requests_title")), skeleton(2));
  page.append(requests);
  api.get("/portal/quote-requests?limit=10").then((data) => replace(requests, requests.firstElementChild,
    data.items.length
      ? h("ul", {class: "card-list", id: "quote-requests-list"}, data.items.map((item) => h("li", {dataset: {requestId: item.id}},
        when(item.created_at), " · ", item.text ? item.text.slice(0, 140) : "",
        item.lines.length ? h("span", {class: "muted"}, ` · ${tCount("quotes.request_lines", item.lines.length)}`) : null,
        item.attachments.length ? h("span", {class: "muted"}, ` · ${tCount("quotes.request_attachments", item.attachments.length)}`)
          : null)))
      : h("p", {class: "muted"}, t("quotes.requests_empty"))),
  (error) => replace(requests, requests.firstElementChild, loadError(error, () => {})));
}

export function renderQuote(page, {routeParams, params}) {
  const id = routeParams.id;
  const answer = params.get("answer");
  const load = detailPage(page, {id: "quote-detail", back: "#/quotes", backLabel: t("quotes.back"),
    heading: t("quotes.heading", {number: id}), path: `/portal/quotes/${encodeURIComponent(id)}`},
  (quote, reload, chosen) => quoteView(quote, chosen, reload));
  load(answer).then((quote) => {
    if (answer && quote?.can_answer) {
      page.querySelector(`#quote-${answer}-form input, #quote-${answer}-form textarea`)?.focus();
    }
  });
}

function quoteView(quote, answer, reload) {
  const m = (amount) => money(amount, quote.currency);
  const row = (label, value, id) => (value ? h("div", {}, h("dt", {}, label), h("dd", {id}, value)) : null);
  const pdfStatus = h("p", {class: "file-status", "aria-live": "polite", id: "quote-pdf-status"});
  const pdf = h("button", {type: "button", class: "button button-secondary", id: "quote-pdf"}, t("quotes.pdf"));
  pdf.addEventListener("click", async () => {
    pdfStatus.textContent = "";
    try {
      const file = await whileBusy(pdf, t("quotes.pdf_preparing"), () => api.get(`/portal/quotes/${encodeURIComponent(quote.id)}/pdf`));
      openFile(file.url, pdfStatus, {linkId: "quote-pdf-link", linkText: file.filename,
        note: file.representation ? t("quotes.representation") : null});
    } catch (error) {
      pdfStatus.textContent = error.message;
    }
  });
  const columns = ["description", "qty", "unit_price", "discount", "tax_rate", "subtotal"].map((k) => t(`quotes.lines_columns.${k}`));
  const record = quote.acceptance || quote.rejection;
  return [
    h("header", {class: "page-header"},
      h("p", {class: "breadcrumb"}, h("a", {href: "#/quotes"}, t("quotes.back"))),
      h("h1", {tabindex: "-1"}, t("quotes.heading", {number: quote.number})),
      h("p", {id: "quote-status", dataset: {status: quote.status}}, quoteBadge(quote.status))),
    h("section", {class: "card", "aria-labelledby": "quote-summary-title"},
      h("h2", {class: "card-title", id: "quote-summary-title"}, t("quotes.summary")),
      h("dl", {class: "invoice-facts"},
        row(t("quotes.issue_date"), formatDate(quote.issue_date), "quote-issue-date"),
        row(t("quotes.valid_until"), formatDate(quote.valid_until), "quote-valid-until"),
        row(t("quotes.salesperson"), quote.salesperson?.name, "quote-salesperson")),
      h("dl", {class: "invoice-facts invoice-amounts"},
        row(t("cart.subtotal"), m(quote.subtotal), "quote-subtotal"),
        row(t("cart.tax"), m(quote.tax), "quote-tax"),
        row(t("cart.total"), h("strong", {}, m(quote.total)), "quote-total")),
      h("div", {class: "actions"}, pdf), pdfStatus),
    h("section", {class: "card", "aria-labelledby": "quote-lines-title"},
      h("h2", {class: "card-title", id: "quote-lines-title"}, t("quotes.lines")),
      h("table", {class: "table-cards", id: "quote-lines"},
        h("thead", {}, h("tr", {}, columnHead(columns[0]), columns.slice(1).map((c) => columnHead(c, {number: true})))),
        h("tbody", {}, (quote.lines || []).map((line) => h("tr", {},
          cell(columns[0], [line.description, line.sku ? h("span", {class: "muted"}, ` · ${line.sku}`) : null]),
          cell(columns[1], String(line.qty), {class: "cell-number"}),
          cell(columns[2], m(line.unit_price), {class: "cell-number"}),
          cell(columns[3], line.discount ? m(line.discount) : "—", {class: "cell-number"}),
          cell(columns[4], rateText(line.tax_rate), {class: "cell-number"}),
          cell(columns[5], m(line.subtotal), {class: "cell-number"})))))),
    quote.notes || quote.terms ? h("section", {class: "card"},
      quote.notes ? [h("h2", {class: "card-title"}, t("quotes.notes")), h("p", {class: "prewrap"}, quote.notes)] : null,
      quote.terms ? [h("h2", {class: "card-title"}, t("quotes.terms")), h("p", {class: "prewrap"}, quote.terms)] : null) : null,
    record ? h("section", {class: "card", id: "quote-record", "aria-labelledby": "quote-record-title"},
      h("h2", {class: "card-title", id: "quote-record-title"}, t(quote.acceptance ? "quotes.acceptance" : "quotes.rejection")),
      h("dl", {class: "invoice-facts"},
        row(t("quotes.signed_by"), record.name || record.contact_name, "quote-record-name"),
        row(t("quotes.user"), record.contact_name, "quote-record-contact"),
        row(t("quotes.at"), when(record.at), "quote-record-at"),
        row(t("quotes.ip"), record.ip, "quote-record-ip"),
        row(t("orders.po"), record.po_number, "quote-record-po"),
        row(t("quotes.note"), record.note || record.reason, "quote-record-note")),
      quote.order_id ? h("p", {}, h("a", {href: orderHref(quote.order_id), id: "quote-order-link", class: "button"},
        t("quotes.see_order_number", {number: quote.order_id}))) : null) : null,
    quote.can_answer && hasAction("quotes", "create") ? answerForms(quote, answer, reload) : null,
  ];
}

function answerForms(quote, answer, reload) {
  const path = (what) => `/portal/quotes/${encodeURIComponent(quote.id)}/${what}`;
  const field = (id, name, label, control, hint) => h("div", {class: "field"}, h("label", {for: id}, label),
    hint ? h("p", {class: "field-hint"}, hint) : null, control, h("p", {class: "field-error", id: `${id}-error`}));
  const name = h("input", {id: "quote-accept-name", name: "name", dataset: {field: "name"}, maxlength: "120",
    value: currentUser()?.contact?.name || "", autocomplete: "name", "aria-describedby": "quote-accept-name-error"});
  const po = h("input", {id: "quote-accept-po", dataset: {field: "po_number"}, maxlength: "40", autocomplete: "off"});
  const note = h("textarea", {id: "quote-accept-note", dataset: {field: "note"}, rows: "2", maxlength: "1000"});
  const acceptError = h("div", {class: "form-error", role: "alert", id: "quote-accept-error"});
  const accept = h("button", {type: "submit", class: "button", id: "quote-accept-submit"}, t("quotes.accept_submit"));
  const acceptForm = h("form", {id: "quote-accept-form", class: "card", novalidate: true, "aria-labelledby": "quote-accept-title"},
    h("h2", {class: "card-title", id: "quote-accept-title"}, t("quotes.accept_title")),
    h("p", {class: "muted"}, t("quotes.accept_lead", {valid: formatDate(quote.valid_until)})),
    field("quote-accept-name", "name", t("quotes.accept_name"), name, t("quotes.accept_name_hint")),
    field("quote-accept-po", "po_number", t("orders.po"), po),
    field("quote-accept-note", "note", t("quotes.note"), note),
    acceptError, h("div", {class: "actions"}, accept));
  acceptForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(acceptForm, acceptError);
    if (!requireValues(acceptForm, acceptError, {name: name.value.trim()})) return;
    try {
      const result = await whileBusy(accept, t("quotes.accepting"), () => api.post(path("accept"),
        {name: name.value.trim(), po_number: po.value.trim() || undefined, note: note.value.trim() || undefined}));
      announce(t(result.order_id ? "quotes.accepted_with_order" : "quotes.accepted", {number: result.order_id || ""}));
      reload(null);
    } catch (error) {
      showApiError(acceptForm, acceptError, error);
    }
  });
  const reason = h("textarea", {id: "quote-reject-reason", dataset: {field: "reason"}, rows: "2", maxlength: "1000",
    "aria-describedby": "quote-reject-reason-error"});
  const rejectError = h("div", {class: "form-error", role: "alert", id: "quote-reject-error"});
  const reject = h("button", {type: "submit", class: "button button-danger", id: "quote-reject-submit"}, t("quotes.reject_submit"));
  const rejectForm = h("form", {id: "quote-reject-form", class: "card", novalidate: true, "aria-labelledby": "quote-reject-title"},
    h("h2", {class: "card-title", id: "quote-reject-title"}, t("quotes.reject_title")),
    field("quote-reject-reason", "reason", t("quotes.reject_reason"), reason), rejectError, h("div", {class: "actions"}, reject));
  rejectForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(rejectForm, rejectError);
    if (!requireValues(rejectForm, rejectError, {reason: reason.value.trim()})) return;
    try {
      await whileBusy(reject, t("quotes.rejecting"), () => api.post(path("reject"), {reason: reason.value.trim()}));
      announce(t("quotes.rejected"));
      reload(null);
    } catch (error) {
      showApiError(rejectForm, rejectError, error);
    }
  });
  return answer === "reject" ? [rejectForm, acceptForm] : [acceptForm, rejectForm];
}

export function renderQuoteRequest(page, {params}) {
  const fromCart = h("input", {type: "checkbox", id: "quote-request-cart", checked: params.get("from_cart") === "1"});
  const sku = params.get("sku");
  const text = h("textarea", {id: "quote-request-text", dataset: {field: "text"}, rows: "5", maxlength: "4000",
    "aria-describedby": "quote-request-text-error"});
  if (sku) text.value = t("quotes.request_for_sku", {sku});
  const files = h("input", {id: "quote-request-files", type: "file", multiple: true, dataset: {field: "attachment_ids"},
    accept: ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg",
    "aria-describedby": "quote-request-files-hint quote-request-files-error"});
  const cartBox = h("div", {id: "quote-request-cart-lines"});
  const errorRegion = h("div", {class: "form-error", role: "alert", id: "quote-request-error"});
  const submit = h("button", {type: "submit", class: "button", id: "quote-request-submit"}, t("quotes.request_submit"));
  const form = h("form", {id: "quote-request-form", class: "card", novalidate: true},
    h("div", {class: "checkbox-field"}, fromCart, h("label", {for: "quote-request-cart"}, t("quotes.request_from_cart"))),
    cartBox,
    h("div", {class: "field"}, h("label", {for: "quote-request-text"}, t("quotes.request_text")),
      h("p", {class: "field-hint"}, t("quotes.request_text_hint")), text, h("p", {class: "field-error", id: "quote-request-text-error"})),
    h("div", {class: "field"}, h("label", {for: "quote-request-files"}, t("quotes.request_files")),
      h("p", {class: "field-hint", id: "quote-request-files-hint"}, t("quotes.request_files_hint")), files,
      h("p", {class: "field-error", id: "quote-request-files-error"})),
    errorRegion, h("div", {class: "actions"}, submit));
  page.append(h("header", {class: "page-header"}, h("p", {class: "breadcrumb"}, h("a", {href: "#/quotes"}, t("quotes.back"))),
    h("h1", {tabindex: "-1"}, t("quotes.request_title")), h("p", {class: "lead"}, t("quotes.request_lead"))), form);
  const showCart = () => {
    if (!fromCart.checked) {
      replace(cartBox);
      return;
    }
    replace(cartBox, skeleton(3));
    loadCart().then((cart) => replace(cartBox, cartView(cart, {editable: false})),
      (error) => replace(cartBox, loadError(error, showCart)));
  };
  fromCart.addEventListener("change", showCart);
  showCart();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form, errorRegion);
    const chosen = [...files.files];
    const problem = chosen.length > 5 ? t("quotes.request_files_many") : chosen.map((f) => attachmentProblem(f)).find(Boolean);
    if (problem) {
      showApiError(form, errorRegion, new ApiError({status: 422, code: "validation_failed", message: problem,
        details: {fields: {attachment_ids: problem}}}));
      return;
    }
    try {
      await whileBusy(submit, t("quotes.requesting"), async () => {
        const ids = [];
        for (const file of chosen) ids.push(await uploadFile(file));
        return api.post("/portal/quote-requests", {from_cart: fromCart.checked, text: text.value.trim() || undefined,
          attachment_ids: ids});
      });
      replace(form, h("p", {class: "notice notice-success", role: "status", id: "quote-request-sent"}, t("quotes.request_sent")),
        h("a", {href: "#/quotes", class: "button button-secondary"}, t("quotes.back")));
    } catch (error) {
      showApiError(form, errorRegion, error);
    }
  });
}

// #/payments — "Pagos": the contact's online payments, newest first, filtered by status, in pages
// ("Cargar más" follows next_cursor). The filter lives in the hash query (#/payments?status=pending) so a
// reload keeps it. Each row leads to the payment's page.

import {api, withQuery} from "../api.js";
import {announce, h, replace, skeleton} from "../dom.js";
import {formatDateTime} from "../format.js";
import {t} from "../i18n.js";
import {money} from "../money.js";
import {navigate, updateHash} from "../router.js";
import {hasModule} from "../session.js";
import {cell, columnHead, loadError, loadMore, tCount, tenantTimeZone} from "./billing.js";
import {PAYMENT_STATUSES, canPay, gatewayLabel, methodLabel, paymentHref, paymentStatusBadge} from "./payments.js";

const PAGE_SIZE = 25;

export function renderPaymentHistory(page, {params}) {
  const initial = PAYMENT_STATUSES.includes(params.get("status")) ? params.get("status") : "";
  const filter = h("select", {id: "payments-filter", name: "status"},
    h("option", {value: ""}, t("payments.filter_all")),
    PAYMENT_STATUSES.map((status) => h("option", {value: status, selected: status === initial}, t(`payments.statuses.${status}`))));
  const results = h("section", {id: "payments-results", class: "card", "aria-labelledby": "payments-results-title", "aria-busy": "true"},
    h("h2", {id: "payments-results-title", class: "visually-hidden"}, t("payments.results")),
    skeleton(6));
  const payLink = canPay() && hasModule("billing")
    ? h("a", {class: "button", id: "payments-pay-link", href: "#/receivables"}, t("payments.pay_invoices"))
    : null;
  page.append(
    h("header", {class: "page-header page-header-actions"},
      h("div", {},
        h("h1", {tabindex: "-1"}, t("payments.title")),
        h("p", {class: "lead"}, t("payments.lead"))),
      payLink),
    h("form", {class: "card filters", role: "search", "aria-label": t("payments.filter_label"),
      on: {submit: (event) => event.preventDefault()}},
    h("div", {class: "field filter-inline"}, h("label", {for: "payments-filter"}, t("payments.filter")), filter)),
    results);

  let ticket = 0;
  const load = async ({announceIt = false} = {}) => {
    const mine = ++ticket;
    const status = filter.value;
    results.setAttribute("aria-busy", "true");
    replace(results, results.firstElementChild, skeleton(6));
    try {
      const data = await api.get(withQuery("/portal/payments", {status, limit: PAGE_SIZE}));
      if (mine !== ticket) return;
      showResults(results, data, status, () => mine === ticket);
      if (announceIt) announce(tCount("payments.found", (data.items || []).length));
    } catch (error) {
      if (mine !== ticket) return;
      replace(results, results.firstElementChild, loadError(error, () => load()));
    } finally {
      if (mine === ticket) results.removeAttribute("aria-busy");
    }
  };
  filter.addEventListener("change", () => {
    updateHash(withQuery("#/payments", {status: filter.value}));
    load({announceIt: true});
  });
  load();
}

function columnLabels() {
  return ["date", "reference", "gateway", "method", "invoices", "amount", "status"].map((key) => t(`payments.columns.${key}`));
}

function paymentRow(payment, columns) {
  const href = paymentHref(payment.id);
  const row = h("tr", {dataset: {paymentId: payment.id, status: payment.status}, class: "is-clickable"},
    cell(columns[0], payment.created_at ? formatDateTime(payment.created_at, tenantTimeZone()) : ""),
    cell(columns[1], h("a", {href, class: "payment-link"}, payment.reference || payment.id)),
    cell(columns[2], gatewayLabel(payment.gateway)),
    cell(columns[3], methodLabel(payment.method)),
    cell(columns[4], (payment.items || []).map((item) => item.number || item.invoice_id).join(", "), {class: "cell-invoices"}),
    cell(columns[5], money(payment.amount || 0, payment.currency), {class: "cell-number"}),
    cell(columns[6], paymentStatusBadge(payment.status)));
  // The whole row answers a click (the reference link is the keyboard's way in).
  row.addEventListener("click", (event) => {
    if (event.target.closest("a, button") || window.getSelection()?.toString()) return;
    navigate(href);
  });
  return row;
}

function showResults(results, data, status, stillCurrent) {
  const heading = results.firstElementChild;
  const items = data.items || [];
  if (!items.length) {
    replace(results, heading, h("div", {class: "empty-state", id: "payments-empty"},
      h("p", {}, t(status ? "payments.empty_filtered" : "payments.empty")),
      !status && canPay() && hasModule("billing")
        ? h("p", {class: "muted"}, t("payments.empty_hint")) : null));
    return;
  }
  const columns = columnLabels();
  const tbody = h("tbody", {}, items.map((payment) => paymentRow(payment, columns)));
  const table = h("table", {id: "payments-table", class: "table-cards payments-table"},
    h("caption", {class: "visually-hidden"}, t("payments.results")),
    h("thead", {}, h("tr", {},
      columns.slice(0, 5).map((label) => columnHead(label)), columnHead(columns[5], {number: true}), columnHead(columns[6]))),
    tbody);
  const paging = loadMore({
    id: "payments-more", keyPrefix: "payments", cursor: data.next_cursor, tbody, stillCurrent,
    fetchPage: (cursor) => api.get(withQuery("/portal/payments", {status, limit: PAGE_SIZE, cursor})),
    renderRow: (payment) => paymentRow(payment, columns),
  });
  replace(results, heading, table, ...paging);
}

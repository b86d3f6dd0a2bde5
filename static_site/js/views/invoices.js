// #/invoices — "Facturas": every invoice, filtered by state (all, pending, paid), number and issue date,
// in pages ("Cargar más" follows next_cursor). The filters live in the hash query so a reload keeps them.

import {api, withQuery} from "../api.js";
import {announce, h, replace, skeleton} from "../dom.js";
import {formatDate} from "../format.js";
import {clearErrors, showApiError, whileBusy} from "../forms.js";
import {t} from "../i18n.js";
import {money} from "../money.js";
import {updateHash} from "../router.js";
import {
  cell, columnHead, invoiceHref, loadError, loadMore, stateBadges, tCount, tenantToday,
} from "./billing.js";

const STATUSES = ["all", "pending", "paid"];
const PAGE_SIZE = 25;
const SEARCH_DELAY_MS = 400;

export function renderInvoices(page, {params}) {
  const initialStatus = STATUSES.includes(params.get("status")) ? params.get("status") : "all";
  const field = (id, label, control) => h("div", {class: "field"},
    h("label", {for: id}, label), control, h("p", {class: "field-error", id: `${id}-error`}));
  const statusSelect = h("select", {id: "invoices-filter", name: "status", dataset: {field: "status"},
    "aria-describedby": "invoices-filter-error"},
  STATUSES.map((status) => h("option", {value: status, selected: status === initialStatus}, t(`invoices.filter.${status}`))));
  const search = h("input", {id: "invoices-search", name: "q", type: "search", dataset: {field: "q"},
    value: params.get("q") || "", autocomplete: "off", spellcheck: "false", placeholder: t("invoices.search_placeholder"),
    "aria-describedby": "invoices-search-error"});
  const from = h("input", {id: "invoices-from", name: "from", type: "date", dataset: {field: "from"},
    value: params.get("from") || "", "aria-describedby": "invoices-from-error"});
  const to = h("input", {id: "invoices-to", name: "to", type: "date", dataset: {field: "to"},
    value: params.get("to") || "", "aria-describedby": "invoices-to-error"});
  const apply = h("button", {type: "submit", id: "invoices-apply", class: "button"}, t("invoices.apply"));
  const errorRegion = h("div", {id: "invoices-error", class: "form-error", role: "alert"});
  const form = h("form", {id: "invoices-filters", class: "card filters", novalidate: true, role: "search",
    "aria-label": t("invoices.filters_label")},
  h("div", {class: "filter-row"},
    field("invoices-filter", t("invoices.filter.label"), statusSelect),
    field("invoices-search", t("invoices.search"), search),
    field("invoices-from", t("invoices.from"), from),
    field("invoices-to", t("invoices.to"), to),
    h("div", {class: "picker-submit"}, apply)),
  errorRegion);

  const results = h("section", {id: "invoices-results", class: "card", "aria-labelledby": "invoices-results-title"},
    h("h2", {id: "invoices-results-title", class: "visually-hidden"}, t("invoices.results")),
    skeleton(8));
  page.append(
    h("header", {class: "page-header"},
      h("h1", {tabindex: "-1"}, t("invoices.title")),
      h("p", {class: "lead"}, t("invoices.lead"))),
    form,
    results);

  const filters = () => ({
    status: statusSelect.value, q: search.value.trim(), from: from.value, to: to.value,
  });
  let ticket = 0;
  let searchTimer = null;
  const today = tenantToday();

  const load = async ({announceIt = false} = {}) => {
    const mine = ++ticket;
    const chosen = filters();
    clearErrors(form, errorRegion);
    results.setAttribute("aria-busy", "true");
    replace(results, results.firstElementChild, skeleton(8));
    try {
      const data = await api.get(withQuery("/portal/invoices", {...chosen, limit: PAGE_SIZE}));
      if (mine !== ticket) return;
      showResults(results, data, chosen, today, () => mine === ticket);
      if (announceIt) {
        announce([tCount("invoices.found", (data.items || []).length), data.next_cursor ? t("invoices.has_more") : ""].join(" "));
      }
    } catch (error) {
      if (mine !== ticket) return;
      if (error.status === 422) {
        showApiError(form, errorRegion, error);
        replace(results, results.firstElementChild);
      } else {
        replace(results, results.firstElementChild, loadError(error, () => load()));
      }
    } finally {
      if (mine === ticket) results.removeAttribute("aria-busy");
    }
  };

  const submit = async () => {
    const chosen = filters();
    updateHash(withQuery("#/invoices", {...chosen, status: chosen.status === "all" ? "" : chosen.status}));
    await whileBusy(apply, t("invoices.applying"), () => load({announceIt: true}));
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(searchTimer);
    submit();
  });
  statusSelect.addEventListener("change", submit);
  from.addEventListener("change", submit);
  to.addEventListener("change", submit);
  search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(submit, SEARCH_DELAY_MS);
  });

  load();
}

function columnLabels() {
  return ["number", "issue_date", "due_date", "total", "balance", "state"]
    .map((key) => t(`invoices.columns.${key}`));
}

function invoiceRow(invoice, today, columns) {
  return h("tr", {dataset: {invoiceId: invoice.id}, class: invoice.status !== "paid" && invoice.days_overdue > 0 ? "is-overdue" : null},
    cell(columns[0], h("a", {href: invoiceHref(invoice.id), class: "invoice-link"}, invoice.number)),
    cell(columns[1], formatDate(invoice.issue_date)),
    cell(columns[2], formatDate(invoice.due_date)),
    cell(columns[3], money(invoice.total, invoice.currency), {class: "cell-number"}),
    cell(columns[4], money(invoice.balance, invoice.currency), {class: "cell-number"}),
    cell(columns[5], stateBadges(invoice, today)));
}

function showResults(results, data, chosen, today, stillCurrent) {
  const heading = results.firstElementChild;
  const items = data.items || [];
  if (!items.length) {
    const filtered = chosen.q || chosen.from || chosen.to || chosen.status !== "all";
    replace(results, heading, h("div", {class: "empty-state", id: "invoices-empty"},
      h("p", {}, t(filtered ? "invoices.empty_filtered" : "invoices.empty")),
      filtered ? h("p", {class: "muted"}, t("invoices.empty_filtered_hint")) : null));
    return;
  }
  const columns = columnLabels();
  const tbody = h("tbody", {}, items.map((invoice) => invoiceRow(invoice, today, columns)));
  const table = h("table", {id: "invoices-table", class: "table-cards invoices-table"},
    h("caption", {class: "visually-hidden"}, t("invoices.results")),
    h("thead", {}, h("tr", {},
      columns.slice(0, 3).map((label) => columnHead(label)),
      columnHead(columns[3], {number: true}), columnHead(columns[4], {number: true}), columnHead(columns[5]))),
    tbody);
  const paging = loadMore({
    id: "invoices-more", keyPrefix: "invoices", cursor: data.next_cursor, tbody, stillCurrent,
    fetchPage: (cursor) => api.get(withQuery("/portal/invoices", {...chosen, limit: PAGE_SIZE, cursor})),
    renderRow: (invoice) => invoiceRow(invoice, today, columns),
  });
  replace(results, heading, table, ...paging);
}

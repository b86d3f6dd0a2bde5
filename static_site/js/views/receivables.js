// #/receivables — "Cartera": the open balance by age, the open invoices with a checkbox each, and a
// sticky "Facturas seleccionadas" panel with the selection's total and the Pagar button, which leads to
// the payment's confirmation screen (#/payments/new). The selection outlives the page (a language switch,
// a trip to an invoice) and is read by the payments pages through selectedInvoices().

import {api} from "../api.js";
import {announce, h, replace, skeleton} from "../dom.js";
import {formatDate} from "../format.js";
import {t} from "../i18n.js";
import {money as moneyOf} from "../money.js";
import {navigate} from "../router.js";
import {hasModule, onSessionChange} from "../session.js";
import {cell, columnHead, invoiceHref, loadError, stateBadges, tCount} from "./billing.js";
import {canPay, newPaymentHref, paymentOptions} from "./payments.js";

// ---------- The selection (module state, shared with whoever pays) ----------

const selection = new Map(); // invoice id → {id, number, balance, currency, due_date}
const selectionListeners = new Set();

/** The invoices the contact selected on #/receivables, in selection order: [{id, number, balance, currency, due_date}]. */
export function selectedInvoices() {
  return [...selection.values()].map((invoice) => ({...invoice}));
}

/** The one currency of the selection (the selection never mixes currencies), or null when empty. */
export function selectionCurrency() {
  return selection.values().next().value?.currency ?? null;
}

/** Calls `listener(selectedInvoices())` whenever the selection changes; returns the unsubscribe function. */
export function onSelectionChange(listener) {
  selectionListeners.add(listener);
  return () => selectionListeners.delete(listener);
}

/** Drops `ids` from the selection (a payment was just created for them). */
export function clearSelection(ids) {
  let changed = false;
  for (const id of ids) changed = selection.delete(id) || changed;
  if (changed) selectionChanged();
}

function selectionChanged() {
  const current = selectedInvoices();
  for (const listener of selectionListeners) listener(current);
}

// Another contact may sign in on this tab: nothing selected survives a sign-out.
onSessionChange((me) => {
  if (!me && selection.size) {
    selection.clear();
    selectionChanged();
  }
});

/**
 * Whether this contact can pay online here, and if not why: {ready: true} or {reason: "no_module" |
 * "no_action" | "no_gateways" | "error", message?}. Needs the `payments` module with action `pay` and at
 * least one gateway configured by the tenant (GET /portal/payment-options).
 */
async function payReadiness() {
  if (!hasModule("payments")) return {reason: "no_module"};
  if (!canPay()) return {reason: "no_action"};
  try {
    const options = await paymentOptions();
    return options?.gateways?.length ? {ready: true} : {reason: "no_gateways"};
  } catch (error) {
    return {reason: "error", message: error?.code ? error.message : t("errors.unexpected_client")};
  }
}

/** Pagar works when the contact can pay online and the selection has invoices, all in one currency. */
function canPayOnline(readiness, items) {
  return Boolean(readiness.ready) && new Set(items.map((invoice) => invoice.currency)).size === 1;
}

// ---------- The page ----------

export function renderReceivables(page) {
  const body = h("div", {class: "receivables-body", "aria-busy": "true"},
    h("div", {class: "card"}, skeleton(3)), h("div", {class: "card"}, skeleton(6)));
  page.append(
    h("header", {class: "page-header"},
      h("h1", {tabindex: "-1"}, t("receivables.title")),
      h("p", {class: "lead"}, t("receivables.lead"))),
    body);
  load(body);
}

async function load(body) {
  body.setAttribute("aria-busy", "true");
  let data;
  try {
    data = await api.get("/portal/receivables");
  } catch (error) {
    body.removeAttribute("aria-busy");
    replace(body, loadError(error, () => {
      replace(body, h("div", {class: "card"}, skeleton(6)));
      load(body);
    }));
    return;
  }
  body.removeAttribute("aria-busy");
  const invoices = data.invoices || [];
  // Whatever was selected and is no longer open (paid meanwhile) leaves the selection.
  const open = new Map(invoices.map((invoice) => [invoice.id, invoice]));
  let pruned = false;
  for (const id of [...selection.keys()]) {
    if (!open.has(id)) {
      selection.delete(id);
      pruned = true;
    } else {
      selection.set(id, pick(open.get(id))); // the balance may have changed
    }
  }
  if (pruned) selectionChanged();

  if (!invoices.length) {
    replace(body, emptyState());
    return;
  }
  const totals = Array.isArray(data.totals) ? data.totals : [data.totals].filter(Boolean);
  replace(body, agingSummary(data, totals), invoicesSection(data, invoices, totals));
}

function pick(invoice) {
  const {id, number, balance, currency, due_date: dueDate} = invoice;
  return {id, number, balance, currency, due_date: dueDate};
}

function emptyState() {
  return h("section", {class: "card empty-state", id: "receivables-empty"},
    h("h2", {class: "card-title"}, h("span", {class: "empty-icon", "aria-hidden": "true"}, "✓ "), t("receivables.empty_title")),
    h("p", {}, t("receivables.empty_body")),
    h("p", {class: "actions"},
      h("a", {class: "button button-secondary", href: "#/invoices"}, t("receivables.see_invoices")),
      h("a", {class: "button button-secondary", href: "#/statement"}, t("receivables.see_statement"))));
}

// ---------- Aging summary: one row of figures per currency ----------

function agingSummary(data, totals) {
  const main = totals.find((row) => row.currency === data.currency) || totals[0];
  const several = totals.length > 1;
  return h("section", {class: "card aging", id: "aging", "aria-labelledby": "aging-title"},
    h("div", {class: "card-heading"},
      h("h2", {id: "aging-title", class: "card-title"}, t("receivables.summary_title")),
      data.as_of ? h("p", {class: "muted"}, t("receivables.as_of", {date: formatDate(data.as_of)})) : null),
    totals.map((row) => agingRow(row, {ids: row === main, heading: several})));
}

function agingRow(row, {ids, heading}) {
  const money = (amount) => moneyOf(amount || 0, row.currency);
  const buckets = row.buckets || {};
  const hasOverdue = (row.overdue || 0) > 0;
  const figure = (className, label, value, note) => h("div", {class: `figure ${className}`},
    h("dt", {}, label),
    h("dd", {}, value, note ? h("span", {class: "figure-note"}, note) : null));
  const bucket = (label, amount, overdue = true) => h("div", {class: `bucket${overdue && amount > 0 ? " has-overdue" : ""}`},
    h("dt", {}, label), h("dd", {}, money(amount)));
  return h("div", {class: "aging-row", dataset: {currency: row.currency}},
    heading ? h("h3", {class: "aging-currency"}, t("receivables.currency_heading", {currency: row.currency})) : null,
    h("dl", {class: "aging-figures"},
      figure("figure-total", t("receivables.total"),
        h("span", {class: "figure-value aging-total", id: ids ? "aging-total" : null}, money(row.balance)),
        tCount("billing.invoice_count", row.count || 0)),
      figure(`figure-overdue${hasOverdue ? " has-overdue" : ""}`,
        [hasOverdue ? h("span", {class: "badge-icon", "aria-hidden": "true"}, "⚠ ") : null, t("receivables.overdue")],
        h("span", {class: "figure-value aging-overdue", id: ids ? "aging-overdue" : null}, money(row.overdue)),
        h("span", {id: ids ? "aging-overdue-count" : null}, tCount("billing.overdue_count", row.overdue_count || 0)))),
    h("dl", {class: "aging-buckets", "aria-label": t("receivables.aging_label")},
      bucket(t("receivables.current"), row.current || 0, false),
      [["1-30", "bucket_1_30"], ["31-60", "bucket_31_60"], ["61-90", "bucket_61_90"], ["90+", "bucket_90_plus"]]
        .map(([key, label]) => bucket(t(`receivables.${label}`), buckets[key] || 0))),
    row.next_due_date ? h("p", {class: "aging-next muted"}, t("receivables.next_due", {date: formatDate(row.next_due_date)})) : null);
}

// ---------- The invoices and the selection panel ----------

function invoicesSection(data, invoices, totals) {
  const today = data.as_of;
  const currencies = [...new Set(invoices.map((invoice) => invoice.currency))];
  const mixed = currencies.length > 1;
  const defaultCurrency = data.currency || totals[0]?.currency || currencies[0];
  const columns = ["select", "number", "issue_date", "due_date", "balance", "state"]
    .map((key) => t(`receivables.columns.${key}`));

  const checkboxes = new Map(); // id → input
  const rows = invoices.map((invoice) => {
    const box = h("input", {
      type: "checkbox", class: "select-invoice", value: invoice.id, id: `select-${invoice.id}`,
      "aria-label": t("receivables.select_invoice", {number: invoice.number}),
      "aria-describedby": mixed ? "currency-hint" : null,
    });
    box.addEventListener("change", () => {
      if (box.checked) selection.set(invoice.id, pick(invoice));
      else selection.delete(invoice.id);
      selectionChanged();
    });
    checkboxes.set(invoice.id, box);
    const overdue = invoice.days_overdue > 0;
    return h("tr", {dataset: {invoiceId: invoice.id, currency: invoice.currency}, class: overdue ? "is-overdue" : null},
      cell(columns[0], h("label", {class: "select-cell", for: box.id}, box), {class: "cell-select"}),
      cell(columns[1], h("a", {href: invoiceHref(invoice.id), class: "invoice-link"}, invoice.number)),
      cell(columns[2], formatDate(invoice.issue_date)),
      cell(columns[3], formatDate(invoice.due_date)),
      cell(columns[4], moneyOf(invoice.balance, invoice.currency), {class: "cell-number"}),
      cell(columns[5], stateBadges(invoice, today)));
  });

  const selectAll = h("input", {type: "checkbox", id: "select-all-invoices"});
  const selectAllLabel = h("label", {for: "select-all-invoices"});
  const table = h("table", {id: "receivables-table", class: "table-cards receivables-table"},
    h("caption", {class: "visually-hidden"}, t("receivables.table_title")),
    h("thead", {}, h("tr", {},
      columnHead(columns[0], {hidden: true}), columns.slice(1, 4).map((label) => columnHead(label)),
      columnHead(columns[4], {number: true}), columnHead(columns[5]))),
    h("tbody", {}, rows));

  const panel = selectedPanel(defaultCurrency);
  // Which currency a new selection may take: the selection's, else (nothing selected) any.
  const sync = () => {
    const currency = selectionCurrency();
    for (const invoice of invoices) {
      const box = checkboxes.get(invoice.id);
      box.checked = selection.has(invoice.id);
      box.disabled = Boolean(currency) && invoice.currency !== currency;
      box.closest("tr").classList.toggle("is-selected", box.checked);
      box.title = box.disabled ? t("receivables.other_currency", {currency}) : "";
    }
    const scope = currency || (mixed ? defaultCurrency : null);
    const candidates = invoices.filter((invoice) => !scope || invoice.currency === scope);
    const chosen = candidates.filter((invoice) => selection.has(invoice.id)).length;
    selectAll.checked = chosen > 0 && chosen === candidates.length;
    selectAll.indeterminate = chosen > 0 && chosen < candidates.length;
    selectAllLabel.textContent = mixed
      ? t("receivables.select_all_currency", {currency: scope, count: candidates.length})
      : t("receivables.select_all", {count: candidates.length});
    selectAll.dataset.currency = scope || "";
    panel.update();
  };
  selectAll.addEventListener("change", () => {
    const scope = selectAll.dataset.currency;
    for (const invoice of invoices) {
      if (scope && invoice.currency !== scope) continue;
      if (selectAll.checked) selection.set(invoice.id, pick(invoice));
      else selection.delete(invoice.id);
    }
    selectionChanged();
  });

  // The page listens while it is shown; a later render (or another page) drops this listener.
  const unsubscribe = onSelectionChange(() => {
    if (!table.isConnected) {
      unsubscribe();
      return;
    }
    sync();
  });
  sync();

  return h("div", {class: "receivables-list"},
    h("section", {class: "card", "aria-labelledby": "receivables-title"},
      h("h2", {id: "receivables-title", class: "card-title"}, t("receivables.table_title")),
      h("div", {class: "table-toolbar"},
        h("span", {class: "checkbox-field"}, selectAll, selectAllLabel),
        mixed ? h("p", {id: "currency-hint", class: "muted field-hint"}, t("receivables.one_currency")) : null),
      table),
    panel.element);
}

function selectedPanel(defaultCurrency) {
  const list = h("ul", {id: "selected-list", class: "selected-list"});
  const none = h("p", {class: "muted selected-none"}, t("receivables.selected_none"));
  const count = h("span", {id: "selected-count"});
  const total = h("strong", {id: "selected-total", class: "selected-total"});
  const payHint = h("p", {id: "pay-hint", class: "pay-hint", tabindex: "-1"});
  const payButton = h("button", {
    type: "button", id: "pay-button", class: "button", disabled: true, "aria-describedby": "pay-hint",
  }, t("receivables.pay"));
  payButton.addEventListener("click", () => {
    const items = selectedInvoices();
    if (canPayOnline(readiness, items)) navigate(newPaymentHref(items.map((invoice) => invoice.id)));
  });
  const payRetry = h("button", {type: "button", id: "pay-retry", class: "button button-secondary button-small", hidden: true},
    t("actions.retry"));
  let readiness = {reason: "checking"};
  const updatePay = (items = selectedInvoices()) => {
    payButton.disabled = !canPayOnline(readiness, items);
    payHint.textContent = readiness.ready
      ? t("receivables.pay_ready")
      : t(`receivables.pay_${readiness.reason}`, {message: readiness.message || ""});
    payRetry.hidden = readiness.reason !== "error";
  };
  const checkReadiness = async () => {
    readiness = {reason: "checking"};
    updatePay();
    readiness = await payReadiness();
    updatePay();
  };
  payRetry.addEventListener("click", async () => {
    await checkReadiness();
    // The retry button goes away once it worked: the keyboard continues at Pagar, or at what the hint now says.
    if (readiness.reason === "error") payRetry.focus();
    else if (!payButton.disabled) payButton.focus();
    else payHint.focus();
  });

  const element = h("aside", {id: "selected-panel", class: "selected-panel", "aria-labelledby": "selected-title"},
    h("div", {class: "selected-head"},
      h("h2", {id: "selected-title", class: "card-title"}, t("receivables.selected_title")),
      // Announced on every change: how many and how much, in one short sentence.
      h("p", {class: "selected-summary", "aria-live": "polite", "aria-atomic": "true"},
        count, h("span", {class: "separator", "aria-hidden": "true"}, " · "),
        h("span", {}, t("receivables.selected_total"), " "), total)),
    none,
    list,
    h("div", {class: "pay-row"}, payButton, payHint, payRetry));

  const update = () => {
    const items = selectedInvoices();
    const currency = items[0]?.currency || defaultCurrency;
    const sum = items.reduce((acc, invoice) => acc + Number(invoice.balance || 0), 0);
    count.textContent = tCount("receivables.selected_count", items.length);
    replace(total, moneyOf(sum, currency));
    element.classList.toggle("has-selection", items.length > 0);
    none.hidden = items.length > 0;
    updatePay(items);
    replace(list, items.map((invoice) => {
      const remove = h("button", {
        type: "button", class: "button button-secondary button-small remove-selected",
        value: invoice.id, "aria-label": t("receivables.remove_label", {number: invoice.number}),
      }, t("receivables.remove"));
      remove.addEventListener("click", () => {
        const next = remove.closest("li")?.nextElementSibling?.querySelector("button")
          || remove.closest("li")?.previousElementSibling?.querySelector("button");
        selection.delete(invoice.id);
        selectionChanged();
        announce(t("receivables.removed", {number: invoice.number}));
        // The focused button is gone: keep the keyboard in the panel.
        const target = next && list.querySelector(`button[value="${CSS.escape(next.value)}"]`);
        if (target) target.focus();
        else {
          element.querySelector("h2").setAttribute("tabindex", "-1");
          element.querySelector("h2").focus();
        }
      });
      return h("li", {dataset: {invoiceId: invoice.id}},
        h("span", {class: "selected-number"}, invoice.number),
        h("span", {class: "selected-amount cell-number"}, moneyOf(invoice.balance, invoice.currency)),
        remove);
    }));
  };
  checkReadiness();
  return {element, update};
}

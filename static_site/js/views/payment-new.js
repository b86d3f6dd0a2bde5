// #/payments/new — "Confirma tu pago": the invoices chosen on #/receivables (carried in the hash,
// #/payments/new?invoice=FV-1002&invoice=FV-1006, so a reload keeps them) with their current balances, an
// amount per invoice when the tenant allows partial payments, the gateway, the total and "Confirmar y
// pagar" → POST /portal/payments → the gateway's checkout in this same window.

import {api, ApiError} from "../api.js";
import {h, replace, skeleton} from "../dom.js";
import {formatAmountInput, formatDate, formatMoney, minorUnitExponent, parseMoneyInput} from "../format.js";
import {t} from "../i18n.js";
import {money as moneyOf} from "../money.js";
import {navigate, refresh} from "../router.js";
import {cell, columnHead, daysOverdueText, invoiceHref, loadError, stateBadge} from "./billing.js";
import {
  canPay, gatewayLabel, goToCheckout, paymentHref, paymentOptions, refreshWhenRestored,
} from "./payments.js";
import {clearSelection, selectedInvoices} from "./receivables.js";

export function renderPaymentNew(page, {params}) {
  const fromHash = params.getAll("invoice").filter(Boolean);
  const ids = [...new Set(fromHash.length ? fromHash : selectedInvoices().map((invoice) => invoice.id))];
  const body = h("div", {id: "payment-new", class: "payment-new", "aria-busy": "true"},
    h("div", {class: "card"}, skeleton(5)), h("div", {class: "card"}, skeleton(3)));
  page.append(
    h("header", {class: "page-header"},
      h("p", {class: "breadcrumb"}, h("a", {href: "#/receivables"}, t("payment_new.back"))),
      h("h1", {tabindex: "-1"}, t("payment_new.title")),
      h("p", {class: "lead"}, t("payment_new.lead"))),
    body);
  load(body, ids);
}

async function load(body, ids) {
  body.setAttribute("aria-busy", "true");
  if (!canPay()) {
    body.removeAttribute("aria-busy");
    replace(body, notice("payment-new-empty", t("payment_new.no_permission"), backLink()));
    return;
  }
  if (!ids.length) {
    body.removeAttribute("aria-busy");
    replace(body, notice("payment-new-empty", t("payment_new.nothing_selected"), backLink()));
    return;
  }
  let receivables;
  let options;
  try {
    [receivables, options] = await Promise.all([api.get("/portal/receivables"), paymentOptions()]);
  } catch (error) {
    body.removeAttribute("aria-busy");
    replace(body, loadError(error, () => {
      replace(body, h("div", {class: "card"}, skeleton(5)));
      load(body, ids);
    }));
    return;
  }
  body.removeAttribute("aria-busy");

  const open = new Map((receivables.invoices || []).map((invoice) => [invoice.id, invoice]));
  const found = ids.map((id) => open.get(id)).filter(Boolean);
  const currency = found[0]?.currency;
  const invoices = found.filter((invoice) => invoice.currency === currency);
  const notes = [];
  const closed = ids.filter((id) => !open.has(id));
  if (closed.length) notes.push(t("payment_new.not_open", {numbers: closed.join(", ")}));
  const otherCurrency = found.filter((invoice) => invoice.currency !== currency);
  if (otherCurrency.length) {
    notes.push(t("payment_new.other_currency", {numbers: otherCurrency.map((i) => i.number).join(", "), currency}));
  }
  if (!invoices.length) {
    replace(body, notice("payment-new-empty", t("payment_new.none_open"), backLink()));
    return;
  }
  if (!options.gateways?.length) {
    replace(body, notice("payment-new-empty", t("payment_new.no_gateways"), backLink()));
    return;
  }
  replace(body, paymentForm({invoices, currency, options, notes, ids, today: receivables.as_of}));
}

function notice(id, text, ...more) {
  return h("section", {class: "card empty-state", id},
    h("p", {}, text),
    more.length ? h("p", {class: "actions"}, more) : null);
}

function backLink() {
  return h("a", {class: "button button-secondary", href: "#/receivables"}, t("payment_new.go_receivables"));
}

function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// ---------- The form ----------

function paymentForm({invoices, currency, options, notes, ids, today}) {
  const partial = Boolean(options.partial_payments);
  const money = (amount) => moneyOf(amount, currency);
  const moneyText = (amount) => formatMoney(amount, currency); // in a sentence: stands alone
  const columns = ["number", "due_date", "balance", "amount"].map((key) => t(`payment_new.columns.${key}`));
  const rows = new Map(); // invoice id → {invoice, input, errorSlot}

  const tbody = h("tbody", {}, invoices.map((invoice) => {
    const inputId = `payment-amount-${invoice.id}`;
    const errorSlot = h("p", {class: "field-error", id: `payment-item-${invoice.id}-error`});
    const input = partial ? h("input", {
      id: inputId, name: "amount", type: "text", inputmode: "decimal", autocomplete: "off", spellcheck: "false",
      class: "amount-input", value: formatAmountInput(invoice.balance, currency), dataset: {invoiceId: invoice.id},
      "aria-describedby": `payment-amount-hint ${errorSlot.id}`,
    }) : null;
    rows.set(invoice.id, {invoice, input, errorSlot});
    const amountCell = partial
      ? h("div", {class: "field amount-field"},
        h("label", {for: inputId, class: "visually-hidden"},
          t("payment_new.amount_label", {number: invoice.number, currency})),
        input, errorSlot)
      : [h("span", {}, money(invoice.balance)), errorSlot];
    return h("tr", {dataset: {invoiceId: invoice.id}, class: invoice.days_overdue > 0 ? "is-overdue" : null},
      cell(columns[0], [h("a", {href: invoiceHref(invoice.id), class: "invoice-link"}, invoice.number),
        invoice.payment_in_progress ? [" ", stateBadge("payment_in_progress")] : null]),
      cell(columns[1], [formatDate(invoice.due_date), h("br"), daysOverdueText(invoice, today)]),
      cell(columns[2], money(invoice.balance), {class: "cell-number"}),
      cell(columns[3], amountCell, {class: `cell-number cell-amount${partial ? " has-input" : ""}`}));
  }));

  const itemsSection = h("section", {class: "card", "aria-labelledby": "payment-items-title"},
    h("h2", {id: "payment-items-title", class: "card-title"}, t("payment_new.items_title")),
    notes.map((text) => h("p", {class: "notice"}, text)),
    partial ? h("p", {class: "field-hint", id: "payment-amount-hint"}, t("payment_new.amount_hint")) : null,
    h("table", {id: "payment-items", class: "table-cards payment-items"},
      h("caption", {class: "visually-hidden"}, t("payment_new.items_title")),
      h("thead", {}, h("tr", {}, columnHead(columns[0]), columnHead(columns[1]),
        columnHead(columns[2], {number: true}), columnHead(columns[3], {number: true}))),
      tbody));

  const gatewayError = h("p", {class: "field-error", id: "payment-options-error"});
  const gateways = options.gateways;
  const gatewaySection = h("fieldset", {id: "payment-options", class: "card payment-options",
    "aria-describedby": "payment-options-error"},
  h("legend", {class: "card-title"}, t("payment_new.gateway_title")),
  h("div", {class: "radio-list"}, gateways.map((gateway) => {
    const id = `gateway-${gateway.name}`;
    return h("div", {class: "radio-option"},
      h("input", {type: "radio", name: "gateway", id, value: gateway.name, checked: gateways.length === 1,
        "aria-describedby": gateway.test ? `${id}-test` : null}),
      h("label", {for: id},
        h("span", {class: "radio-label"}, gatewayLabel(gateway.name, {apiLabel: gateway.label, choice: true})),
        gateway.test ? h("span", {class: "radio-hint", id: `${id}-test`}, t("payment_new.test_mode")) : null));
  })),
  gatewayError);

  const total = h("strong", {id: "payment-total", class: "figure-value"});
  const errorRegion = h("div", {id: "payment-error", class: "form-error", role: "alert"});
  const status = h("p", {id: "payment-progress", class: "payment-progress", role: "status"});
  const confirm = h("button", {type: "submit", id: "pay-confirm", class: "button"}, t("payment_new.confirm"));
  const summary = h("section", {class: "card payment-summary", "aria-labelledby": "payment-total-title"},
    h("div", {class: "payment-total-row"},
      h("h2", {id: "payment-total-title", class: "card-title"}, t("payment_new.total")),
      h("p", {"aria-live": "polite", "aria-atomic": "true"}, total)),
    h("p", {class: "muted"}, t("payment_new.redirect_note")),
    errorRegion,
    h("div", {class: "actions"}, confirm, h("a", {class: "button button-secondary", href: "#/receivables"}, t("payment_new.change_selection"))),
    status);

  const form = h("form", {id: "payment-form", class: "payment-form", novalidate: true, "aria-label": t("payment_new.title")},
    itemsSection, gatewaySection, summary);

  // ---------- amounts ----------

  const amountProblem = (row) => {
    const parsed = parseMoneyInput(row.input.value, currency);
    const balance = Number(row.invoice.balance);
    switch (parsed.error) {
      case undefined: break;
      case "empty": return {message: t("payment_new.amount_required")};
      case "decimals": return {message: t("payment_new.amount_decimals", {digits: minorUnitExponent(currency)})};
      case "negative": return {message: t("payment_new.amount_min", {min: moneyText(1)})};
      case "too_large": return {message: t("payment_new.amount_max", {balance: moneyText(balance)})};
      default: return {message: t("payment_new.amount_format", {example: formatAmountInput(balance, currency)})};
    }
    if (parsed.minor < 1) return {message: t("payment_new.amount_min", {min: moneyText(1)})};
    if (parsed.minor > balance) return {message: t("payment_new.amount_max", {balance: moneyText(balance)})};
    return {minor: parsed.minor};
  };
  const setRowError = (row, message) => {
    row.errorSlot.textContent = message;
    if (row.input) row.input.setAttribute("aria-invalid", "true");
  };
  const clearRowError = (row) => {
    row.errorSlot.textContent = "";
    row.input?.removeAttribute("aria-invalid");
  };
  const updateTotal = () => {
    let sum = 0;
    for (const row of rows.values()) sum += partial ? amountProblem(row).minor || 0 : Number(row.invoice.balance);
    replace(total, money(sum));
  };
  for (const row of rows.values()) {
    if (!row.input) continue;
    row.input.addEventListener("input", updateTotal);
    // Errors appear on submit (one showing up on blur would move the button under the pointer); once
    // shown, they follow what the contact types.
    row.input.addEventListener("change", () => {
      const problem = amountProblem(row);
      if (!problem.message) {
        clearRowError(row);
        row.input.value = formatAmountInput(problem.minor, currency); // "1750050,5" → "1.750.050,50"
      } else if (row.input.getAttribute("aria-invalid") === "true") {
        setRowError(row, problem.message);
      }
    });
  }
  updateTotal();
  gatewaySection.addEventListener("change", () => {
    gatewayError.textContent = "";
  });

  // ---------- errors from the API ----------

  const clearAll = () => {
    for (const row of rows.values()) clearRowError(row);
    gatewayError.textContent = "";
    errorRegion.replaceChildren();
  };
  const showError = (error, sentItems) => {
    if (!(error instanceof ApiError)) console.error(error); // a bug here, not an API answer
    const message = error instanceof ApiError ? error.message : t("errors.unexpected_client");
    const extra = [];
    let focusTarget = null;
    if (error.code === "invoice_in_checkout" && error.details?.payment_id) {
      extra.push(h("a", {id: "payment-conflict-link", href: paymentHref(error.details.payment_id)},
        t("payment_new.see_other_payment")));
    }
    // details.fields: "items[0].amount" → that invoice's field; "gateway" → the gateway choice.
    for (const [field, text] of Object.entries(error.fields || {})) {
      const item = /^items\[(\d+)\]/.exec(field);
      const row = item ? rows.get(sentItems[Number(item[1])]?.invoice_id) : null;
      if (row) {
        setRowError(row, text);
        focusTarget ||= row.input;
      } else if (field === "gateway") {
        gatewayError.textContent = text;
        focusTarget ||= gatewaySection.querySelector("input");
      } else {
        extra.push(h("span", {class: "error-detail"}, `${field}: ${text}`));
      }
    }
    const invoiceId = error.details?.invoice_id;
    if (invoiceId && rows.has(invoiceId) && !rows.get(invoiceId).errorSlot.textContent) setRowError(rows.get(invoiceId), message);
    replace(errorRegion, h("span", {}, message), extra.map((node) => [" ", node]));
    focusTarget?.focus();
  };

  // ---------- submit ----------

  let attempt = null; // {json, key}: a retry of the same request reuses its Idempotency-Key
  let leaving = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (leaving || confirm.disabled) return;
    clearAll();
    const items = [];
    let firstInvalid = null;
    for (const row of rows.values()) {
      if (!partial) {
        items.push({invoice_id: row.invoice.id});
        continue;
      }
      const problem = amountProblem(row);
      if (problem.message) {
        setRowError(row, problem.message);
        firstInvalid ||= row.input;
      } else {
        items.push({invoice_id: row.invoice.id, amount: problem.minor});
      }
    }
    const gateway = form.querySelector('input[name="gateway"]:checked')?.value;
    if (!gateway) {
      gatewayError.textContent = t("payment_new.gateway_required");
      firstInvalid ||= gatewaySection.querySelector("input");
    }
    if (firstInvalid) {
      errorRegion.textContent = t("errors.fix_fields");
      firstInvalid.focus();
      return;
    }

    const request = {gateway, items};
    const json = JSON.stringify(request);
    if (attempt?.json !== json) attempt = {json, key: newIdempotencyKey()};
    confirm.disabled = true;
    confirm.setAttribute("aria-busy", "true");
    confirm.textContent = t("payment_new.confirming");
    let payment;
    try {
      payment = await api.post("/portal/payments", request, {headers: {"Idempotency-Key": attempt.key}});
    } catch (error) {
      confirm.disabled = false;
      confirm.removeAttribute("aria-busy");
      confirm.textContent = t("payment_new.confirm");
      showError(error, items);
      return;
    }
    leaving = true;
    clearSelection(ids);
    const name = gatewayLabel(gateway, {apiLabel: gateways.find((g) => g.name === gateway)?.label});
    status.textContent = t("payment_new.redirecting", {gateway: name});
    // Back from the gateway lands on this payment (continue or cancel it there), not on a second checkout.
    history.replaceState(null, "", paymentHref(payment.id));
    if (payment.status !== "created" || !payment.checkout) {
      navigate(paymentHref(payment.id));
      return;
    }
    refreshWhenRestored(refresh);
    try {
      goToCheckout(payment.checkout);
    } catch (error) {
      console.error(error);
      navigate(paymentHref(payment.id)); // its page says what happened and offers "Continuar al pago"
    }
  });

  return form;
}

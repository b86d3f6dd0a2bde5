// Pieces shared by the payments pages (confirmation, history, detail, dashboard card): payment status
// badges, gateway and method names, the tenant's payment options, and sending the browser to the
// gateway's checkout.

import {api} from "../api.js";
import {h} from "../dom.js";
import {t} from "../i18n.js";
import {hasAction, onSessionChange} from "../session.js";
import {safeHttpUrl} from "./billing.js";

export const PAYMENT_STATUSES = ["created", "pending", "approved", "declined", "expired", "error", "cancelled", "review"];
/** A payment in one of these may still change (the detail page polls it). */
export const LIVE_STATUSES = new Set(["created", "pending"]);
const GATEWAYS = ["payu", "zonavirtual"];
const METHODS = ["card", "pse", "cash", "bancolombia_button"];
const OPTIONS_MAX_AGE_MS = 5 * 60 * 1000;

// Every status has its word and an icon; colour is never the only signal (UI.md).
const STATUS_ICONS = {
  created: "○", pending: "◷", approved: "✓", declined: "✕", expired: "⊘", error: "⚠", cancelled: "⊖", review: "⚑",
};

/** Whether the contact may pay online (module `payments`, action `pay`). */
export function canPay() {
  return hasAction("payments", "pay");
}

/** "#/payments/pay_123" */
export function paymentHref(id) {
  return `#/payments/${encodeURIComponent(id)}`;
}

/** "#/payments/new?invoice=FV-1002&invoice=FV-1006": the confirmation screen for these invoices. */
export function newPaymentHref(invoiceIds) {
  const query = new URLSearchParams();
  for (const id of invoiceIds) query.append("invoice", id);
  const text = query.toString();
  return text ? `#/payments/new?${text}` : "#/payments/new";
}

/** The word for a payment status ("Aprobado"); an unknown status is shown as it came. */
export function paymentStatusText(status) {
  return PAYMENT_STATUSES.includes(status) ? t(`payments.statuses.${status}`) : String(status ?? "");
}

/**
 * A status badge: icon (hidden from screen readers) and word. `wordId` names the element holding only the
 * word (the detail page's #payment-status); both carry data-status with the API's status.
 */
export function paymentStatusBadge(status, {wordId} = {}) {
  const known = PAYMENT_STATUSES.includes(status) ? status : "unknown";
  return h("span", {class: `badge badge-payment badge-payment-${known}`, dataset: {status}},
    h("span", {class: "badge-icon", "aria-hidden": "true"}, STATUS_ICONS[known] || "•"), " ",
    h("span", {class: "badge-word", id: wordId, dataset: {status}}, paymentStatusText(status)));
}

/**
 * A gateway's name: "PayU", "Zona Virtual"; `choice` gives the longer words for choosing one ("Zona Virtual
 * (PSE, tarjetas)"). A gateway we have no words for keeps the API's label.
 */
export function gatewayLabel(name, {apiLabel, choice = false} = {}) {
  if (!GATEWAYS.includes(name)) return apiLabel || String(name ?? "");
  return t(`payments.${choice ? "gateway_choices" : "gateways"}.${name}`);
}

/** "Tarjeta", "PSE", "Efectivo"; null (not known yet) → "—"; a gateway's own code → "Otro medio" (never its word). */
export function methodLabel(method) {
  if (!method) return "—";
  return t(`payments.methods.${METHODS.includes(method) ? method : "other"}`);
}

// ---------- GET /portal/payment-options, once per session (refreshed after a few minutes) ----------

let options = null; // {promise, at}
onSessionChange(() => {
  options = null;
});

/** The tenant's payment options: {gateways: [{name, label, test}], partial_payments, check_minutes}. */
export function paymentOptions() {
  if (!options || Date.now() - options.at > OPTIONS_MAX_AGE_MS) {
    const promise = api.get("/portal/payment-options");
    const entry = {promise, at: Date.now()};
    promise.catch(() => {
      if (options === entry) options = null; // let a later call try again
    });
    options = entry;
  }
  return options.promise;
}

// ---------- The gateway's checkout ----------

/**
 * Sends this window to the gateway: `POST` posts `fields` to `url` as an HTML form, `REDIRECT` navigates to
 * `url`. Throws (nothing happens) when the checkout has no usable http(s) address or an unknown method.
 */
export function goToCheckout(checkout) {
  const url = safeHttpUrl(checkout?.url);
  if (!url) throw new Error("the API returned no usable checkout address");
  if (checkout.method === "REDIRECT") {
    window.location.assign(url);
    return;
  }
  if (checkout.method !== "POST") throw new Error(`unknown checkout method ${checkout.method}`);
  const form = h("form", {method: "post", action: url, "accept-charset": "UTF-8", hidden: true},
    Object.entries(checkout.fields || {}).map(([name, value]) =>
      h("input", {type: "hidden", name, value: value === null || value === undefined ? "" : String(value)})));
  document.body.append(form);
  form.submit();
}

/**
 * The gateway's page replaces this one; if the browser later restores this page from its back-forward
 * cache (the contact pressed Back), render the current route again instead of a stale busy form.
 */
export function refreshWhenRestored(refresh) {
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) refresh();
  }, {once: true});
}
